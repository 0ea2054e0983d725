"""One team's digest for one period: its feeds, minus what it was sent, with its decisions,
and the "why" sentences written by the LLM when the operator and the team want it.

"Already sent" means sent in another period. Recipients of the same period (the channel at
09:00 in Paris, a manager at 09:00 in New York) get the same stories, not ever-worse leftovers.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.digest.delivery import items_of_period, sent_items
from bot.digest.pool import NewsPool
from bot.digest.teams import TeamPlan, team_decisions
from bot.llm import LLMError
from bot.news.compose import Digest
from bot.news.rank import MAX_AGE
from bot.news.why import parse_why_batch, why_batch_prompt
from bot.services import Services

log = logging.getLogger(__name__)

SENT_LOOKBACK = MAX_AGE + timedelta(days=16)  # items older than this are out of any digest


def excluded_items(session: Session, team_id: str, period: str, now: datetime) -> set[int]:
    """Items the team got in other periods (the ones it got in ``period`` stay eligible)."""
    return sent_items(session, team_id, now - SENT_LOOKBACK) - items_of_period(
        session, team_id, period)


def team_digest(session: Session, pool: NewsPool, plan: TeamPlan, period: str,
                now: datetime) -> Digest:
    """The digest ``plan``'s team gets for ``period``, with the offline "why" sentences."""
    return pool.compose(plan.feed_ids, limit=plan.limit,
                        exclude_items=excluded_items(session, plan.team_id, period, now),
                        decisions=team_decisions(session, plan.team_id), lang=plan.lang)


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
    items = tuple(dataclasses.replace(item, why=why)
                  for item, why in zip(digest.items, sentences, strict=True))
    return dataclasses.replace(digest, items=items)
