"""Helpers shared by the digest tests (no tests here): a settable clock, teams, stored news.

Also a worker entry point for the "killed mid-run" test, run as a subprocess:
``python -m tests.support.digest <database url> <slack api base url> <iso now>``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.digest.store import ensure_feed, store_entries
from bot.models import DigestDelivery, DigestRecipient, TeamFeed, TeamSettings, Workspace
from bot.news.normalize import Entry
from tests.conftest import BOT_TOKEN, CHANNEL, SIGNING_SECRET, TEAM
from tests.support.clock import Clock

# Monday 9 March 2026, 08:00 UTC: 09:00 in Paris (CET), 04:00 in New York (EDT since the 8th).
MONDAY_9AM_PARIS = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
INSTALLED = datetime(2026, 3, 5, tzinfo=UTC)  # the Thursday before: no earlier digest missed
WIRE = "https://wire.example/feed.xml"


def make_team(
    session: Session,
    team_id: str = TEAM,
    *,
    channel: str | None = CHANNEL,
    managers: Iterable[str] = (),
    subscribers: Iterable[str] = (),
    tz: str | None = "Europe/Paris",
    days: str = "mon",
    at: str = "09:00",
    items: int = 8,
    language: str = "en",
    installer: str | None = None,
    installed_at: datetime = INSTALLED,
    feeds: Sequence[str] = (WIRE,),
    llm_enabled: bool = True,
) -> None:
    """A workspace with its settings, recipients and own feeds, committed."""
    workspace = Workspace(team_id=team_id, installed_at=installed_at, installer_user_id=installer)
    workspace.settings = TeamSettings(
        team_id=team_id,
        digest_channel_id=channel,
        digest_days=days,
        digest_time=at,
        timezone=tz,
        digest_items=items,
        language=language,
        llm_enabled=llm_enabled,
    )
    session.add(workspace)
    for role, users in (("manager", managers), ("subscriber", subscribers)):
        for user in users:
            session.add(
                DigestRecipient(team_id=team_id, user_id=user, role=role, created_at=installed_at)
            )
    session.flush()
    for url in feeds:
        feed = ensure_feed(session, url)
        session.add(TeamFeed(team_id=team_id, feed_id=feed.id))
    session.commit()


@dataclass(frozen=True)
class Story:
    title: str
    url: str | None
    hours_ago: float = 1.0
    summary: str = ""
    guid: str | None = None


def store_news(
    session: Session,
    now: datetime,
    stories: Iterable[Story],
    *,
    feed: str = WIRE,
    source: str = "Wire",
) -> int:
    """Store stories as if ``feed`` had carried them; returns how many items were new."""
    feed_id = ensure_feed(session, feed).id
    entries = [
        Entry(
            title=s.title,
            url=s.url,
            guid=s.guid,
            summary=s.summary,
            published=now - timedelta(hours=s.hours_ago),
            source=source,
            feed_url=feed,
        )
        for s in stories
    ]
    new = store_entries(session, feed_id, entries, now)
    session.commit()
    return new


def numbered(count: int, start: int = 1, hours_ago: float = 1.0) -> list[Story]:
    """Distinct stories (distinct words, so none merge): OpenAI price cuts, model n…"""
    return [
        Story(
            f"Vendor{n} cuts API prices for model{n}",
            f"https://news.example/{n}",
            hours_ago + n / 100,
        )
        for n in range(start, start + count)
    ]


def posts(slack_api, channel: str | None = None) -> list[dict]:
    """Parameters of every chat.postMessage the fake received (to ``channel`` if given)."""
    return [
        c.params
        for c in slack_api.calls_to("chat.postMessage")
        if channel is None or c.params.get("channel") == channel
    ]


def rows(session: Session, team_id: str = TEAM) -> dict[tuple[str, str], str]:
    """(period, recipient) -> status of the team's delivery rows."""
    found = session.execute(
        select(DigestDelivery.period, DigestDelivery.recipient, DigestDelivery.status).where(
            DigestDelivery.team_id == team_id
        )
    )
    return {(r.period, r.recipient): r.status for r in found}


def _worker(database_url: str, slack_base_url: str, iso_now: str) -> None:
    """Run one delivery pass the way ``python -m bot worker`` would, at a fixed time."""
    from bot.config import Settings
    from bot.jobs.digest import deliver_digests
    from bot.services import Services

    settings = Settings(
        _env_file=None,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_BASE_URL=slack_base_url,
        DATABASE_URL=database_url,
    )
    services = Services.from_settings(settings)
    services.clock = Clock(datetime.fromisoformat(iso_now))
    print("worker started", flush=True)
    deliver_digests(services)
    print("worker finished", flush=True)


if __name__ == "__main__":
    _worker(*sys.argv[1:4])
