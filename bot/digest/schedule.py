"""When a digest is due: a team's schedule read in each recipient's own time zone.

Pure functions over aware datetimes. A schedule is "daily" or chosen weekdays at a local wall
time. The occurrence due now is the latest scheduled moment at or before now; its *period* is
the local date it falls on, which is what a delivery is claimed under, so a recipient gets at
most one digest per local date whatever the clock does:

- spring forward: a wall time the clocks skip (02:30 on the night 02:00 becomes 03:00) is read
  with the offset in force before the change, so it lands one hour later (03:30), never skipped;
- fall back: a wall time that happens twice (01:30) is its first occurrence; the second one
  belongs to the same local date, hence the same period, so it is never a second digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.vocabulary import WEEKDAYS

DAILY = "daily"
DEFAULT_DAYS = "mon"
DEFAULT_TIME = time(9, 0)
GRACE = timedelta(hours=6)
"""A worker that was down catches up on a digest this long after its time, and not after."""

# Every civil time zone lies between these offsets, so they bound any recipient's local date.
EARLIEST_OFFSET = timezone(timedelta(hours=-12))
LATEST_OFFSET = timezone(timedelta(hours=14))


@dataclass(frozen=True, slots=True)
class Schedule:
    """Weekdays (0 = Monday) and a local wall time."""

    weekdays: frozenset[int]
    at: time

    @staticmethod
    @lru_cache(maxsize=1024)
    def parse(days: str | None, at: str | None) -> Schedule:
        """Read the stored settings leniently: bad values fall back to Monday and 09:00.
        Cached: the worker reads schedules every minute, and most teams share one."""
        text = (days or "").strip().lower()
        if text == DAILY:
            weekdays = frozenset(range(7))
        else:
            picked = {part.strip() for part in text.split(",")}
            weekdays = frozenset(i for i, name in enumerate(WEEKDAYS) if name in picked)
        return Schedule(weekdays or frozenset({WEEKDAYS.index(DEFAULT_DAYS)}), _wall_time(at))

    @property
    def daily(self) -> bool:
        return len(self.weekdays) == 7


def _wall_time(text: str | None) -> time:
    try:
        hours, minutes = (int(part) for part in (text or "").split(":"))
        return time(hours, minutes)
    except ValueError:
        return DEFAULT_TIME


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``; UTC for an empty or unknown one (never an exception)."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


@lru_cache(maxsize=1024)
def team_zone_name(team_tz: str | None, installer_tz: str | None) -> str:
    """The team's setting, else the installer's zone (from Slack at install), else UTC."""
    for name in (team_tz, installer_tz):
        if name and zone(name).key == name:
            return name
    return "UTC"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One scheduled digest for one recipient: its period key and its moment (UTC)."""

    period: str
    at: datetime

    def overdue(self, now: datetime, grace: timedelta = GRACE) -> bool:
        """True once the grace window has passed: too late to send, record it as missed."""
        return now - self.at > grace


def moment(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant of wall time ``at`` on ``day`` in ``tz`` (see the module docstring)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)  # fold=0: the rules above


@lru_cache(maxsize=1024)
def latest_occurrence(schedule: Schedule, now: datetime, tz: tzinfo) -> Occurrence | None:
    """The last scheduled moment at or before ``now`` in ``tz`` (within the past week).
    Cached: in one pass, the teams that share a schedule and a zone share the answer."""
    today = now.astimezone(tz).date()
    for back in range(8):
        day = today - timedelta(days=back)
        if day.weekday() in schedule.weekdays:
            at = moment(day, schedule.at, tz)
            if at <= now:
                return Occurrence(day.isoformat(), at)
    return None


def next_occurrence(schedule: Schedule, now: datetime, tz: tzinfo) -> Occurrence:
    """The first scheduled moment strictly after ``now`` in ``tz``."""
    today = now.astimezone(tz).date()
    for ahead in range(9):
        day = today + timedelta(days=ahead)
        if day.weekday() in schedule.weekdays:
            at = moment(day, schedule.at, tz)
            if at > now:
                return Occurrence(day.isoformat(), at)
    raise AssertionError("a schedule has at least one weekday")  # pragma: no cover


def latest_possible_moment(period: str, at: time) -> datetime:
    """When ``period``'s wall time ``at`` comes in the zone furthest west (UTC-12): no zone
    has it later, so a moment after this one is after that occurrence for everyone."""
    return datetime.combine(date.fromisoformat(period), at, tzinfo=EARLIEST_OFFSET)


@lru_cache(maxsize=256)
def possible_periods(schedule: Schedule, now: datetime) -> frozenset[str]:
    """Every period that could be a recipient's latest occurrence, whatever their zone.

    Lets a run skip asking Slack for someone's time zone when each of these periods is
    already settled for them.
    """
    earliest = latest_occurrence(schedule, now, EARLIEST_OFFSET)
    latest = latest_occurrence(schedule, now, LATEST_OFFSET)
    if latest is None:
        return frozenset()
    start = date.fromisoformat(earliest.period) if earliest else date.fromisoformat(latest.period)
    end = date.fromisoformat(latest.period)
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return frozenset(d.isoformat() for d in days if d.weekday() in schedule.weekdays)


def newest_period(schedule: Schedule, now: datetime) -> str | None:
    """The newest of ``possible_periods``: once it is settled for a reader, nothing can be due
    for them, whatever their zone (``bot.messaging.digest``; ``bot.digest.due`` asks the
    database the same question)."""
    return max(possible_periods(schedule, now), default=None)
