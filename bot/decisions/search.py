"""Browsing the log: newest first, ten a page, filtered by words in the title and rationale.

On PostgreSQL the words go through the database's own text search (whole words, any case),
with the GIN index on ``SEARCH_DOCUMENT`` that the migration creates (PostgreSQL only);
elsewhere (SQLite, the embedded default) a portable LIKE per word, which also matches inside
words. Pages are offsets over the ``(team_id, created_at, id)`` index: a team's log is
thousands of rows, not millions, and a (page, words) pair fits in a button.

The planner chooses per query between walking the team's newest rows until ten match (a
common word) and intersecting the team with the GIN index (a rare one); it can only choose well
when it sees the words, so they are written into the SQL (they are letters and digits only, see
``search_terms``) rather than bound: a prepared statement's generic plan guesses the words'
frequency and can read every row in the database that holds a common word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session

from bot.decisions.rules import PAGE_SIZE
from bot.decisions.store import DecisionSummary, summaries
from bot.models import Decision

# The exact expression of the PostgreSQL index ix_decisions_search; queries must repeat it
# verbatim (constants inlined, not bound) for the planner to match the index.
SEARCH_DOCUMENT = "to_tsvector('simple', decisions.title || ' ' || decisions.rationale)"
SEARCH_INDEX = "ix_decisions_search"
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
MAX_WORDS_LENGTH = 200  # what a pagination button carries back
_TERM = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Page:
    items: list[DecisionSummary]
    number: int  # 1-based
    words: str
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def search_terms(words: str) -> list[str]:
    """Lower-cased words of two letters or more (letters and digits only: no query syntax)."""
    terms: list[str] = []
    for term in _TERM.findall(words.lower()):
        if len(term) >= 2 and term not in terms:
            terms.append(term[:MAX_TERM_LENGTH])
    return terms[:MAX_TERMS]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def words_filter(dialect: str, terms: list[str]) -> ColumnElement[bool] | None:
    """Every term must appear (as a whole word on PostgreSQL, anywhere in the text elsewhere)."""
    if not terms:
        return None
    if dialect == "postgresql":
        words = " ".join(term.replace("'", "''") for term in terms)
        query: ColumnElement[Any] = literal_column(f"plainto_tsquery('simple', '{words}')")
        return literal_column(SEARCH_DOCUMENT).op("@@")(query)
    return and_(
        *(
            or_(
                func.lower(Decision.title).like(_like_pattern(term), escape="\\"),
                func.lower(Decision.rationale).like(_like_pattern(term), escape="\\"),
            )
            for term in terms
        )
    )


def list_page(session: Session, team_id: str, number: int = 1, words: str = "") -> Page:
    """One page of the team's decisions, newest first; one extra row says if there is more."""
    number = max(1, number)
    words = " ".join(words.split())[:MAX_WORDS_LENGTH]
    query = select(Decision).where(Decision.team_id == team_id)
    condition = words_filter(session.get_bind().dialect.name, search_terms(words))
    if condition is not None:
        query = query.where(condition)
    rows = list(
        session.scalars(
            query.order_by(Decision.created_at.desc(), Decision.id.desc())
            .offset((number - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    items = summaries(session, team_id, rows[:PAGE_SIZE])
    return Page(items=items, number=number, words=words, has_next=len(rows) > PAGE_SIZE)
