"""Scoring ``ask`` on its evaluation set (tests/ask_eval.toml): one question is relevant when
the answer is in the expected language, of the expected kind, and contains every concept."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.ask.answer import answer

EVAL_SET = Path(__file__).resolve().parents[1] / "ask_eval.toml"


@dataclass(frozen=True)
class Verdict:
    question: str
    relevant: bool
    missing: tuple[str, ...]


def load() -> list[dict]:
    with EVAL_SET.open("rb") as fh:
        return tomllib.load(fh)["question"]


def judge(case: dict, default_lang: str = "en") -> Verdict:
    """Whether the offline answer to one case is relevant, and what it lacks if not."""
    result = answer(case["text"], default_lang)
    text = result.text.casefold()
    missing = [
        "|".join(alternatives)
        for alternatives in case["concepts"]
        if not any(a.casefold() in text for a in alternatives)
    ]
    if result.lang != case["lang"]:
        missing.append(f"language {result.lang} != {case['lang']}")
    if result.kind != case["kind"]:
        missing.append(f"kind {result.kind} != {case['kind']}")
    return Verdict(case["text"], not missing, tuple(missing))


def score(default_lang: str = "en") -> tuple[int, int, list[Verdict]]:
    """(relevant, total, the verdicts that failed)."""
    verdicts = [judge(case, default_lang) for case in load()]
    failed = [v for v in verdicts if not v.relevant]
    return len(verdicts) - len(failed), len(verdicts), failed
