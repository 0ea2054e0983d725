"""When a digest is due, in each recipient's zone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest.schedule import (
    Occurrence,
    Schedule,
    latest_occurrence,
    latest_possible_moment,
    next_occurrence,
    possible_periods,
    team_zone_name,
    zone,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days", "at", "weekdays", "wall"),
    [
        ("mon", "09:00", {0}, time(9, 0)),
        ("daily", "07:30", set(range(7)), time(7, 30)),
        ("mon,thu", "18:05", {0, 3}, time(18, 5)),
        ("Tue, FRI", "9:00", {1, 4}, time(9, 0)),
        ("", "25:00", {0}, time(9, 0)),  # junk falls back to the defaults
        ("someday", "noon", {0}, time(9, 0)),
        (None, None, {0}, time(9, 0)),
    ],
)
def test_schedules_are_read_leniently(days, at, weekdays, wall) -> None:
    schedule = Schedule.parse(days, at)
    assert (set(schedule.weekdays), schedule.at) == (weekdays, wall)


def test_the_team_zone_falls_back_to_the_installer_then_utc() -> None:
    assert team_zone_name("Asia/Tokyo", "Europe/Paris") == "Asia/Tokyo"
    assert team_zone_name(None, "Europe/Paris") == "Europe/Paris"
    assert team_zone_name("Not/AZone", "America/New_York") == "America/New_York"
    assert team_zone_name(None, None) == "UTC"
    assert zone("Not/AZone").key == "UTC"


MONDAY_9 = Schedule.parse("mon", "09:00")


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        # Monday 9 March 2026, 09:00 in Paris is 08:00 UTC.
        (utc(2026, 3, 9, 7, 59), PARIS, Occurrence("2026-03-02", utc(2026, 3, 2, 8, 0))),
        (utc(2026, 3, 9, 8, 0), PARIS, Occurrence("2026-03-09", utc(2026, 3, 9, 8, 0))),
        (utc(2026, 3, 15, 23, 0), PARIS, Occurrence("2026-03-09", utc(2026, 3, 9, 8, 0))),
        # New York is on EDT since the 8th: 09:00 there is 13:00 UTC.
        (utc(2026, 3, 9, 12, 59), NEW_YORK, Occurrence("2026-03-02", utc(2026, 3, 2, 14, 0))),
        (utc(2026, 3, 9, 13, 0), NEW_YORK, Occurrence("2026-03-09", utc(2026, 3, 9, 13, 0))),
        # Sunday 23:30 UTC is already Monday 08:30 in Tokyo: not yet 09:00 there.
        (
            utc(2026, 3, 8, 23, 30),
            ZoneInfo("Asia/Tokyo"),
            Occurrence("2026-03-02", utc(2026, 3, 2, 0, 0)),
        ),
        (
            utc(2026, 3, 9, 0, 0),
            ZoneInfo("Asia/Tokyo"),
            Occurrence("2026-03-09", utc(2026, 3, 9, 0, 0)),
        ),
    ],
)
def test_the_latest_occurrence_is_read_in_the_recipients_zone(now, tz, expected) -> None:
    assert latest_occurrence(MONDAY_9, now, tz) == expected


def test_the_next_occurrence_is_strictly_after_now() -> None:
    schedule = Schedule.parse("mon,thu", "09:00")
    assert next_occurrence(schedule, utc(2026, 3, 9, 8, 0), PARIS) == Occurrence(
        "2026-03-12", utc(2026, 3, 12, 8, 0)
    )
    assert next_occurrence(schedule, utc(2026, 3, 9, 7, 0), PARIS).period == "2026-03-09"


def test_grace_window() -> None:
    occurrence = Occurrence("2026-03-09", utc(2026, 3, 9, 8, 0))
    assert not occurrence.overdue(utc(2026, 3, 9, 14, 0))  # exactly six hours late: still on
    assert occurrence.overdue(utc(2026, 3, 9, 14, 1))
    assert occurrence.overdue(utc(2026, 3, 9, 9, 0), grace=timedelta(minutes=30))


def test_possible_periods_cover_every_zone() -> None:
    now = utc(2026, 3, 9, 5, 0)  # Monday: 17:00 in Kiritimati, Sunday 17:00 in Baker Island
    daily = Schedule.parse("daily", "09:00")
    periods = possible_periods(daily, now)
    assert periods == {"2026-03-08", "2026-03-09"}
    for name in ("Pacific/Kiritimati", "Etc/GMT+12", "Europe/Paris", "America/New_York"):
        assert latest_occurrence(daily, now, ZoneInfo(name)).period in periods
    assert possible_periods(MONDAY_9, now) == {"2026-03-02", "2026-03-09"}


def test_the_latest_possible_moment_is_the_westmost_zones() -> None:
    last = latest_possible_moment("2026-03-09", time(9, 0))
    assert last == utc(2026, 3, 9, 21, 0)
    assert latest_occurrence(MONDAY_9, last, ZoneInfo("Etc/GMT+12")).at == last


def _deliveries(
    schedule: Schedule,
    tz: ZoneInfo,
    start: datetime,
    hours: int,
    step: timedelta = timedelta(minutes=15),
) -> list[tuple[str, datetime]]:
    """Run the scheduler's decision every ``step``: each period goes out once, when first due."""
    sent: dict[str, datetime] = {}
    now = start
    while now < start + timedelta(hours=hours):
        due = latest_occurrence(schedule, now, tz)
        if due and due.period not in sent and not due.overdue(now):
            sent[due.period] = now
        now += step
    return sorted(sent.items())


