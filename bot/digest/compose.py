"""One team's digest for one period: its feeds, minus what it was sent, with its decisions,
and the "why" sentences written by the LLM when the operator and the team want it.

"Already sent" means sent in another period. Recipients of the same period (the channel at
09:00 in Paris, a manager at 09:00 in New York) get the same stories, not ever-worse leftovers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.digest.delivery import items_of_periods, sent_items
from bot.digest.pool import NewsPool
from bot.digest.teams import TeamPlan, decisions_by_team
from bot.llm import LLMError
from bot.news.compose import Digest
from bot.news.rank import MAX_AGE
from bot.news.why import DecisionRef, parse_why_batch, why_batch_prompt
from bot.services import Services

log = logging.getLogger(__name__)

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


def with_llm_why(services: Services, digest: Digest, plan: TeamPlan) -> Digest:
    """Every sentence from one batched LLM call, or the digest unchanged on any failure."""
    if not (digest.items and plan.llm_enabled and services.settings.llm_configured):
        return digest
    llm = services.llm(plan.llm_model)
    if llm is None:
        return digest
    system, user = why_batch_prompt(digest.items, plan.lang)
    try:
        answer = llm.complete(system, user)
    except LLMError:  # already logged by the client; the rules' sentences stand
        return digest
    sentences = parse_why_batch(answer, len(digest.items))
    if sentences is None:
        log.warning("LLM why-it-matters answer unusable for team %s; rules used", plan.team_id)
        return digest
    items = tuple(replace(item, why=why) for item, why in zip(digest.items, sentences, strict=True))
    return replace(digest, items=items)
