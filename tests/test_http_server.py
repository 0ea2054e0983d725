"""End to end: ``python -m bot web`` (gunicorn) reached over HTTP, as Slack reaches it."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import BOT_TOKEN, CHANNEL, SIGNING_SECRET, TEAM, USER
from tests.fakes.slack_api import FakeSlackAPI, running_fake_slack_api
from tests.slack_requests import post_signed, sign, slash_command
from tests.support.abuse import running_web


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeSlackAPI]]:
    with running_fake_slack_api() as fake:
        fake.add_team(TEAM, bot_token=BOT_TOKEN)
        fake.add_user(TEAM, USER)
        fake.add_channel(TEAM, CHANNEL)
        database = tmp_path_factory.mktemp("web") / "web.db"
        with running_web(fake, f"sqlite:///{database}", tmp_path_factory.mktemp("cwd")) as (
            base,
            _log,  # running_bot checks that no token is in it
        ):
            yield base, fake


def test_signed_help_is_answered_within_slacks_three_seconds(web) -> None:
    base, _ = web
    body = slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)
    started = time.monotonic()
    status, headers, text = post_signed(f"{base}/slack/events", body, secret=SIGNING_SECRET)
    elapsed = time.monotonic() - started
    assert status == 200, text
    assert elapsed < 3.0
    reply = json.loads(text)
    assert reply["response_type"] == "ephemeral"
    assert "/buildvsbuy help" in reply["text"]


@pytest.mark.parametrize("case", ["forged", "stale", "missing"])
def test_bad_signatures_get_401(web, case: str) -> None:
    base, fake = web
    body = slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)
    before = len(fake.calls)
    if case == "forged":
        status, _, text = post_signed(f"{base}/slack/events", body, secret="wrong")
    elif case == "stale":
        status, _, text = post_signed(
            f"{base}/slack/events", body, secret=SIGNING_SECRET, timestamp=int(time.time()) - 301
        )
    else:
        request = urllib.request.Request(f"{base}/slack/events", body.encode(), method="POST")
        try:
            urllib.request.urlopen(request, timeout=5)
            status, text = 200, ""
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
    assert status == 401
    assert "Traceback" not in text and "help" not in text
    assert len(fake.calls) == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("garbage", "application/x-www-form-urlencoded"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ('{"type": ', "application/json"),
        ("[1, 2, 3]", "application/json"),
        ("payload=%5B%5D", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_signed_bodies_get_400(web, body: str, content_type: str) -> None:
    base, _ = web
    status, _, text = post_signed(
        f"{base}/slack/events", body, secret=SIGNING_SECRET, content_type=content_type
    )
    assert status == 400
    assert "Traceback" not in text


def test_health_and_unknown_paths(web) -> None:
    base, _ = web
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{base}/nothing-here", timeout=5)
    assert caught.value.code == 404


def test_url_verification_challenge_is_answered(web) -> None:
    base, _ = web
    body = json.dumps({"token": "x", "challenge": "abc123", "type": "url_verification"})
    status, _, text = post_signed(
        f"{base}/slack/events", body, secret=SIGNING_SECRET, content_type="application/json"
    )
    assert status == 200
    assert "abc123" in text


def test_oversized_body_is_refused(web) -> None:
    base, _ = web
    body = "command=/buildvsbuy&text=" + "a" * 1_100_000
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, SIGNING_SECRET)}
    request = urllib.request.Request(
        f"{base}/slack/events", body.encode(), headers=headers, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 413
