"""The delivery job against the fake Slack API: local times, exactly once, catch-up and missed,
rate limits and permanent errors, decisions, the LLM's sentences. Counted by the fake's calls."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.oauth.installation_store import Bot
from sqlalchemy import event, select, update

from bot.digest import delivery
from bot.jobs.digest import deliver_digests
from bot.models import DigestDelivery, DigestSentItem, NewsItem, TeamSettings
from bot.scheduler import JOBS
from bot.views.digest import failure_summary
from tests.conftest import ADMIN, CHANNEL, OTHER_TEAM, TEAM, USER
from tests.support.decisions import make_decision
from tests.support.digest import (
    MONDAY_9AM_PARIS,
    Story,
    make_team,
    numbered,
    posts,
    rows,
    store_news,
)

NEW_YORKER = "U0NEWYORK"
PERIOD = "2026-03-09"


@pytest.fixture
def clock_start() -> datetime:
    return MONDAY_9AM_PARIS - timedelta(minutes=1)


@pytest.fixture
def news(session, clock):
    store_news(session, clock.now, numbered(10))


def _titles(message: dict) -> list[str]:
    return [
        b["text"]["text"].split("\n")[0]
        for b in message["blocks"]
        if b.get("block_id", "").startswith("digest.item.")
    ]


def test_the_jobs_are_scheduled() -> None:
    assert {j.id: j.minutes for j in JOBS if j.id.startswith("digest.")} == {
        "digest.fetch_feeds": 30,
        "digest.deliver": 1,
    }


def test_channel_and_managers_get_it_once_each_at_their_own_nine(
    services, slack_api, session, clock, news
):
    slack_api.add_user(TEAM, NEW_YORKER, tz="America/New_York")
    make_team(session, managers=[USER, NEW_YORKER])
    deliver_digests(services)  # 08:59 in Paris
    assert posts(slack_api) == []
    for minutes in (1, 1, 30, 240):  # 09:00, 09:01, 09:31, 13:31 in Paris
        clock.advance(minutes=minutes)
        deliver_digests(services)
    assert [p["channel"] for p in posts(slack_api)] == [CHANNEL, USER]
    [channel_post] = posts(slack_api, CHANNEL)
    assert len(_titles(channel_post)) == 8
    assert _titles(posts(slack_api, USER)[0]) == _titles(channel_post)
    assert "Ranked for build-vs-buy" in channel_post["blocks"][-1]["elements"][0]["text"]
    assert "as a manager" in posts(slack_api, USER)[0]["blocks"][-1]["elements"][0]["text"]

    clock.now = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 in New York
    deliver_digests(services)
    deliver_digests(services)
    clock.advance(days=1)
    assert deliver_digests(services).teams == []  # nothing due: the team is not even looked at
    assert [p["channel"] for p in posts(slack_api)] == [CHANNEL, USER, NEW_YORKER]
    assert _titles(posts(slack_api, NEW_YORKER)[0]) == _titles(channel_post)
    assert rows(session) == {
        (PERIOD, f"channel:{CHANNEL}"): "sent",
        (PERIOD, f"user:{USER}"): "sent",
        (PERIOD, f"user:{NEW_YORKER}"): "sent",
    }
    assert len(session.scalars(select(DigestSentItem)).all()) == 8
    assert len(slack_api.calls_to("users.info")) == 2  # cached, then not needed once sent


def test_a_teams_stories_are_recorded_once_however_many_copies_go(
    services, slack_api, session, clock, news
):
    make_team(session, managers=[USER, ADMIN])
    clock.advance(minutes=1)  # 09:00 in Paris: the channel and both managers are due
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if "INSERT INTO digest_sent_items" in statement:
            statements.append(statement)

    event.listen(services.engine, "before_cursor_execute", seen)
    try:
        deliver_digests(services)
    finally:
        event.remove(services.engine, "before_cursor_execute", seen)
    assert sorted(p["channel"] for p in posts(slack_api)) == sorted([CHANNEL, USER, ADMIN])
    assert len(statements) == 1  # with the channel's copy; the managers' are the same stories
    assert len(session.scalars(select(DigestSentItem)).all()) == 8


def test_a_worker_down_at_nine_catches_up_within_grace_and_records_missed_after(
    services, slack_api, session, clock, news
):
    slack_api.add_user(TEAM, NEW_YORKER, tz="America/New_York")
    make_team(session, managers=[NEW_YORKER])
    clock.now = datetime(2026, 3, 9, 14, 1, tzinfo=UTC)  # Paris 6 h 01 late, New York 1 h
    report = deliver_digests(services)
    assert (report.total("sent"), report.total("missed")) == (1, 1)
    assert [p["channel"] for p in posts(slack_api)] == [NEW_YORKER]
    assert rows(session)[(PERIOD, f"channel:{CHANNEL}")] == "missed"
    clock.advance(hours=1)
    assert deliver_digests(services).total("missed") == 0  # recorded once
    [problem] = delivery.recent_failures(session, TEAM)
    assert (problem.status, problem.recipient) == ("missed", f"channel:{CHANNEL}")


def test_nothing_goes_out_before_the_first_fetch_then_it_catches_up(
    services, slack_api, session, clock
):
    make_team(session)
    clock.advance(minutes=1)
    deliver_digests(services)
    assert (posts(slack_api), rows(session)) == ([], {})
    store_news(session, clock.now, numbered(3))
    clock.advance(minutes=20)
    deliver_digests(services)
    assert len(_titles(posts(slack_api, CHANNEL)[0])) == 3


def test_rate_limited_once_is_retried_by_the_client(services, slack_api, session, clock, news):
    make_team(session)
    clock.advance(minutes=1)
    slack_api.fail("chat.postMessage", retry_after=0, times=1)
    deliver_digests(services)
    assert len(posts(slack_api)) == 2  # the 429, then the retry after Retry-After
    assert rows(session) == {(PERIOD, f"channel:{CHANNEL}"): "sent"}


def test_rate_limited_still_is_left_for_the_next_run(services, slack_api, session, clock, news):
    make_team(session)
    clock.advance(minutes=1)
    slack_api.fail("chat.postMessage", retry_after=0, times=4)  # the call and three retries
    report = deliver_digests(services)
    assert (report.total("sent"), report.total("retry")) == (0, 1)
    assert rows(session) == {(PERIOD, f"channel:{CHANNEL}"): "retry"}
    clock.advance(minutes=1)
    assert deliver_digests(services).total("sent") == 1
    assert len(posts(slack_api)) == 5
    assert session.scalar(select(DigestDelivery.attempts)) == 2


def test_retries_are_bounded(session) -> None:
    now = MONDAY_9AM_PARIS
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        won = delivery.claim(session, TEAM, PERIOD, "channel:C1", now, "w")
        assert won is not None and won.attempts == attempt
        status = delivery.mark_failed(session, won, "ratelimited")
        session.commit()
    assert status == "failed"
    assert delivery.claim(session, TEAM, PERIOD, "channel:C1", now, "w") is None


def test_claims_in_one_statement_answer_each_asker(session) -> None:
    now = MONDAY_9AM_PARIS
    settled = delivery.claim(session, TEAM, PERIOD, "user:U1", now, "w")
    delivery.mark_sent(session, settled, now, [])
    waiting = delivery.claim(session, TEAM, PERIOD, "user:U2", now, "w")
    delivery.mark_failed(session, waiting, "ratelimited")
    session.commit()
    wanted = [
        delivery.Wanted(TEAM, PERIOD, r)
        for r in ("user:U3", "user:U1", "channel:C1", "user:U2", "user:U3")
    ]
    answers = delivery.claim_all(session, wanted, now, "batch-worker")
    session.commit()
    # U3 is asked for twice in one batch: only the first asker may send it.
    assert [(a.recipient, a.attempts) if a else None for a in answers] == [
        ("user:U3", 1),
        None,
        ("channel:C1", 1),
        ("user:U2", 2),
        None,
    ]
    assert len({a.id for a in answers if a}) == 3
    assert rows(session) == {
        (PERIOD, "user:U1"): "sent",
        (PERIOD, "user:U2"): "claimed",
        (PERIOD, "user:U3"): "claimed",
        (PERIOD, "channel:C1"): "claimed",
    }
    assert delivery.claim_all(session, wanted[:3], now, "another-worker") == [None] * 3


def test_outcomes_settled_together_each_get_their_status(session, caplog) -> None:
    now = MONDAY_9AM_PARIS
    store_news(session, now, numbered(3))
    items = sorted(session.scalars(select(NewsItem.id)))
    channel, manager, busy, gone = delivery.claim_all(
        session,
        [
            delivery.Wanted(TEAM, PERIOD, r)
            for r in ("channel:C1", f"user:{USER}", "channel:C2", f"user:{ADMIN}")
        ],
        now,
        "w",
    )
    taken = delivery.claim(session, OTHER_TEAM, PERIOD, "channel:C3", now, "w")
    session.commit()
    session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == taken.id)
        .values(claimed_by="someone-else")
    )  # its lease ran out mid-send
    statuses = delivery.settle_all(
        session,
        [
            delivery.Outcome(channel, None, tuple(items), now),
            delivery.Outcome(manager, None, tuple(items[:2]), now),  # the same stories, once
            delivery.Outcome(busy, "ratelimited"),
            delivery.Outcome(gone, "account_inactive"),
            delivery.Outcome(taken, None, tuple(items[:1]), now),
        ],
    )
    session.commit()
    assert statuses == ["sent", "sent", "retry", "failed", "sent"]
    assert [r.getMessage() for r in caplog.records if "taken over" in r.getMessage()] == [
        f"delivery {taken.id} was taken over while this worker sent it"
    ]
    assert rows(session) == {
        (PERIOD, "channel:C1"): "sent",
        (PERIOD, f"user:{USER}"): "sent",
        (PERIOD, "channel:C2"): "retry",
        (PERIOD, f"user:{ADMIN}"): "failed",
    }
    # The message went out anyway, so its stories count as sent; the row is the other's.
    assert rows(session, OTHER_TEAM) == {(PERIOD, "channel:C3"): "claimed"}
    assert sorted(
        session.execute(select(DigestSentItem.team_id, DigestSentItem.item_id))
    ) == sorted([(TEAM, i) for i in items] + [(OTHER_TEAM, items[0])])
    recorded = dict(
        session.execute(
            select(DigestDelivery.recipient, DigestDelivery.item_ids).where(
                DigestDelivery.team_id == TEAM
            )
        ).all()
    )
    assert recorded["channel:C1"] == items and recorded[f"user:{USER}"] == items[:2]
    assert (
        session.scalar(
            select(DigestDelivery.error).where(DigestDelivery.recipient == f"user:{ADMIN}")
        )
        == "account_inactive"
    )


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived", "account_inactive"])
def test_permanent_errors_are_recorded_shown_to_admins_and_not_retried(
    services, slack_api, session, clock, news, error
):
    make_team(session)
    clock.advance(minutes=1)
    slack_api.fail("chat.postMessage", error)
    assert deliver_digests(services).total("failed") == 1
    clock.advance(minutes=1)
    deliver_digests(services)
    assert len(posts(slack_api)) == 1
    [problem] = delivery.recent_failures(session, TEAM)
    assert (problem.status, problem.error) == ("failed", error)
    summary = failure_summary([problem], "en")
    assert f"<#{CHANNEL}>" in summary and "not sent" in summary


def test_not_in_channel_and_people_who_left(services, slack_api, session, clock, news):
    slack_api.add_channel(TEAM, "C0OUTSIDE", bot_member=False)
    slack_api.add_user(TEAM, "U0GONE", deleted=True)
    make_team(session, channel="C0OUTSIDE", managers=["U0GONE", USER])
    clock.advance(minutes=1)
    deliver_digests(services)
    assert [p["channel"] for p in posts(slack_api)] == ["C0OUTSIDE", USER]
    assert rows(session) == {
        (PERIOD, "channel:C0OUTSIDE"): "failed",
        (PERIOD, "user:U0GONE"): "failed",
        (PERIOD, f"user:{USER}"): "sent",
    }
    errors = {p.recipient: p.error for p in delivery.recent_failures(session, TEAM)}
    assert errors == {"channel:C0OUTSIDE": "not_in_channel", "user:U0GONE": "account_inactive"}
    assert "Invite me" in failure_summary(delivery.recent_failures(session, TEAM), "en")


def test_stories_already_sent_are_not_repeated_and_an_empty_day_says_so(
    services, slack_api, session, clock
):
    make_team(session, items=3, days="daily")
    store_news(session, clock.now, numbered(4))
    clock.advance(minutes=1)
    for _day in range(3):
        deliver_digests(services)
        clock.advance(days=1)
    first, second, third = posts(slack_api, CHANNEL)
    assert len(_titles(first)) == 3
    assert _titles(second) == ["*<https://news.example/4|Vendor4 cuts API prices for model4>*"]
    assert _titles(third) == []
    assert "Nothing new" in json.dumps(third["blocks"])


def test_a_story_bearing_on_a_decision_offers_to_revisit_it(services, slack_api, session, clock):
    make_team(session, language="fr")
    decision = make_decision(session, title="Envelopper GPT pour le support", verdict="wrap")
    store_news(
        session,
        clock.now,
        [Story("OpenAI cuts GPT-5 API prices by half", "https://wire.example/p")],
    )
    clock.advance(minutes=1)
    deliver_digests(services)
    [message] = posts(slack_api, CHANNEL)
    [line] = [b for b in message["blocks"] if b.get("block_id", "").startswith("digest.dec")]
    assert (
        "«\u00a0Envelopper GPT pour le support\u00a0» (S'appuyer sur un modèle existant)"
        in line["text"]["text"]
    )
    assert (line["accessory"]["action_id"], line["accessory"]["value"]) == (
        "decisions.reminder.revisit",
        str(decision.id),
    )
    assert message["blocks"][0]["text"]["text"] == "Veille IA · 2026-03-09"


def test_the_installer_gets_it_when_nobody_else_would(services, slack_api, session, clock, news):
    make_team(session, channel=None, installer=ADMIN)
    make_team(session, OTHER_TEAM, channel=None, installer="U0INSTALL", managers=[USER])
    clock.advance(minutes=1)
    deliver_digests(services)
    assert [p["channel"] for p in posts(slack_api)] == [ADMIN, USER]
    assert "You installed the app" in json.dumps(posts(slack_api, ADMIN)[0]["blocks"])


def test_switched_off_teams_get_nothing(services, slack_api, session, clock, news):
    make_team(session, managers=[USER])
    session.get(TeamSettings, TEAM).digest_enabled = False
    session.commit()
    clock.advance(minutes=1)
    assert deliver_digests(services).teams == []
    assert posts(slack_api) == []


def test_a_daily_digest_across_the_spring_forward_night(services, slack_api, session, clock):
    make_team(session, days="daily", at="02:30")
    store_news(session, datetime(2026, 3, 28, tzinfo=UTC), numbered(3))
    clock.now = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    while clock.now < datetime(2026, 3, 31, tzinfo=UTC):
        deliver_digests(services)
        clock.advance(minutes=30 if clock.now.hour < 4 else 120)  # finely through the night
    sent = session.execute(
        select(DigestDelivery.period, DigestDelivery.sent_at)
        .where(DigestDelivery.status == "sent")
        .order_by(DigestDelivery.period)
    ).all()
    assert [(p, at.astimezone(UTC).strftime("%d %H:%M")) for p, at in sent] == [
        ("2026-03-28", "28 01:30"),
        ("2026-03-29", "29 01:30"),
        ("2026-03-30", "30 00:30"),
    ]
    assert len(posts(slack_api)) == 3


# ------------------------------------------------------------------------- the LLM


@pytest.fixture
def llm_services(services, openai_server):
    services.settings = services.settings.model_copy(
        update={"OPENAI_API_KEY": openai_server.api_key, "OPENAI_BASE_URL": openai_server.base_url}
    )
    return services


def test_one_llm_call_writes_every_why(llm_services, slack_api, session, clock, openai_server):
    make_team(session, managers=[USER], items=2)
    store_news(session, clock.now, numbered(2))
    openai_server.behave("normal", content=json.dumps(["Sentence one.", "Sentence two & more."]))
    clock.advance(minutes=1)
    deliver_digests(llm_services)
    assert len(openai_server.requests) == 1  # one call for the channel and the DM
    for message in posts(slack_api):
        text = json.dumps(message["blocks"])
        assert "Sentence one." in text and "Sentence two &amp; more." in text


@pytest.mark.parametrize("mode", ["garbage", "error_500"])
def test_the_rules_write_the_why_when_the_llm_fails(
    llm_services, slack_api, session, clock, openai_server, mode
):
    make_team(session, items=1)
    store_news(session, clock.now, numbered(1))
    openai_server.behave(mode)
    clock.advance(minutes=1)
    deliver_digests(llm_services)
    assert "Wrapping just got cheaper" in json.dumps(posts(slack_api)[0]["blocks"])


def test_no_llm_call_when_the_team_turned_it_off(
    llm_services, slack_api, session, clock, openai_server, news
):
    make_team(session, llm_enabled=False)
    clock.advance(minutes=1)
    deliver_digests(llm_services)
    assert (len(posts(slack_api)), openai_server.requests) == (1, [])


# ------------------------------------------------------------------------- OAuth


class _Installations:
    """The part of an installation store the jobs use."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        token = self.tokens.get(team_id or "")
        return (
            Bot(
                app_id="A1",
                enterprise_id=None,
                team_id=team_id,
                bot_token=token,
                bot_id="B1",
                bot_user_id="U0BOT",
                installed_at=0.0,
            )
            if token
            else None
        )


