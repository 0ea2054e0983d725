"""Signed Slack requests: the signature, the shapes, and a real Bolt App accepting them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from jsonschema import Draft7Validator
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from tests import slack_requests as sr
from tests.fakes.slack_api import FakeSlackAPI, slack_api_fixture  # noqa: F401
from tests.support.data import data_path
from tests.support.slack import command

SECRET = "signing-secret-for-tests"
TEAM, TOKEN, USER, CHANNEL = "T0123ABCD", "xoxb-1-test-token", "U0ALICE01", "C0123ABCD"
MODAL = {
    "type": "modal",
    "callback_id": "assess",
    "title": {"type": "plain_text", "text": "Assess"},
    "submit": {"type": "plain_text", "text": "Assess"},
    "blocks": [
        {
            "type": "input",
            "block_id": "need",
            "label": {"type": "plain_text", "text": "What do you need?"},
            "element": {"type": "plain_text_input", "action_id": "need_input"},
        }
    ],
}
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}


def reference(name: str) -> Any:
    return json.loads(data_path("slack-payloads", name).read_text(encoding="utf-8"))


def payload_of(form_body: str) -> dict[str, Any]:
    return json.loads(dict(parse_qsl(form_body))["payload"])


# ----------------------------------------------------------------------- signing


def test_signature_matches_slacks_test_vector() -> None:
    vector = reference("signature_test_vector.json")
    headers = sr.sign(vector["body"], vector["signing_secret"], int(vector["timestamp"]))
    assert headers == {
        "X-Slack-Request-Timestamp": "1531420618",
        "X-Slack-Signature": vector["signature"],
    }


def test_signature_is_accepted_by_slack_sdks_verifier() -> None:
    body = sr.url_verification("challenge")
    headers = sr.sign(body, SECRET)
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)


# ----------------------------------------------------------------------- shapes


def test_slash_command_has_the_reference_fields() -> None:
    body = sr.slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)
    fields = dict(parse_qsl(body, keep_blank_values=True))
    reference_form = data_path("slack-payloads", "slash_command.form.txt").read_text()
    form = dict(parse_qsl(reference_form.strip()))
    socket = reference("socket_mode_envelopes.json")[1]["payload"]
    assert set(fields) == (set(form) - {"enterprise_id", "enterprise_name"}) | {"api_app_id"}
    assert set(fields) <= set(form) | set(socket)
    assert (fields["command"], fields["text"], fields["team_id"]) == ("/buildvsbuy", "help", TEAM)
    assert fields["response_url"].startswith("https://hooks.slack.com/commands/T0123ABCD/")


def test_block_actions_has_the_reference_fields() -> None:
    body = sr.block_actions(
        [sr.button("choose", "buy")], team_id=TEAM, user_id=USER, channel_id=CHANNEL
    )
    ours, theirs = payload_of(body), reference("block_actions.json")
    assert list(ours) == list(theirs)
    assert set(ours["actions"][0]) == set(theirs["actions"][0])
    assert set(ours["user"]) == set(theirs["user"])
    assert set(ours["container"]) == set(theirs["container"])
    assert set(ours["team"]) <= set(theirs["team"])
    assert ours["container"]["channel_id"] == ours["channel"]["id"] == CHANNEL


def test_block_actions_from_a_view_carry_the_view_and_no_response_url() -> None:
    view = sr.submitted_view("assess", {}, team_id=TEAM, view_id="V0123VIEW")
    ours = payload_of(
        sr.block_actions([sr.button("a", "1")], team_id=TEAM, user_id=USER, view=view)
    )
    assert ours["container"] == {"type": "view", "view_id": "V0123VIEW"}
    assert ours["view"] == view
    assert "response_url" not in ours and "channel" not in ours


def test_view_submission_has_the_reference_fields() -> None:
    values = sr.text_input_values({"need": {"need_input": "a CRM"}})
    ours = payload_of(
        sr.view_submission("assess", values, team_id=TEAM, user_id=USER, private_metadata="m")
    )
    assert list(ours) == list(reference("view_submission_with_response_urls.json"))
    sample_view = reference("view_submission.json")["view"]
    assert list(ours["view"]) == list(sample_view)
    assert ours["view"]["state"] == {
        "values": {"need": {"need_input": {"type": "plain_text_input", "value": "a CRM"}}}
    }
    assert ours["view"]["state"]["values"]["need"]["need_input"].keys() == (
        sample_view["state"]["values"]["hspI"]["maBWU"].keys()
    )
    assert (ours["view"]["callback_id"], ours["view"]["private_metadata"]) == ("assess", "m")


def test_shortcuts_have_the_reference_fields() -> None:
    glob = payload_of(sr.global_shortcut("assessment.shortcut", team_id=TEAM, user_id=USER))
    theirs = reference("global_shortcut.json")
    assert list(glob) == list(theirs)
    assert set(glob["user"]) == set(theirs["user"])
    message = {"type": "message", "user": USER, "text": "Buy it", "ts": "1700000000.000100"}
    ours = payload_of(
        sr.message_shortcut(
            "decisions.from_message", message, team_id=TEAM, user_id=USER, channel_id=CHANNEL
        )
    )
    theirs = reference("message_shortcut.json")
    assert list(ours) == list(theirs)
    assert set(ours["user"]) == set(theirs["user"]) and set(ours["channel"]) == set(
        theirs["channel"]
    )
    assert set(message) <= set(theirs["message"]) | {"thread_ts"}
    assert (ours["type"], ours["message_ts"]) == ("message_action", message["ts"])


def test_app_mention_has_the_reference_fields() -> None:
    body = sr.app_mention("<@U0BOT> hi", team_id=TEAM, user_id=USER, channel_id=CHANNEL)
    ours, theirs = json.loads(body), reference("app_mention_event_callback.json")
    assert set(ours["event"]) == set(theirs["event"])
    assert set(ours) - {"authorizations", "is_ext_shared_channel"} == set(theirs) - {
        "enterprise_id",
        "authed_users",
    }


def test_event_callback_has_the_reference_fields() -> None:
    body = sr.app_home_opened(USER, TEAM, tab="messages")
    ours, theirs = json.loads(body), reference("app_home_opened_event_callback.json")
    assert set(ours) == set(theirs) - {"enterprise_id"}  # not an org-wide install
    assert set(ours["event"]) == set(theirs["event"])
    assert set(ours["authorizations"][0]) == set(theirs["authorizations"][0])
    assert ours["authorizations"][0]["team_id"] == TEAM


@pytest.mark.parametrize(
    "body",
    [
        sr.app_home_opened(USER, TEAM),
        sr.app_uninstalled(TEAM),
        sr.tokens_revoked(TEAM, ["U0BOT"]),
        sr.event_callback({"type": "message", "text": "hi"}, team_id=TEAM),
    ],
    ids=["app_home_opened", "app_uninstalled", "tokens_revoked", "message"],
)
def test_events_match_slacks_event_wrapper_schema(body: str) -> None:
    schema = json.loads(
        data_path("slack-api-specs", "slack_common_event_wrapper_schema.json").read_text()
    )
    # authed_users was retired in 2021 (Slack now sends authorizations, as the payload from
    # bolt-python's tests does); the 2021 wrapper schema still lists it as required.
    schema["required"].remove("authed_users")
    assert list(Draft7Validator(schema).iter_errors(json.loads(body))) == []


def test_tokens_revoked_lists_user_ids_per_token_kind() -> None:
    event = json.loads(sr.tokens_revoked(TEAM, ["U0BOT"], user_ids=[USER]))["event"]
    assert event["tokens"] == {"oauth": [USER], "bot": ["U0BOT"]}


def test_url_verification_has_the_reference_fields() -> None:
    assert set(json.loads(sr.url_verification("x"))) == set(reference("url_verification.json"))


# ----------------------------------------------------------------------- a real Bolt App


@pytest.fixture
def bolt(slack_api: FakeSlackAPI) -> tuple[App, list[tuple[str, Any]]]:
    """A throwaway Bolt App on the fake API, recording what its listeners saw."""
    slack_api.add_team(TEAM, bot_token=TOKEN)
    slack_api.add_user(TEAM, USER)
    slack_api.add_channel(TEAM, CHANNEL)
    seen: list[tuple[str, Any]] = []
    app = App(
        signing_secret=SECRET,
        client=WebClient(base_url=slack_api.base_url, token=TOKEN),
        process_before_response=True,
    )

    @app.command("/buildvsbuy")
    def on_command(ack, command, respond, client, body) -> None:
        ack()
        seen.append(("command", command["text"]))
        respond(text=f"You asked: {command['text']}", response_type="ephemeral")
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.action("choose")
    def on_choose(ack, action, body, client) -> None:
        ack()
        seen.append(("action", action["value"]))
        client.chat_postMessage(channel=body["channel"]["id"], text=f"Chosen: {action['value']}")

    @app.view("assess")
    def on_submit(ack, view) -> None:
        need = view["state"]["values"]["need"]["need_input"]["value"]
        seen.append(("view", need))
        if need.strip():
            ack()
        else:
            ack(response_action="errors", errors={"need": "Say what you need."})

    @app.view_closed("assess")
    def on_close(ack, view) -> None:
        ack()
        seen.append(("closed", view["private_metadata"]))

    @app.event("app_home_opened")
    def on_home(event, client) -> None:
        seen.append(("home", event["user"]))
        client.views_publish(user_id=event["user"], view=HOME)

    @app.event("app_uninstalled")
    def on_uninstalled(body) -> None:
        seen.append(("uninstalled", body["team_id"]))

    @app.event("tokens_revoked")
    def on_revoked(event) -> None:
        seen.append(("revoked", event["tokens"]["bot"]))

    return app, seen


def test_bolt_checked_the_token_with_the_fake(bolt, slack_api: FakeSlackAPI) -> None:
    assert [c.method for c in slack_api.calls] == ["auth.test"]


def test_slash_command(bolt, slack_api: FakeSlackAPI) -> None:
    app, seen = bolt
    body = command(slack_api, "help")
    response = sr.dispatch(app, body, secret=SECRET)
    assert response.status == 200
    assert seen == [("command", "help")]
    answer = slack_api.calls_to("response_url")[0].params
    assert answer == {"text": "You asked: help", "response_type": "ephemeral"}
    assert slack_api.calls_to("views.open")[0].params["view"] == MODAL


def test_block_action(bolt, slack_api: FakeSlackAPI) -> None:
    app, seen = bolt
    body = sr.block_actions(
        [sr.button("choose", "buy")], team_id=TEAM, user_id=USER, channel_id=CHANNEL
    )
    assert sr.dispatch(app, body, secret=SECRET).status == 200
    assert seen == [("action", "buy")]
    assert slack_api.calls_to("chat.postMessage")[0].params["text"] == "Chosen: buy"


def test_view_submission(bolt) -> None:
    app, seen = bolt
    empty = sr.view_submission(
        "assess", sr.text_input_values({"need": {"need_input": " "}}), team_id=TEAM, user_id=USER
    )
    refused = sr.dispatch(app, empty, secret=SECRET)
    assert refused.status == 200
    assert json.loads(refused.body) == {
        "response_action": "errors",
        "errors": {"need": "Say what you need."},
    }
    filled = sr.view_submission(
        "assess",
        sr.text_input_values({"need": {"need_input": "a CRM"}}),
        team_id=TEAM,
        user_id=USER,
    )
    accepted = sr.dispatch(app, filled, secret=SECRET)
    assert (accepted.status, accepted.body) == (200, "")
    assert seen == [("view", " "), ("view", "a CRM")]


def test_view_closed(bolt) -> None:
    app, seen = bolt
    body = sr.view_closed("assess", team_id=TEAM, user_id=USER, private_metadata="42")
    assert sr.dispatch(app, body, secret=SECRET).status == 200
    assert seen == [("closed", "42")]


def test_events(bolt, slack_api: FakeSlackAPI) -> None:
    app, seen = bolt
    for body in (
        sr.app_home_opened(USER, TEAM),
        sr.app_uninstalled(TEAM),
        sr.tokens_revoked(TEAM, ["U0BOT"]),
    ):
        assert sr.dispatch(app, body, secret=SECRET).status == 200
    assert seen == [("home", USER), ("uninstalled", TEAM), ("revoked", ["U0BOT"])]
    assert slack_api.home_view(TEAM, USER)["blocks"] == HOME["blocks"]


def test_url_verification(bolt) -> None:
    app, _ = bolt
    response = sr.dispatch(app, sr.url_verification("abc123"), secret=SECRET)
    assert (response.status, json.loads(response.body)) == (200, {"challenge": "abc123"})


@pytest.mark.parametrize(
    ("secret", "skew"),
    [("not-the-secret", 0), (SECRET, -6 * 60), (SECRET, 6 * 60)],
    ids=["forged", "stale", "future"],
)
def test_bad_signatures_get_401_and_nothing_runs(
    bolt, slack_api: FakeSlackAPI, secret: str, skew: int
) -> None:
    app, seen = bolt
    body = sr.slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)
    response = sr.dispatch(app, body, secret=secret, timestamp=int(time.time()) + skew)
    assert response.status == 401
    assert seen == []
    assert [c.method for c in slack_api.calls] == ["auth.test"]


def test_missing_signature_headers_get_401(bolt) -> None:
    app, seen = bolt
    body = sr.slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)
    assert (
        app.dispatch(sr.bolt_request(body, {"Content-Type": sr.content_type_of(body)})).status
        == 401
    )
    assert seen == []


# ----------------------------------------------------------------------- over real HTTP


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(bolt) -> Iterator[str]:
    """The Bolt App behind its WSGI adapter on a local port: the URL Slack would call."""
    app, _ = bolt
    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_post_signed_over_http(served: str, bolt, slack_api: FakeSlackAPI) -> None:
    _, seen = bolt
    body = command(slack_api, "help")
    status, _, _ = sr.post_signed(served, body, secret=SECRET)
    assert status == 200 and seen == [("command", "help")]
    forged_status, _, forged_body = sr.post_signed(served, body, secret="nope")
    assert forged_status == 401 and seen == [("command", "help")]
    assert json.loads(forged_body) == {"error": "invalid request"}
