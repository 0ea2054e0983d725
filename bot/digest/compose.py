"""One team's digest for one period: its feeds, minus what it was sent, with its decisions,
and the offline "why" sentences (``bot.messaging.digest`` has the LLM write them).

"Already sent" means sent in another period. Recipients of the same period (the channel at
09:00 in Paris, a manager at 09:00 in New York) get the same stories, not ever-worse leftovers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.digest.delivery import items_of_periods, sent_items
from bot.digest.pool import NewsPool
from bot.digest.teams import TeamPlan, decisions_by_team
from bot.news.compose import Digest
from bot.news.rank import MAX_AGE
from bot.news.why import DecisionRef

SENT_LOOKBACK = MAX_AGE + timedelta(days=16)  # items older than this are out of any digest


@dataclass(frozen=True, slots=True)
class History:
    """What composing a team's digest for one period needs from the database."""

    excluded: frozenset[int]  # items the team got in other periods
    decisions: tuple[DecisionRef, ...]  # its decisions in force, newest first


def histories(session: Session, wanted: Sequence[tuple[str, str]], now: datetime) -> list[History]:
    """The history of each (team, period), read for them all in three queries."""
    teams = {team for team, _ in wanted}
    sent = sent_items(session, teams, now - SENT_LOOKBACK)
    of_period = items_of_periods(session, wanted)
    decisions = decisions_by_team(session, teams)
    return [
        History(frozenset(sent[team] - of_period[(team, period)]), tuple(decisions.get(team, ())))
        for team, period in wanted
    ]


def compose_team(pool: NewsPool, plan: TeamPlan, history: History) -> Digest:
    """The digest ``plan``'s team gets, with the offline "why" sentences."""
    return pool.compose(
        plan.feed_ids,
        limit=plan.limit,
        exclude_items=history.excluded,
        decisions=history.decisions,
        lang=plan.lang,
    )


def team_digest(
    session: Session, pool: NewsPool, plan: TeamPlan, period: str, now: datetime
) -> Digest:
    """The digest ``plan``'s team gets for ``period``, read and composed on its own."""
    return compose_team(pool, plan, histories(session, [(plan.team_id, period)], now)[0])
