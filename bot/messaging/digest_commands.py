"""What ``/buildvsbuy digest …`` does, without Slack's request plumbing: preview, subscribe,
unsubscribe, and an admin's explicit "send it now"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import rowcount, session_scope
from bot.digest import delivery
from bot.digest.compose import team_digest
from bot.digest.pool import NewsPool
from bot.digest.schedule import WEEKDAYS, Occurrence, Schedule, next_occurrence, zone
from bot.digest.teams import MANAGER, SUBSCRIBER, TeamPlan, load_plans
from bot.errors import SLACK_ERROR_KEYS, UserError
from bot.i18n import t
from bot.messaging.digest import with_llm_why
from bot.messaging.post import ChannelPacer, post
from bot.models import DigestRecipient
from bot.news.compose import Digest
from bot.services import Services
from bot.views.digest import channel_footer, digest_blocks, digest_text
from bot.workspaces import ensure_workspace

PROBLEMS_SHOWN = 5


@dataclass(frozen=True)
class Preview:
    """The next digest as it would go out now (None when no news is stored yet)."""

    plan: TeamPlan
    next: Occurrence
    digest: Digest | None
    problems: list[delivery.DeliveryProblem]


def team_plan(session: Session, team_id: str) -> TeamPlan:
    """The team's plan, also when its digests are switched off."""
    ensure_workspace(session, team_id)
    [plan] = load_plans(session, team_id=team_id, include_disabled=True)
    return plan


def preview(services: Services, team_id: str, *, show_problems: bool) -> Preview:
    """The team's next scheduled digest, offline "why" sentences (no LLM wait for a preview)."""
    now = services.clock()
    with session_scope(services.sessions) as session:
        plan = team_plan(session, team_id)
        upcoming = next_occurrence(plan.schedule, now, zone(plan.tz))
        pool = NewsPool.load(session, now)
        digest = None if pool.empty else team_digest(session, pool, plan, upcoming.period, now)
        problems = (
            delivery.recent_failures(session, team_id, PROBLEMS_SHOWN) if show_problems else []
        )
    return Preview(plan, upcoming, digest, problems)


def schedule_words(schedule: Schedule, lang: str) -> str:
    """ "every day at 09:00", "Monday, Thursday at 09:00"."""
    at = schedule.at.strftime("%H:%M")
    if schedule.daily:
        return t("digest.subscribe.daily", lang, time=at)
    days = ", ".join(t(f"digest.weekday.{WEEKDAYS[d]}", lang) for d in sorted(schedule.weekdays))
    return t("digest.subscribe.weekly", lang, days=days, time=at)


def subscribe(session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """Add a DM subscription for the user; False when they already had one."""
    if session.get(DigestRecipient, (team_id, user_id, SUBSCRIBER)) is not None:
        return False
    session.add(DigestRecipient(team_id=team_id, user_id=user_id, role=SUBSCRIBER, created_at=now))
    return True


def unsubscribe(session: Session, team_id: str, user_id: str) -> tuple[bool, bool]:
    """Drop the user's own subscription: (whether there was one, whether they remain a
    manager, which only admins change)."""
    removed = rowcount(
        session.execute(
            delete(DigestRecipient).where(
                DigestRecipient.team_id == team_id,
                DigestRecipient.user_id == user_id,
                DigestRecipient.role == SUBSCRIBER,
            )
        )
    )
    manager = (
        session.scalar(
            select(DigestRecipient.user_id).where(
                DigestRecipient.team_id == team_id,
                DigestRecipient.user_id == user_id,
                DigestRecipient.role == MANAGER,
            )
        )
        is not None
    )
    return bool(removed), manager


@dataclass(frozen=True)
class SentNow:
    channel_id: str
    count: int


def send_now(services: Services, client: WebClient, team_id: str, user_id: str) -> SentNow:
    """An admin's explicit send to the channel, outside the schedule (its own period key,
    so it neither uses up nor repeats the scheduled one). Admin rights are checked by the
    caller, on the server."""
    now = services.clock()
    with session_scope(services.sessions, write=True) as session:
        plan = team_plan(session, team_id)
        if not plan.channel_id:
            raise UserError("digest.now.no_channel")
        pool = NewsPool.load(session, now)
        if pool.empty:
            raise UserError("digest.now.nothing_stored")
        period = delivery.now_period(now)
        won = delivery.claim(
            session,
            team_id,
            period,
            delivery.channel_recipient(plan.channel_id),
            now,
            delivery.new_worker_id(),
        )
        if won is None:
            raise UserError("digest.now.busy")
    with session_scope(services.sessions) as session:
        digest = team_digest(session, pool, plan, period, now)
    digest = with_llm_why(services, digest, plan)
    date = now.astimezone(zone(plan.tz)).date().isoformat()
    footer = channel_footer(t("digest.message.footer_now", plan.lang, user=user_id), plan.lang)
    error = post(
        client,
        ChannelPacer(),
        plan.channel_id,
        digest_text(digest, plan.lang, date),
        [b.to_dict() for b in digest_blocks(digest, plan.lang, date, footer=footer)],
    )
    with session_scope(services.sessions, write=True) as session:
        if error is None:
            items = [i for item in digest.items for i in pool.item_ids(item)]
            delivery.mark_sent(session, won, now, items)
        else:
            delivery.mark_failed(session, won, error, final=True)
    if error is not None:
        if error in SLACK_ERROR_KEYS:
            raise UserError(SLACK_ERROR_KEYS[error])
        raise UserError("digest.now.failed", error=error)
    return SentNow(plan.channel_id, len(digest.items))
