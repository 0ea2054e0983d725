"""``assess`` on the command line: JSON for scripts, numbered questions for people."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.assess_cli import main, render_text
from bot.assessment.engine import score_answers
from bot.assessment.questions import PAGES, QUESTIONS, options
from tests.support.answers import FRONTIER

ROOT = Path(__file__).resolve().parent.parent
KEYS = ["verdict", "confidence", "scores", "red_flags", "reasons", "next_steps", "advice"]


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_json_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(FRONTIER), encoding="utf-8")
    code, out, err = run(["--answers", str(path), "--format", "json"])
    assert (code, err) == (0, "")
    result = json.loads(out)  # exactly one object: json.loads refuses trailing data
    assert list(result) == KEYS
    assert result["verdict"] == "build"
    assert out.count("\n") == 1


def test_json_from_stdin_in_french() -> None:
    code, out, err = run(["--answers", "-", "--format", "json", "--lang", "fr"],
                         json.dumps({"ai_role": "exploring", "talent": "none"}))  # fmt: skip
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["verdict"] == "buy"
    assert "Acheter" in result["advice"]


def test_answers_default_to_json() -> None:
    code, out, _ = run(["--answers", "-"], "{}")
    assert code == 0 and list(json.loads(out)) == KEYS


def test_text_format_prints_scores_and_the_narrative() -> None:
    code, out, err = run(["--answers", "-", "--format", "text"], json.dumps(FRONTIER))
    assert (code, err) == (0, "")
    lines = out.split("\n")
    assert lines[0] == "Scores:"
    # One line per score, each saying why (issue 16.7). By hand from the rule table: buy's
    # only points against it are "AI is the product" (-0.30): 0.25 - 0.30 clips to 0.
    assert lines[1] == (
        "  Buy 0.00 — AI is what customers pay for. You can't buy your core product off the shelf."
    )
    assert lines[2].startswith("  Wrap 0.25 — ")
    assert lines[3].startswith("  Fine-tune ")
    assert lines[4].startswith("  Build 1.00, the verdict — ")
    assert lines[5] == ""
    assert "Build your own foundation model." in out
    assert "if you're going to go all in, go all in." in out
    assert "*" not in out and "_(" not in out  # plain text, no Slack marks


def test_text_says_which_build_bar_is_missed_in_french() -> None:
    answers = json.dumps({**FRONTIER, "product": "product_planned"})
    code, out, _ = run(["--answers", "-", "--format", "text", "--lang", "fr"], answers)
    lines = out.split("\n")
    assert lines[0] == "Scores\u00a0:"
    assert lines[4] == (
        "  Construire 0,00, exclu — Le pré-entraînement demande toutes les conditions, "
        "et il vous manque un produit complet."
    )
    assert "*" not in out and "_(" not in out


def test_text_explains_what_the_air_gap_rules_out_and_json_says_it_too() -> None:
    answers = json.dumps({**FRONTIER, "deployment": "air_gapped"})
    code, out, err = run(["--answers", "-", "--format", "text"], answers)
    assert (code, err) == (0, "")
    _, buy, wrap, _, build, blank, *_ = out.split("\n")
    # The air gap closes the external API only: buying stays open (issue 14.1); buy's 0.00
    # comes from its points (0.25 - 0.30 for "AI is the product" - 0.20 for the air gap).
    assert buy.startswith("  Buy 0.00 — ")
    assert wrap == "  Wrap 0.00, ruled out — Air-gapped means no external model API."
    assert build.startswith("  Build 1.00, the verdict — ")  # every bar cleared: build open
    assert blank == ""
    _, json_out, _ = run(["--answers", "-", "--format", "json"], answers)
    result = json.loads(json_out)
    assert list(result) == KEYS and (result["scores"]["buy"], result["scores"]["wrap"]) == (0, 0)
    assert "Wrap 0.00, ruled out — Air-gapped means no external model API." in result["advice"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_answer_at_all_is_said_instead_of_a_verdict(lang: str) -> None:
    code, out, err = run(["--answers", "-", "--format", "text", "--lang", lang], "{}")
    assert (code, err) == (0, "")
    expected = {
        "en": "No question was answered, so there is nothing to assess. Answer at least one "
        "question (all eleven for a verdict you can trust).\n",
        "fr": "Aucune question n'a reçu de réponse\u00a0: il n'y a rien à évaluer. Répondez au "
        "moins à une question (aux onze pour un verdict fiable).\n",
    }
    assert out == expected[lang]
    # JSON keeps the contract's object, and its advice says the same before anything else.
    _, json_out, _ = run(["--answers", "-", "--format", "json", "--lang", lang], "{}")
    result = json.loads(json_out)
    assert list(result) == KEYS and result["confidence"] == 0
    first = {"en": "No question was answered", "fr": "Aucune question n'a reçu de réponse"}
    assert first[lang] in result["advice"].split("\n")[0]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_budget_answer_has_its_own_hint(lang: str) -> None:
    hints = [option.hint for option in options("budget", lang)]
    assert len(set(hints)) == len(hints) == 5


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries(
        {}, optional={q: st.sampled_from(answers) for q, answers in QUESTIONS.items()}
    ),
    st.sampled_from(["en", "fr"]),
)
def test_the_terminal_is_plain_text(answers: dict[str, str], lang: str) -> None:
    out = render_text(score_answers(answers), lang)
    assert not re.search(r"(?<!\w)[*_]\S|\S[*_](?!\w)", out), out
    if answers:
        scores = out.split("\n")[1:5]
        assert all(line.startswith("  ") and len(line.split()) > 3 for line in scores)


@pytest.mark.parametrize(
    ("stdin", "fragment"),
    [
        ("not json", "answers are not valid JSON"),
        ("", "answers are not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('"wrap"', "must be a JSON object"),
        ('{"colour": "blue"}', "unknown question id 'colour'; valid ids: ai_role, motivation"),
        ('{"budget": "lots"}', "unknown answer 'lots' for 'budget'; valid answers: under_100k"),
        ('{"budget": 5}', "must be a string, not a number"),
    ],
)
def test_bad_input_exits_2_with_one_line(stdin: str, fragment: str) -> None:
    code, out, err = run(["--answers", "-", "--format", "json"], stdin)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n")
    assert fragment in err


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    code, out, err = run(["--answers", str(tmp_path / "missing.json"), "--format", "json"])
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "cannot read answers file" in err


def test_a_directory_is_unreadable_too(tmp_path: Path) -> None:
    code, out, err = run(["--answers", str(tmp_path)])
    assert (code, out) == (2, "") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [["--format", "yaml"], ["--lang", "de"], ["--answers"], ["--frobnicate"]],
)
def test_bad_arguments_exit_2_with_one_line(argv: list[str]) -> None:
    code, out, err = run(argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("assess: ")


def test_help_exits_0() -> None:
    code, out, err = run(["--help"])
    assert (code, err) == (0, "")
    assert "--answers" in out


# --- interactive ----------------------------------------------------------------------------


def _typed(answers: dict[str, str]) -> str:
    """The numbers a user types, page by page, to give ``answers``."""
    order = [q for page in PAGES for q in page]
    return "".join(f"{QUESTIONS[q].index(answers[q]) + 1}\n" for q in order)


def test_interactive_run_gives_the_same_verdict_as_json() -> None:
    code, out, err = run([], _typed(FRONTIER))
    assert (code, err) == (0, "")
    assert "1/11. What role does AI play in what you sell?" in out
    assert "1) It is the product — Customers pay for the model itself" in out
    assert "1) Under $100k — Tools and subscriptions, not engineering" in out
    assert "Build your own foundation model." in out


def test_interactive_re_asks_on_enter_and_invalid_input() -> None:
    typed = "\n0\nfive\n9\n" + _typed(FRONTIER)
    code, out, _ = run([], typed)
    assert code == 0
    assert out.count("Type a number from 1 to 4.") == 4
    assert "Build your own foundation model." in out


def test_interactive_json_keeps_stdout_for_the_object() -> None:
    code, out, err = run(["--format", "json", "--lang", "fr"], _typed(FRONTIER))
    assert code == 0
    assert json.loads(out)["verdict"] == "build"
    assert "Quelle place l'IA tient-elle" in err


def test_end_of_input_leaves_cleanly() -> None:
    code, out, err = run([], "1\n2\n")
    assert code == 1
    assert "Traceback" not in out + err
    assert "Cancelled. Nothing was saved." in err


class _CtrlC(io.StringIO):
    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        raise KeyboardInterrupt


def test_ctrl_c_leaves_cleanly_with_130() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main([], stdin=_CtrlC(), stdout=out, stderr=err)
    assert code == 130
    assert "Traceback" not in out.getvalue() + err.getvalue()
    assert "Cancelled" in err.getvalue()


# --- through a real process -----------------------------------------------------------------

ENTRY = "from bot.assess_cli import main; raise SystemExit(main())"


def test_subprocess_json(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(FRONTIER), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "--answers", str(path), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["verdict"] == "build"


def test_subprocess_bad_input() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "--answers", "-", "--format", "json"],
        input='{"ai_role": "maybe"}', cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "assess: unknown answer 'maybe' for 'ai_role'; valid answers: "
        "is_the_product, differentiator, supporting, exploring"
    ]
