"""The decision log's rules, search and export, without Slack."""

from __future__ import annotations

import ast
import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.decisions.export import export_csv
from bot.decisions.prefill import rationale_of
from bot.decisions.rules import DecisionDraft, draft_errors, team_today
from bot.decisions.search import SEARCH_INDEX, list_page, search_terms, words_filter
from bot.decisions.store import edit_decision, get_decision, history
from bot.errors import NotFound, parse_id
from bot.models import Decision
from tests.conftest import DATABASES, OTHER_TEAM, TEAM, USER
from tests.support.decisions import NOW, TODAY, make_decision

PERSON = {"id": USER, "is_bot": False, "deleted": False}


def _draft(**changes) -> DecisionDraft:
    values = {"title": "Buy an OCR API", "verdict": "buy", "owner_id": USER}
    values.update(changes)
    return DecisionDraft(**values)


@pytest.mark.parametrize(
    ("draft", "owner", "expected"),
    [
        (_draft(), PERSON, {}),
        (_draft(title=" " * 3), PERSON, {"title": "decisions.error.title_empty"}),
        (_draft(title="é" * 150), PERSON, {}),
        (_draft(title="é" * 151), PERSON, {"title": "decisions.error.title_too_long"}),
        (_draft(verdict="rent"), PERSON, {"verdict": "decisions.error.verdict_unknown"}),
        (_draft(status="maybe"), PERSON, {"status": "decisions.error.status_unknown"}),
        (
            _draft(review_date=date(2026, 11, 30)),
            PERSON,
            {"review_date": "decisions.error.review_in_past"},
        ),
        (_draft(review_date=TODAY), PERSON, {}),
        (_draft(), {"id": "U1", "is_bot": True}, {"owner": "decisions.error.owner_bot"}),
        (_draft(), {"id": "USLACKBOT"}, {"owner": "decisions.error.owner_bot"}),
        (_draft(), {"id": "U1", "deleted": True}, {"owner": "decisions.error.owner_deactivated"}),
        (_draft(), None, {"owner": "decisions.error.owner_unknown"}),
        (
            _draft(rationale="x" * 3001, title=""),
            PERSON,
            {"rationale": "decisions.error.text_too_long", "title": "decisions.error.title_empty"},
        ),
    ],
)
def test_draft_errors(draft, owner, expected) -> None:
    assert draft_errors(draft, TODAY, owner) == expected


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        (datetime(2026, 12, 1, 23, 30, tzinfo=UTC), None, date(2026, 12, 1)),
        (datetime(2026, 12, 1, 23, 30, tzinfo=UTC), "Europe/Paris", date(2026, 12, 2)),
        (datetime(2026, 12, 1, 3, 0, tzinfo=UTC), "America/New_York", date(2026, 11, 30)),
        (datetime(2026, 12, 1, 23, 30, tzinfo=UTC), "Mars/Olympus", date(2026, 12, 1)),
    ],
)
def test_team_today(now, zone, expected) -> None:
    assert team_today(now, zone) == expected


@pytest.mark.parametrize(
    ("words", "terms"),
    [
        ("GPU vendor", ["gpu", "vendor"]),
        ("fine-tune  l'équipe", ["fine", "tune", "équipe"]),
        ("a & b | !c:* 'x'", []),
        ("gpu GPU gpu", ["gpu"]),
        ("fine_tune", ["fine", "tune"]),
        (" ".join(f"w{n}" for n in range(12)), [f"w{n}" for n in range(8)]),
    ],
)
def test_search_terms_keep_words_only(words, terms) -> None:
    assert search_terms(words) == terms


@pytest.mark.parametrize("raw", ["12", " 7 "])
def test_parse_id_reads_digits(raw) -> None:
    assert parse_id(raw) == int(raw)


@pytest.mark.parametrize("raw", [None, "", "x1", "-3", "1.0", "1" * 19])
def test_parse_id_refuses_the_rest(raw) -> None:
    with pytest.raises(NotFound):
        parse_id(raw)


def test_rationale_from_stored_reason_keys_or_texts() -> None:
    from_keys = rationale_of(
        {
            "reasons": [
                {"principle": "p", "key": "decisions.list.previous"},
                {"principle": "q", "key": "no.such.key"},
            ]
        },
        "fr",
    )
    assert from_keys == "• Précédent"
    assert rationale_of({"reasons": [{"text": "A"}, {"text": "B"}]}, "en") == "• A\n• B"
    assert rationale_of({}, "en") == ""


def test_domain_never_imports_slack() -> None:
    root = Path(__file__).resolve().parent.parent / "bot" / "decisions"
    imported = set()
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
    assert not imported & {"slack_sdk", "slack_bolt", "openai", "handlers"}


# ------------------------------------------------------------------------- with a database


def test_lookups_are_scoped_by_team(session) -> None:
    decision = make_decision(session)
    assert get_decision(session, TEAM, decision.id).id == decision.id
    with pytest.raises(NotFound):
        get_decision(session, OTHER_TEAM, decision.id)
    assert history(session, OTHER_TEAM, decision.id) == []


def test_an_edit_that_changes_nothing_leaves_no_history(session) -> None:
    decision = make_decision(session, title="Same")
    same = DecisionDraft(title="Same", verdict="wrap", owner_id=USER)
    assert edit_decision(session, decision, USER, same, NOW) == {}
    assert [e.action for e in history(session, TEAM, decision.id)] == ["created"]


def test_pages_and_words_on_this_database(session) -> None:
    make_decision(session, title="Pricing of hosted models", rationale="per-token costs")
    make_decision(session, title="Hosting", rationale="GPU costs in 2027")
    make_decision(session, team_id=OTHER_TEAM, title="Costs elsewhere")
    assert [d.title for d in list_page(session, TEAM, 1, "costs").items] == [
        "Hosting",
        "Pricing of hosted models",
    ]
    assert [d.title for d in list_page(session, TEAM, 1, "gpu COSTS").items] == ["Hosting"]
    assert list_page(session, TEAM, 2, "costs").items == []
    assert list_page(session, TEAM, 1, "%").items != []  # no terms: no filter, no wildcard


def test_like_wildcards_in_words_are_literal(session) -> None:
    make_decision(session, title="Spend 100 on evals")
    make_decision(session, title="Spend 10x on evals")
    assert [d.title for d in list_page(session, TEAM, 1, "10x").items] == ["Spend 10x on evals"]


@pytest.mark.parametrize("db_name", [DATABASES[1]])  # the index exists on PostgreSQL only
def test_postgresql_word_search_uses_the_gin_index(session) -> None:
    condition = words_filter("postgresql", ["gpu"])
    query = select(Decision.id).where(condition)
    compiled = query.compile(session.get_bind())
    session.execute(text("SET LOCAL enable_seqscan = off"))
    # Bound exactly as the app binds it: the planner must still match the index expression.
    result = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    plan = "\n".join(row[0] for row in result)
    assert SEARCH_INDEX in plan


def test_export_neutralises_formulas_and_keeps_other_teams_out(session) -> None:
    make_decision(session, title='=HYPERLINK("http://x")', rationale="@SUM(A1)")
    make_decision(session, team_id=OTHER_TEAM, title="theirs")
    exported = export_csv(session, TEAM)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8"), newline="")))
    assert exported.rows == 1 and len(rows) == 2
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["title"] == '\'=HYPERLINK("http://x")'
    assert record["rationale"] == "'@SUM(A1)"
