"""``ask`` against its own evaluation set (tests/ask_eval.toml), and the README's report of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.ask_eval import judge, load, score

BAR = 0.9
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_set_is_large_and_covers_both_languages_and_refusals() -> None:
    cases = load()
    assert len(cases) >= 40
    assert {c["lang"] for c in cases} == {"en", "fr"}
    kinds = [(c["kind"], c["lang"]) for c in cases]
    for kind in ("off_topic", "injection"):
        assert (kind, "en") in kinds and (kind, "fr") in kinds
    assert all(c["concepts"] and all(c["concepts"]) for c in cases)


@pytest.mark.parametrize("default_lang", ["en", "fr"])
def test_the_score_clears_the_bar_whatever_the_workspace_language(default_lang: str) -> None:
    relevant, total, failed = score(default_lang)
    assert relevant / total >= BAR, [(f.question, f.missing) for f in failed]


@pytest.mark.parametrize(
    "case", [c for c in load() if c["kind"] != "answer"], ids=lambda c: c["text"][:40]
)
def test_every_refusal_is_right(case: dict) -> None:
    """Off-topic and injection questions are not averaged away: each must be refused."""
    verdict = judge(case)
    assert verdict.relevant, verdict.missing


def test_the_readme_reports_the_score_it_measures() -> None:
    relevant, total, _ = score("en")
    reported = re.search(r"Offline score: \*\*(\d+) of (\d+)\*\* relevant \((\d+) %\)", README)
    assert reported, "README: the ask evaluation score is missing"
    assert (int(reported[1]), int(reported[2])) == (relevant, total)
    assert int(reported[3]) == round(100 * relevant / total)
