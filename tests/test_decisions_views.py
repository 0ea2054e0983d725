"""The decision log's Block Kit, in both languages, within Slack's limits."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot.decisions.overview import DigestSchedule, HomeOverview
from bot.decisions.reminders import DueReminder
from bot.decisions.rules import DecisionDraft
from bot.decisions.search import Page
from bot.decisions.store import DecisionSummary
from bot.views.decisions import (
    ModalContext,
    decide_modal,
    draft_from_state,
    list_blocks,
    parse_page_value,
    reminder_blocks,
)
from bot.views.home import digest_text, home_view
from tests.fakes.blockkit import validate_blocks, validate_view
from tests.support.decisions import NOW, TODAY, decide_state

LANGS = ["en", "fr"]


def _summary(n: int, title: str | None = None) -> DecisionSummary:
    return DecisionSummary(
        n,
        title or f"Decision <{n}> & co",
        "fine_tune",
        "revisiting",
        "U0123USER",
        TODAY + timedelta(days=n),
        NOW,
    )


def _dict(view) -> dict:
    return view.to_dict()


@pytest.mark.parametrize("lang", LANGS)
def test_decide_modal_is_valid_and_reads_back_what_it_holds(lang) -> None:
    draft = DecisionDraft(
        title="T" * 150,
        verdict="build",
        owner_id="U0123USER",
        rationale="r" * 3000,
        participants=("U1", "U2"),
        status="proposed",
        review_date=date(2027, 1, 2),
        assessment_id=7,
    )
    view = _dict(
        decide_modal(
            lang,
            draft,
            ModalContext("C1", supersedes_id=3),
            default_review=date(2027, 3, 1),
            assessments=[(7, "A" * 300), (8, "B")],
            supersedes_title="Old",
        )
    )
    assert validate_view(view) == []
    assert len(view["title"]["text"]) <= 24
    assert ModalContext.load(view["private_metadata"]) == ModalContext("C1", None, 3)
    selects = {b["block_id"]: b["element"] for b in view["blocks"] if "element" in b}
    assert selects["assessment"]["initial_option"]["value"] == "7"
    assert selects["review_date"]["initial_date"] == "2027-01-02"


def test_state_is_read_back_into_a_draft() -> None:
    draft = draft_from_state(
        decide_state(
            title="X", verdict="wrap", participants=("U9",), assessment="12", review="2027-05-06"
        )
    )
    assert (
        draft.title,
        draft.verdict,
        draft.participants,
        draft.assessment_id,
        draft.review_date,
        draft.parse_errors,
    ) == ("X", "wrap", ("U9",), 12, date(2027, 5, 6), {})
    broken = draft_from_state(decide_state(review="06/05/2027", status=None))
    assert broken.parse_errors == {"review_date": "decisions.error.review_date_invalid"}
    assert broken.status == "decided"


@pytest.mark.parametrize("lang", LANGS)
def test_a_full_list_page_is_valid_and_escapes_titles(lang) -> None:
    page = Page([_summary(n) for n in range(10)], number=2, words="x" * 200, has_next=True)
    blocks = [b.to_dict() for b in list_blocks(page, lang)]
    assert validate_blocks(blocks) == []
    assert len(blocks) == 12
    assert "Decision &lt;0&gt; &amp; co" in json.dumps(blocks)
    assert parse_page_value(blocks[-1]["elements"][1]["value"]) == (3, "x" * 200)


@pytest.mark.parametrize("raw", ["", "nope", "[]", '{"p": -4, "w": 3}', '{"p": "2"}'])
def test_bad_page_values_fall_back_to_page_one(raw) -> None:
    assert parse_page_value(raw)[0] == 1


@pytest.mark.parametrize("lang", LANGS)
def test_reminder_is_valid(lang) -> None:
    reminder = DueReminder(4, "T1", "U1", "Wrap <it>", "wrap", date(2027, 1, 1), lang)
    assert validate_blocks([b.to_dict() for b in reminder_blocks(reminder, lang)]) == []


@pytest.mark.parametrize("lang", LANGS)
def test_home_is_valid_with_and_without_decisions(lang) -> None:
    digest = DigestSchedule(True, "daily", "09:00", "Europe/Paris", "C0DIGEST1")
    full = HomeOverview(
        [_summary(n) for n in range(8)], 5000, [_summary(n) for n in range(-2, 3)], digest, TODAY
    )
    empty = HomeOverview([], 0, [], DigestSchedule(False, "mon", "09:00", "UTC", None), TODAY)
    for overview in (full, empty, None):
        view = _dict(home_view(lang, overview))
        assert validate_view(view) == []
        assert len(view["blocks"]) <= 100


def test_overdue_reviews_are_marked() -> None:
    digest = DigestSchedule(True, "mon", "09:00", "UTC", None)
    overview = HomeOverview([], 0, [_summary(-1, "late"), _summary(1, "soon")], digest, TODAY)
    text = json.dumps(_dict(home_view("en", overview)))
    assert "2026-11-30: *late* (<@U0123USER>), overdue" in text
    assert "2026-12-02: *soon* (<@U0123USER>)" in text
    assert "*soon* (<@U0123USER>), overdue" not in text


@pytest.mark.parametrize(
    ("days", "channel", "lang", "expected"),
    [
        ("daily", "C1", "en", "Every day at 09:00 (UTC), in <#C1> and by DM to managers."),
        (
            "thu,mon",
            None,
            "en",
            "Mondays, Thursdays at 09:00 (UTC), by DM to managers (no channel set).",
        ),
        (
            "mon,thu",
            "C1",
            "fr",
            "Chaque lundi, jeudi à 09:00 (UTC), dans <#C1> et en message privé aux managers.",
        ),
    ],
)
def test_digest_schedule_wording(days, channel, lang, expected) -> None:
    assert digest_text(DigestSchedule(True, days, "09:00", "UTC", channel), lang) == expected