def test_with_oauth_each_team_is_sent_with_its_own_token(services, slack_api, session, clock, news):
    slack_api.add_team(OTHER_TEAM, bot_token="xoxb-other-team")
    slack_api.add_channel(OTHER_TEAM, "C0OTHER")
    services.settings = services.settings.model_copy(
        update={"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_BOT_TOKEN": None}
    )
    services.installation_store = _Installations({OTHER_TEAM: "xoxb-other-team"})
    make_team(session, TEAM)  # not installed with OAuth: no token, nothing sent
    make_team(session, OTHER_TEAM, channel="C0OTHER")
    clock.advance(minutes=1)
    deliver_digests(services)
    [call] = slack_api.calls_to("chat.postMessage")
    assert (call.team_id, call.params["channel"]) == (OTHER_TEAM, "C0OTHER")
    assert rows(session, TEAM) == {}


def test_a_dead_claim_or_a_pending_retry_past_grace_becomes_missed(session) -> None:
    now = MONDAY_9AM_PARIS
    dead = delivery.claim(session, TEAM, PERIOD, "channel:C1", now, "killed-worker")
    waiting = delivery.claim(session, TEAM, PERIOD, "user:U1", now, "w")
    delivery.mark_failed(session, waiting, "ratelimited")
    delivery.mark_sent(session, delivery.claim(session, TEAM, PERIOD, "user:U2", now, "w"), now, [])
    session.commit()
    later = now + timedelta(hours=7)
    assert [
        delivery.record_missed(session, TEAM, PERIOD, r, later)
        for r in ("channel:C1", "user:U1", "user:U2", "user:U3")
    ] == [True, True, False, True]
    fresh = delivery.claim(session, TEAM, "2026-03-16", "channel:C1", later, "w")
    assert fresh is not None
    assert delivery.record_missed(session, TEAM, "2026-03-16", "channel:C1", later) is False
    session.commit()
    assert rows(session) == {
        (PERIOD, "channel:C1"): "missed",
        (PERIOD, "user:U1"): "missed",
        (PERIOD, "user:U2"): "sent",
        (PERIOD, "user:U3"): "missed",
        ("2026-03-16", "channel:C1"): "claimed",
    }
    assert dead.worker == "killed-worker"
