"""The scheduler (APScheduler 3): one per deployment, in memory, jobs with stable ids.

APScheduler's job stores must never be shared between processes, so the schedule lives in
memory and the database decides who does each piece of work (claims, unique keys): a second
scheduler started by mistake wastes effort but never doubles a message.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import delete

from bot.db import rowcount, session_scope
from bot.jobs.digest import DELIVER_MINUTES, FETCH_MINUTES, deliver_digests, fetch_feeds
from bot.jobs.reminders import send_review_reminders
from bot.jobs.retention import purge_uninstalled
from bot.jobs.team_rounds import run_team_rounds
from bot.models import OAUTH_STATES_TABLE, ProcessedEvent
from bot.services import Services

log = logging.getLogger(__name__)

Job = Callable[[Services], Any]


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    run: Job
    minutes: float


def guarded(job_id: str, run: Job, services: Services) -> Callable[[], None]:
    """A job that logs its failure with its id and never takes the scheduler down."""

    @functools.wraps(run)
    def wrapper() -> None:
        try:
            run(services)
        except Exception:
            log.exception("job %s failed", job_id)

    return wrapper


def prune_processed_events(services: Services) -> int:
    """Slack retries within minutes; a day of event ids is plenty to drop duplicates."""
    cutoff = services.clock() - timedelta(days=1)
    with session_scope(services.sessions) as session:
        result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff))
    return rowcount(result) or 0


def prune_oauth_states(services: Services) -> int:
    """Expired install-flow states are useless; anyone can create them, so they must go."""
    # slack_sdk stores expire_at as naive UTC.
    now = services.clock().astimezone(UTC).replace(tzinfo=None)
    with session_scope(services.sessions) as session:
        table = OAUTH_STATES_TABLE
        result = session.execute(delete(table).where(table.c.expire_at < now))
    return rowcount(result) or 0


# Features append their jobs here (feeds, digests, reminders).
JOBS: list[ScheduledJob] = [
    ScheduledJob("maintenance.prune_events", prune_processed_events, minutes=60),
    ScheduledJob("maintenance.prune_oauth_states", prune_oauth_states, minutes=60),
    ScheduledJob("maintenance.purge_uninstalled", purge_uninstalled, minutes=60),
    ScheduledJob("decisions.review_reminders", send_review_reminders, minutes=5),
    ScheduledJob("digest.fetch_feeds", fetch_feeds, minutes=FETCH_MINUTES),
    ScheduledJob("digest.deliver", deliver_digests, minutes=DELIVER_MINUTES),
    ScheduledJob("assessment.team_rounds", run_team_rounds, minutes=1),
]


def build_scheduler(services: Services, *, blocking: bool) -> BaseScheduler:
    scheduler: BaseScheduler = (
        BlockingScheduler(timezone="UTC") if blocking else BackgroundScheduler(timezone="UTC")
    )
    for job in JOBS:
        scheduler.add_job(
            guarded(job.id, job.run, services),
            "interval",
            minutes=job.minutes,
            id=job.id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=services.clock(),  # run once at start: catch up after downtime
        )
    return scheduler
