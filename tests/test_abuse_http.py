"""Through ``python -m bot web`` (gunicorn) over HTTP: forged and junk requests, Slack's retries.

A smaller sample than ``test_abuse_requests.py`` (which goes through the same WSGI app in this
process): here the HTTP server itself must never answer 5xx nor show a trace, and the listeners
run as in production, after the ack, in Bolt's threads.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from bot.models import ProcessedEvent, Workspace
from tests.conftest import BOT_TOKEN, CHANNEL, SIGNING_SECRET, TEAM, USER
from tests.fakes.slack_api import FakeSlackAPI, running_fake_slack_api
from tests.slack_requests import app_home_opened, content_type_of, sign, slash_command
from tests.support.abuse import (
    FORGERIES,
    FUZZ,
    assert_clean,
    changed,
    content_types,
    forged_headers,
    junk_payloads,
    raw_bodies,
    realistic_bodies,
    row_counts,
    running_web,
    wait_until,
)

HTTP_FUZZ = settings(FUZZ, max_examples=60)


class Web:
    """The running server, its fake Slack API and a view of its SQLite database."""

    def __init__(self, base: str, fake: FakeSlackAPI, engine: Engine) -> None:
        self.host, self.port = base.removeprefix("http://").split(":")
        self.fake, self.engine = fake, engine
        self._conn: http.client.HTTPConnection | None = None

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """POST /slack/events on a kept-alive connection (a new one if the server closed it)."""
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, int(self.port), timeout=15)
            try:
                self._conn.request("POST", "/slack/events", body, headers)
                response = self._conn.getresponse()
                return response.status, response.read().decode("utf-8", "replace")
            except (http.client.HTTPException, OSError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def counts(self) -> dict[str, int]:
        with Session(self.engine) as session:
            return row_counts(session)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    workdir = tmp_path_factory.mktemp("abuse-http")
    database = Path(workdir) / "web.db"
    with running_fake_slack_api() as fake:
        fake.add_team(TEAM, bot_token=BOT_TOKEN)
        fake.add_user(TEAM, USER)
        fake.add_channel(TEAM, CHANNEL)
        with running_web(fake, f"sqlite:///{database}", workdir) as (base, _log):
            engine = create_engine(f"sqlite:///{database}")
            web = Web(base, fake, engine)
            # The workspace's first-sight row, made by a real request, before any counting.
            body = slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)
            status, _ = web.post(
                body.encode(), {"Content-Type": content_type_of(body), **sign(body, SIGNING_SECRET)}
            )
            assert status == 200
            yield web
            engine.dispose()


@HTTP_FUZZ
@given(
    body=st.one_of(realistic_bodies(), raw_bodies),
    how=st.sampled_from(FORGERIES),
    content_type=content_types,
    skew=st.integers(0, 10**7),
    odd=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12).filter(
        lambda s: not s.strip().isdigit()
    ),
)  # what an HTTP header can carry
def test_forged_requests_over_http_get_401_and_run_nothing(
    web: Web, body: bytes, how: str, content_type: str, skew: int, odd: str
) -> None:
    before, calls = web.counts(), len(web.fake.calls)
    status, text = web.post(
        body, {"Content-Type": content_type, **forged_headers(body, how, skew, odd)}
    )
    assert status == 401, (how, text)
    assert_clean(text)
    assert changed(before, web.counts()) == {}
    assert len(web.fake.calls) == calls


@HTTP_FUZZ
@given(
    body=st.one_of(
        raw_bodies, junk_payloads().map(lambda p: ("payload=" + json.dumps(p)).encode())
    ),
    content_type=content_types,
)
def test_signed_junk_over_http_never_gets_a_5xx(web: Web, body: bytes, content_type: str) -> None:
    before = web.counts()
    status, text = web.post(
        body,
        {"Content-Type": content_type, **sign(body.decode("utf-8", "replace"), SIGNING_SECRET)},
    )
    assert status < 500, (status, body[:300])
    assert_clean(text)
    assert changed(before, web.counts()) == {}


# --------------------------------------------------------------------------- Slack's retries


def _published_homes(fake: FakeSlackAPI, user: str) -> int:
    return sum(1 for call in fake.calls_to("views.publish") if call.params.get("user_id") == user)


def _processed(web: Web, event_id: str) -> int:
    with Session(web.engine) as session:
        return len(
            session.scalars(select(ProcessedEvent).where(ProcessedEvent.event_id == event_id)).all()
        )


@pytest.mark.parametrize("at_once", [False, True], ids=["one_after_another", "all_at_once"])
def test_an_event_retried_three_times_over_http_is_processed_once(web: Web, at_once: bool) -> None:
    user = "U0RETRY01" if at_once else "U0RETRY02"
    web.fake.add_user(TEAM, user)
    event_id = f"Ev0RETRY{int(at_once)}"
    body = app_home_opened(user, TEAM, event_id=event_id)
    sends = [{}] + [
        {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"} for n in (1, 2, 3)
    ]
    statuses: list[int] = []

    def deliver(extra: dict[str, str]) -> None:
        own = Web(f"http://{web.host}:{web.port}", web.fake, web.engine)
        headers = {"Content-Type": "application/json", **sign(body, SIGNING_SECRET), **extra}
        statuses.append(own.post(body.encode(), headers)[0])

    if at_once:
        threads = [threading.Thread(target=deliver, args=(extra,)) for extra in sends]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for extra in sends:
            deliver(extra)
    assert statuses == [200, 200, 200, 200]
    assert wait_until(lambda: _published_homes(web.fake, user) >= 1)
    assert not wait_until(lambda: _published_homes(web.fake, user) > 1, seconds=1.0)
    assert _processed(web, event_id) == 1


def test_a_new_teams_first_requests_arriving_together_all_succeed(web: Web) -> None:
    """On SQLite all but one of them used to fail with "database is locked" (first sight)."""
    team = "T0NEWTEAM"
    replies: list[tuple[int, str]] = []

    def first(n: int) -> None:
        body = slash_command(
            "help",
            team_id=team,
            user_id=f"U0FIRST{n:02d}",
            channel_id=CHANNEL,
            response_url=web.fake.response_url(TEAM, CHANNEL),
        )
        own = Web(f"http://{web.host}:{web.port}", web.fake, web.engine)
        replies.append(
            own.post(
                body.encode(), {"Content-Type": content_type_of(body), **sign(body, SIGNING_SECRET)}
            )
        )

    threads = [threading.Thread(target=first, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in replies] == [200] * 8
    assert all("/buildvsbuy help" in json.loads(text)["text"] for _, text in replies)
    with Session(web.engine) as session:
        assert session.scalar(select(Workspace.team_id).where(Workspace.team_id == team)) == team
