"""Calls to Slack's API reuse kept-alive connections (issue 17.1), and nothing else changes:
a connection Slack closed while idle is replaced before a write goes down it, a lost answer
is still the caller's to handle, a 429 is still waited on."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.messaging.client import error_code, make_web_client, retry_handlers
from bot.messaging.keepalive import ConnectionPool, KeepAliveWebClient
from tests.conftest import BOT_TOKEN, CHANNEL, USER
from tests.fakes.slack_api import DROP
from tests.support.keepalive import ClosingServer


@pytest.fixture
def pool(monkeypatch) -> ConnectionPool:
    """A pool of the test's own, so that other tests' connections don't count."""
    mine = ConnectionPool()
    monkeypatch.setattr(KeepAliveWebClient, "pool", mine)
    yield mine
    mine.clear()


def test_successive_calls_share_one_connection(slack_settings, slack_api, pool) -> None:
    client = make_web_client(slack_settings, token=BOT_TOKEN)
    for n in range(5):
        client.chat_postMessage(channel=CHANNEL, text=f"message {n}")
    other = make_web_client(slack_settings, token=BOT_TOKEN)  # another client, same process
    other.users_info(user=USER)
    assert len(slack_api.calls_to("chat.postMessage")) == 5
    assert (slack_api.connections, pool.opened, pool.idle()) == (1, 1, 1)


def test_a_connection_slack_closed_while_idle_is_replaced_before_a_write(
    slack_settings, pool
) -> None:
    with ClosingServer() as server:  # answers one request per connection, then closes it
        client = KeepAliveWebClient(
            token=BOT_TOKEN, base_url=server.base_url, timeout=5, retry_handlers=retry_handlers()
        )
        for n in range(3):
            assert client.chat_postMessage(channel=CHANNEL, text=f"m{n}")["ok"]
            server.wait_closed(n + 1)
        assert server.requests == 3  # each sent once, none lost down a dead connection
        assert server.connections == 3


def test_a_lost_answer_on_a_kept_connection_is_still_no_answer_and_not_retried(
    slack_settings, slack_api, pool
) -> None:
    client = make_web_client(slack_settings, token=BOT_TOKEN)
    client.chat_postMessage(channel=CHANNEL, text="first")  # the connection is now pooled
    slack_api.accept_then("chat.postMessage", DROP)
    with pytest.raises(Exception) as lost:
        client.chat_postMessage(channel=CHANNEL, text="second")
    assert error_code(lost.value) == "no_answer"
    assert len(slack_api.calls_to("chat.postMessage")) == 2  # not sent twice
    client.chat_postMessage(channel=CHANNEL, text="third")  # a fresh connection works
    assert len(slack_api.calls_to("chat.postMessage")) == 3
    assert slack_api.connections == 2


def test_errors_and_rate_limits_read_as_before(slack_settings, slack_api, pool) -> None:
    client = make_web_client(slack_settings, token=BOT_TOKEN)
    slack_api.fail("chat.postMessage", status=429, retry_after=1)
    assert client.chat_postMessage(channel=CHANNEL, text="after a wait")["ok"]
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0NOWHERE", text="x")
    assert error_code(refused.value) == "channel_not_found"
    assert len(slack_api.calls_to("chat.postMessage")) == 3
    assert slack_api.connections == 1


def test_a_refused_connection_is_network(slack_settings, pool) -> None:
    with ClosingServer() as server:
        url = server.base_url
    client = KeepAliveWebClient(
        token=BOT_TOKEN, base_url=url, timeout=5, retry_handlers=retry_handlers()
    )
    with pytest.raises(Exception) as refused:
        client.chat_postMessage(channel=CHANNEL, text="x")
    assert error_code(refused.value) == "network"