@pytest.mark.parametrize(
    ("tz", "start", "expected"),
    [
        # New York springs forward on Sunday 8 March 2026 (02:00 EST -> 03:00 EDT): 02:30 does
        # not exist that night; the digest goes at 03:30 EDT (07:30 UTC), not skipped.
        (
            NEW_YORK,
            utc(2026, 3, 7, 0, 0),
            [
                ("2026-03-07", utc(2026, 3, 7, 7, 30)),
                ("2026-03-08", utc(2026, 3, 8, 7, 30)),
                ("2026-03-09", utc(2026, 3, 9, 6, 30)),
            ],
        ),
        # It falls back on Sunday 1 November 2026 (02:00 EDT -> 01:00 EST): 02:30 is EST.
        (
            NEW_YORK,
            utc(2026, 10, 31, 0, 0),
            [
                ("2026-10-31", utc(2026, 10, 31, 6, 30)),
                ("2026-11-01", utc(2026, 11, 1, 7, 30)),
                ("2026-11-02", utc(2026, 11, 2, 7, 30)),
            ],
        ),
        # Paris springs forward on Sunday 29 March 2026 (02:00 CET -> 03:00 CEST).
        (
            PARIS,
            utc(2026, 3, 28, 0, 0),
            [
                ("2026-03-28", utc(2026, 3, 28, 1, 30)),
                ("2026-03-29", utc(2026, 3, 29, 1, 30)),
                ("2026-03-30", utc(2026, 3, 30, 0, 30)),
            ],
        ),
        # ...and falls back on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET).
        (
            PARIS,
            utc(2026, 10, 24, 0, 0),
            [
                ("2026-10-24", utc(2026, 10, 24, 0, 30)),
                ("2026-10-25", utc(2026, 10, 25, 0, 30)),
                ("2026-10-26", utc(2026, 10, 26, 1, 30)),
            ],
        ),
    ],
)
def test_a_daily_digest_in_the_dst_night_is_never_skipped_nor_doubled(tz, start, expected):
    assert _deliveries(Schedule.parse("daily", "02:30"), tz, start, hours=72) == expected


@pytest.mark.parametrize(
    ("tz", "start"), [(NEW_YORK, utc(2026, 10, 31, 0, 0)), (PARIS, utc(2026, 10, 24, 0, 0))]
)
def test_a_wall_time_that_happens_twice_is_sent_at_the_first(tz, start) -> None:
    # 01:30 in New York / 02:30 in Paris happen twice on the fall-back night.
    at = "01:30" if tz is NEW_YORK else "02:30"
    [(_, first), (period, sent), (_, third)] = _deliveries(
        Schedule.parse("daily", at), tz, start, hours=72, step=timedelta(minutes=5)
    )
    assert sent.astimezone(tz).fold == 0
    assert sent.astimezone(tz).strftime("%H:%M") == at
    assert third - sent == timedelta(hours=25)  # the long day
    assert sent - first == timedelta(hours=24)
    assert period in ("2026-11-01", "2026-10-25")
