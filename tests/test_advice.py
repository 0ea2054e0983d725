"""The offline advisor: narrative order and voice, next steps, wording coverage.

`ask` has its own tests: tests/test_ask.py."""

from __future__ import annotations

import pytest

from bot.assessment import advice
from bot.assessment.engine import CORE_REASONS, RULES, score_answers
from bot.assessment.questions import (
    PAGE_IDS,
    PAGES,
    PRINCIPLES,
    QUESTION_IDS,
    QUESTIONS,
    RED_FLAGS,
    options,
    page_title,
    principle_name,
    question_text,
)
from bot.i18n import has
from bot.vocabulary import VERDICTS
from tests.support.answers import AGENCY, FRONTIER, HYPED

SOLO = {"ai_role": "exploring", "talent": "none", "budget": "under_100k", "motivation": "none"}
HOSPITAL = {**AGENCY, "motivation": "control", "talent": "ml_engineers",
            "data": "large_proprietary", "deployment": "air_gapped"}  # fmt: skip
BY_VERDICT = {"build": FRONTIER, "wrap": AGENCY, "buy": SOLO, "fine_tune": HOSPITAL}


def test_the_fixtures_cover_every_verdict() -> None:
    assert {v: score_answers(a).verdict for v, a in BY_VERDICT.items()} == {v: v for v in VERDICTS}


def test_red_flags_come_first_then_reasons_then_steps() -> None:
    result = score_answers(HYPED)
    text = advice.narrative(result, "en")
    flags_at = text.index("*Red flags first.*")
    why_at = text.index("*Why.*")
    steps_at = text.index("*What to do now.*")
    assert flags_at < why_at < steps_at
    for flag_text in advice.red_flag_texts(result, "en"):
        assert flags_at < text.index(flag_text) < why_at
    assert "That is not a reason" in text  # investor_driven, in the seed's words


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("verdict", VERDICTS)
def test_every_verdict_cites_at_least_two_principles(verdict: str, lang: str) -> None:
    result = score_answers(BY_VERDICT[verdict])
    text = advice.narrative(result, lang)
    cited = {p for p in PRINCIPLES if f"_({principle_name(p, lang)})_" in text}
    assert len(cited) >= 2, text
    for reason_text in advice.reason_texts(result, lang):
        assert reason_text in text


@pytest.mark.parametrize(
    ("verdict", "lang", "phrase"),
    [
        ("wrap", "en", "_(Plug into the grid)_"),
        ("wrap", "fr", "_(Se raccorder au réseau)_"),
        ("fine_tune", "en", "_(Only two valid reasons)_"),
        ("build", "en", "if you're going to go all in, go all in."),
        ("build", "fr", "si vous y allez, allez-y à fond."),
        ("buy", "en", "_(A lever, not a burden)_"),
    ],
)
def test_the_voice_of_the_seed(verdict: str, lang: str, phrase: str) -> None:
    assert phrase in advice.narrative(score_answers(BY_VERDICT[verdict]), lang)


def test_no_red_flag_section_without_red_flags() -> None:
    text = advice.narrative(score_answers(FRONTIER), "en")
    assert "Red flags" not in text
    assert text.endswith("If you can't commit all of it, don't start.")


@pytest.mark.parametrize(
    ("verdict", "expected"),
    [
        ("wrap", ["Pick one provider", "evaluation set", "Index your documents"]),
        ("fine_tune", ["open-weight models untouched", "inside your walls", "evaluation set"]),
        ("buy", ["Shortlist", "30 days", "Revisit in six months"]),
        ("build", ["Commit capital, compute and people for years", "scaling curves",
                   "If you can't commit all of it"]),
    ],
)  # fmt: skip
def test_next_steps_fit_the_verdict(verdict: str, expected: list[str]) -> None:
    steps = " ".join(advice.next_steps(score_answers(BY_VERDICT[verdict]), "en"))
    for phrase in expected:
        assert phrase in steps


def test_next_steps_add_what_the_answers_call_for() -> None:
    air_gapped = advice.next_steps(score_answers(HOSPITAL), "en")
    assert any("GPUs on premises" in s for s in air_gapped)
    regulated = advice.next_steps(score_answers({**AGENCY, "deployment": "regulated"}), "en")
    assert any("no-training clause" in s for s in regulated)
    no_team = advice.next_steps(score_answers({**AGENCY, "talent": "none", "ai_role":
                                               "differentiator"}), "en")  # fmt: skip
    assert any("Hire or contract" in s for s in no_team)
    assert len(advice.next_steps(score_answers(HYPED), "en")) <= 7


def test_build_gate_reason_names_the_missing_bars() -> None:
    result = score_answers({**FRONTIER, "budget": "10m_to_100m", "time_to_value": "quarters"})
    texts = advice.reason_texts(result, "en")
    gate = next(t for t in texts if t.startswith("Pre-training is off the table"))
    assert "over $100M and a horizon of years" in gate
    fr = " ".join(advice.reason_texts(result, "fr"))
    assert "plus de 100\u00a0M$ et un horizon de plusieurs années" in fr


def test_many_missing_bars_are_summarised() -> None:
    # A mission puts pre-training in play, so the gate is a reason; five bars missed.
    texts = advice.reason_texts(score_answers({**HYPED, "motivation": "mission"}), "en")
    gate = next(t for t in texts if t.startswith("Pre-training is off the table"))
    assert "a team that has pretrained before and more" in gate


def test_blank_answers_are_mentioned() -> None:
    text = advice.narrative(score_answers(SOLO), "en")
    assert "Questions left blank: 7 of 11." in text


# --- wording coverage (the catalog test checks en/fr agree; this checks nothing is missing) ---


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_id_has_wording(lang: str) -> None:
    keys = [f"advisor.reason.{r.name}" for r in RULES]
    keys += [f"advisor.reason.{name}" for pairs in CORE_REASONS.values() for name, _ in pairs]
    keys += ["advisor.reason.prior", "advisor.reason.build_bars_missed"]
    keys += [f"advisor.flag.{f}" for f in RED_FLAGS]
    keys += [f"advisor.principle.{p}" for p in PRINCIPLES]
    for verdict in VERDICTS:
        keys += [f"advisor.{table}.{verdict}" for table in ("verdict", "verdict_line", "closing")]
    for question, answers in QUESTIONS.items():
        keys.append(f"advisor.question.{question}")
        keys += [f"advisor.answer.{question}.{a}" for a in answers]
        keys += [f"advisor.answer_hint.{question}.{a}" for a in answers]
    keys += [f"advisor.page.{p}" for p in PAGE_IDS]
    assert [k for k in keys if not has(k, lang)] == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_wording_fits_slack_modals(lang: str) -> None:
    # Radio/select options: text and description at most 75 characters; modal title 24.
    for question in QUESTION_IDS:
        assert len(question_text(question, lang)) <= 150
        for option in options(question, lang):
            assert 0 < len(option.label) <= 75, option
            assert 0 < len(option.hint) <= 75, option
    for index in range(len(PAGES)):
        assert len(page_title(index, lang)) <= 24


def test_pages_hold_every_question_once() -> None:
    flat = [q for page in PAGES for q in page]
    assert sorted(flat) == sorted(QUESTION_IDS) and len(flat) == len(QUESTION_IDS)
    assert len(PAGES) == 4 == len(PAGE_IDS)
