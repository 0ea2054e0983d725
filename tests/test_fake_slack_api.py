"""The fake Slack Web API, driven through the real slack_sdk WebClient the app uses."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any

import pytest
from jsonschema import Draft4Validator
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack_api import (
    FakeSlackAPI,
    required_params,
    running_fake_slack_api,
    slack_api_fixture,  # noqa: F401 (the slack_api fixture)
    web_api_spec,
)

TEAM, TOKEN = "T0123ABCD", "xoxb-1-test-token"
ALICE, BOB, CHANNEL, CLOSED = "U0ALICE01", "U0BOB0001", "C0123ABCD", "C0CLOSED1"
SECTION = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Buy* it"}}]
MODAL = {
    "type": "modal",
    "callback_id": "assess",
    "title": {"type": "plain_text", "text": "Assess"},
    "blocks": SECTION,
}
HOME = {"type": "home", "blocks": SECTION}


@pytest.fixture
def client(slack_api: FakeSlackAPI) -> WebClient:
    """A workspace with Alice, Bob, a channel the bot is in and one it is not."""
    slack_api.add_team(TEAM, bot_token=TOKEN, name="Acme Corp", domain="acme")
    slack_api.add_user(TEAM, ALICE, name="alice", is_admin=True, tz="Europe/Paris")
    slack_api.add_user(TEAM, BOB, name="bob", tz="America/New_York", locale="fr-FR")
    slack_api.add_channel(TEAM, CHANNEL, name="general")
    slack_api.add_channel(TEAM, CLOSED, name="secret", bot_member=False)
    return WebClient(base_url=slack_api.base_url, token=TOKEN, retry_handlers=[])


def error_of(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


def spec_errors(method: str, data: dict[str, Any]) -> list[str]:
    """What Slack's published success schema for ``method`` finds wrong in ``data``."""
    spec = web_api_spec()
    operation = next(iter(spec["paths"]["/" + method].values()))
    schema = {**operation["responses"]["200"]["schema"], "definitions": spec["definitions"]}
    return [f"{list(e.path)}: {e.message}" for e in Draft4Validator(schema).iter_errors(data)]


# ----------------------------------------------------------------------- shapes


def test_required_params_come_from_slacks_description() -> None:
    required = required_params()
    assert required["chat.postMessage"] == ("channel",)
    assert required["chat.postEphemeral"] == ("channel", "user")
    assert required["chat.update"] == ("channel", "ts")
    assert required["views.open"] == ("trigger_id", "view")
    assert required["views.publish"] == ("user_id", "view")
    assert required["oauth.v2.access"] == ("code",)
    assert required["users.info"] == ("user",)  # from the docs: the 2021 spec omits it
    assert required["files.getUploadURLExternal"] == ("filename", "length")


def test_ok_answers_match_slacks_published_schemas(client: WebClient) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="hi", blocks=SECTION)
    answers = {
        "auth.test": client.auth_test(),
        "chat.postMessage": posted,
        "chat.postEphemeral": client.chat_postEphemeral(channel=CHANNEL, user=ALICE, text="psst"),
        "chat.update": client.chat_update(channel=CHANNEL, ts=posted["ts"], text="edited"),
        "users.info": client.users_info(user=ALICE),
        "users.list": client.users_list(),
        "conversations.open": client.conversations_open(users=ALICE),
        "conversations.info": client.conversations_info(channel=CHANNEL),
        "conversations.join": client.conversations_join(channel=CHANNEL),
        "team.info": client.team_info(),
        "chat.delete": client.chat_delete(channel=CHANNEL, ts=posted["ts"]),
        "auth.revoke": client.auth_revoke(),
    }
    for method, answer in answers.items():
        assert spec_errors(method, answer.data) == [], method


def test_spec_check_itself_can_fail() -> None:
    assert spec_errors("chat.postMessage", {"ok": True, "channel": "C0123ABCD", "ts": "1.2"})


def test_auth_test_describes_the_bot(client: WebClient, slack_api: FakeSlackAPI) -> None:
    answer = client.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["team"]) == (TEAM, "U0BOT", "Acme Corp")
    assert answer["url"] == "https://acme.slack.com/"
    assert answer["bot_id"].startswith("B")
    assert slack_api.calls == [slack_api.calls_to("auth.test")[0]]
    assert slack_api.calls[0].team_id == TEAM
    assert slack_api.calls[0].params == {}  # the token is not recorded


def test_post_message_returns_channel_and_unique_ts(
    client: WebClient, slack_api: FakeSlackAPI
) -> None:
    first = client.chat_postMessage(channel=CHANNEL, text="one", blocks=SECTION)
    second = client.chat_postMessage(channel=CHANNEL, text="two")
    assert first["channel"] == second["channel"] == CHANNEL
    assert first["ts"] != second["ts"]
    assert first["message"]["blocks"] == SECTION
    assert slack_api.message(CHANNEL, first["ts"])["text"] == "one"
    recorded = slack_api.calls_to("chat.postMessage")[0]
    assert recorded.params == {"channel": CHANNEL, "text": "one", "blocks": SECTION}


def test_form_bodies_and_token_param_are_read_like_json(
    client: WebClient, slack_api: FakeSlackAPI
) -> None:
    body = f"token={TOKEN}&channel={CHANNEL}&text=hi&blocks={json.dumps(SECTION)}"
    request = urllib.request.Request(slack_api.base_url + "chat.postMessage", body.encode())
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.loads(response.read())
    assert answer["ok"] is True
    assert slack_api.calls[-1].params == {"channel": CHANNEL, "text": "hi", "blocks": SECTION}


def test_users_info_reflects_add_user(client: WebClient) -> None:
    alice = client.users_info(user=ALICE)["user"]
    assert (alice["id"], alice["name"], alice["is_admin"], alice["is_bot"]) == (
        ALICE,
        "alice",
        True,
        False,
    )
    assert alice["tz"] == "Europe/Paris" and alice["tz_offset"] in (3600, 7200)
    assert "locale" not in alice
    assert client.users_info(user=BOB, include_locale=True)["user"]["locale"] == "fr-FR"
    assert error_of(lambda: client.users_info(user="U0NOBODY1")).response["error"] == (
        "user_not_found"
    )


def test_users_list_pages_with_a_cursor(client: WebClient) -> None:
    first = client.users_list(limit=2)
    cursor = first["response_metadata"]["next_cursor"]
    assert len(first["members"]) == 2 and cursor
    second = client.users_list(limit=2, cursor=cursor)
    assert second["response_metadata"]["next_cursor"] == ""
    ids = [m["id"] for m in first["members"] + second["members"]]
    assert sorted(ids) == sorted(["U0BOT", ALICE, BOB])  # Slack lists the bot user too


def test_team_info(client: WebClient) -> None:
    team = client.team_info()["team"]
    assert (team["id"], team["name"], team["domain"]) == (TEAM, "Acme Corp", "acme")


# ----------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("method", "params", "missing"),
    [
        ("chat.postMessage", {"text": "hi"}, "channel"),
        ("chat.postEphemeral", {"channel": CHANNEL, "text": "hi"}, "user"),
        ("chat.update", {"channel": CHANNEL, "text": "hi"}, "ts"),
        ("views.open", {"view": MODAL}, "trigger_id"),
        ("views.publish", {"view": HOME}, "user_id"),
        ("users.info", {}, "user"),
        ("conversations.info", {}, "channel"),
        ("files.getUploadURLExternal", {"filename": "a.txt"}, "length"),
        ("files.completeUploadExternal", {"channel_id": CHANNEL}, "files"),
    ],
)
def test_missing_required_param(
    client: WebClient, method: str, params: dict[str, Any], missing: str
) -> None:
    answer = error_of(lambda: client.api_call(method, json=params)).response
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == [f"[ERROR] missing required field: {missing}"]


def test_message_without_text_or_blocks(client: WebClient) -> None:
    answer = error_of(lambda: client.api_call("chat.postMessage", json={"channel": CHANNEL}))
    assert answer.response["error"] == "no_text"


def test_tokens(client: WebClient, slack_api: FakeSlackAPI) -> None:
    def auth_error(token: str | None) -> str:
        other = WebClient(base_url=slack_api.base_url, token=token, retry_handlers=[])
        return error_of(other.auth_test).response["error"]

    assert auth_error(None) == "not_authed"
    assert auth_error("xoxb-unknown") == "invalid_auth"
    slack_api.revoke_token(TOKEN)
    assert auth_error(TOKEN) == "token_revoked"
    assert [c.team_id for c in slack_api.calls] == [None, None, TEAM]


def test_auth_revoke_revokes_unless_testing(client: WebClient) -> None:
    assert client.auth_revoke(test=True)["revoked"] is False
    assert client.auth_test()["ok"] is True
    assert client.auth_revoke()["revoked"] is True
    assert error_of(client.auth_test).response["error"] == "token_revoked"


def test_unknown_method(client: WebClient) -> None:
    assert error_of(lambda: client.api_call("chat.shout")).response["error"] == "unknown_method"


def test_invalid_blocks_are_refused_and_recorded(
    client: WebClient, slack_api: FakeSlackAPI
) -> None:
    bad = [{"type": "section"}, {"type": "sektion"}]
    answer = error_of(lambda: client.chat_postMessage(channel=CHANNEL, text="x", blocks=bad))
    assert answer.response["error"] == "invalid_blocks"
    assert "/blocks/1/type: unknown block type 'sektion'" in answer.response["errors"]
    assert "chat.postMessage: /blocks/1/type: unknown block type 'sektion'" in slack_api.invalid
    assert slack_api.message(CHANNEL, "") is None
    slack_api.invalid.clear()  # sent on purpose


def test_unparseable_blocks(client: WebClient, slack_api: FakeSlackAPI) -> None:
    answer = error_of(
        lambda: client.api_call(
            "chat.postMessage", params={"channel": CHANNEL, "blocks": '[{"type":'}
        )
    )
    assert answer.response["error"] == "invalid_blocks_format"


def test_invalid_view_is_refused_and_recorded(client: WebClient, slack_api: FakeSlackAPI) -> None:
    view = {**MODAL, "title": {"type": "plain_text", "text": "A title far too long for Slack"}}
    answer = error_of(lambda: client.views_open(trigger_id="1.2.abc", view=view)).response
    assert answer["error"] == "invalid_arguments"
    assert (
        "[ERROR] /title/text: longer than 24 characters (30) [json-pointer:/view]"
        in answer["response_metadata"]["messages"]
    )
    assert slack_api.invalid and all(e.startswith("views.open: ") for e in slack_api.invalid)
    slack_api.invalid.clear()


def test_fixture_fails_the_test_on_invalid_blocks() -> None:
    refused = pytest.raises(pytest.fail.Exception, match="unknown block type 'sektion'")
    with refused, running_fake_slack_api() as fake:
        fake.add_team(TEAM, bot_token=TOKEN)
        fake.add_channel(TEAM, CHANNEL)
        app_client = WebClient(base_url=fake.base_url, token=TOKEN)
        with pytest.raises(SlackApiError):  # an app swallowing this error still fails its test
            app_client.chat_postMessage(channel=CHANNEL, text="x", blocks=[{"type": "sektion"}])


# ----------------------------------------------------------------------- channels


def test_channel_membership(client: WebClient, slack_api: FakeSlackAPI) -> None:
    post = client.chat_postMessage
    assert error_of(lambda: post(channel=CLOSED, text="x")).response["error"] == "not_in_channel"
    assert (
        error_of(lambda: post(channel="C0NOWHERE", text="x")).response["error"]
        == "channel_not_found"
    )
    assert client.conversations_join(channel=CLOSED)["channel"]["is_member"] is True
    assert post(channel=CLOSED, text="now I can")["ok"] is True


def test_joining_a_private_channel_is_not_possible(
    client: WebClient, slack_api: FakeSlackAPI
) -> None:
    slack_api.add_channel(TEAM, "G0PRIVATE", is_private=True, bot_member=False)
    answer = error_of(lambda: client.conversations_join(channel="G0PRIVATE")).response
    assert answer["error"] == "method_not_supported_for_channel_type"


def test_dm_channels_are_stable_and_postable(client: WebClient, slack_api: FakeSlackAPI) -> None:
    first = client.conversations_open(users=ALICE)
    again = client.conversations_open(users=ALICE)
    other = client.conversations_open(users=BOB)
    dm = first["channel"]["id"]
    assert dm.startswith("D") and again["channel"]["id"] == dm != other["channel"]["id"]
    assert (first["already_open"], again["already_open"]) == (False, True)
    assert client.chat_postMessage(channel=dm, text="hello")["channel"] == dm
    assert client.chat_postMessage(channel=ALICE, text="to the user id")["channel"] == dm
    info = client.conversations_info(channel=dm)["channel"]
    assert (info["is_im"], info["user"]) == (True, ALICE)
    assert error_of(lambda: client.conversations_open(users="U0NOBODY1")).response["error"] == (
        "user_not_found"
    )


def test_ephemeral_update_delete(client: WebClient, slack_api: FakeSlackAPI) -> None:
    assert client.chat_postEphemeral(channel=CHANNEL, user=ALICE, text="psst")["message_ts"]
    answer = error_of(
        lambda: client.chat_postEphemeral(channel=CHANNEL, user="U0NOBODY1", text="x")
    )
    assert answer.response["error"] == "user_not_in_channel"
    ts = client.chat_postMessage(channel=CHANNEL, text="draft")["ts"]
    client.chat_update(channel=CHANNEL, ts=ts, text="final", blocks=SECTION)
    assert slack_api.message(CHANNEL, ts)["blocks"] == SECTION
    client.chat_delete(channel=CHANNEL, ts=ts)
    assert slack_api.message(CHANNEL, ts) is None
    gone = error_of(lambda: client.chat_update(channel=CHANNEL, ts=ts, text="again"))
    assert gone.response["error"] == "message_not_found"


# ----------------------------------------------------------------------- views


def test_views_open_answers_with_the_view_and_spends_the_trigger(
    client: WebClient, slack_api: FakeSlackAPI
) -> None:
    trigger = slack_api.new_trigger_id()
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V") and view["root_view_id"] == view["id"]
    assert (view["callback_id"], view["blocks"], view["state"]) == (
        "assess",
        SECTION,
        {"values": {}},
    )
    assert view["hash"]
    again = error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL))
    assert again.response["error"] == "expired_trigger_id"


def test_trigger_ids_expire_after_three_seconds(client: WebClient, slack_api: FakeSlackAPI) -> None:
    start = time.time()
    slack_api.clock = lambda: start
    trigger = slack_api.new_trigger_id()
    slack_api.clock = lambda: start + 3.5
    answer = error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL))
    assert answer.response["error"] == "expired_trigger_id"


def test_a_modal_stack_holds_three_views(client: WebClient, slack_api: FakeSlackAPI) -> None:
    root = client.views_open(trigger_id=slack_api.new_trigger_id(), view=MODAL)["view"]
    pushed = []
    for _ in range(2):
        trigger = slack_api.new_trigger_id(view_id=(pushed or [root])[-1]["id"])
        pushed.append(client.views_push(trigger_id=trigger, view=MODAL)["view"])
    assert pushed[0]["previous_view_id"] == root["id"]
    assert pushed[1]["previous_view_id"] == pushed[0]["id"]
    assert pushed[1]["root_view_id"] == root["id"]
    trigger = slack_api.new_trigger_id(view_id=pushed[-1]["id"])
    full = error_of(lambda: client.views_push(trigger_id=trigger, view=MODAL))
    assert full.response["error"] == "push_limit_reached"


def test_views_update(client: WebClient, slack_api: FakeSlackAPI) -> None:
    opened = client.views_open(
        trigger_id=slack_api.new_trigger_id(), view={**MODAL, "external_id": "assess-1"}
    )["view"]
    done = [{"type": "section", "text": {"type": "mrkdwn", "text": "Done"}}]
    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view={**MODAL, "blocks": done}
    )
    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    assert slack_api.view(opened["id"])["blocks"] == done
    stale = error_of(
        lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)
    )
    assert stale.response["error"] == "hash_conflict"
    by_external = client.views_update(external_id="assess-1", view=MODAL)["view"]
    assert by_external["id"] == opened["id"]
    unknown = error_of(lambda: client.views_update(view_id="V0NOTHING", view=MODAL))
    assert unknown.response["error"] == "not_found"
    both = {"view_id": opened["id"], "external_id": "assess-1", "view": MODAL}
    refused = error_of(lambda: client.api_call("views.update", json=both)).response
    assert refused["error"] == "invalid_arguments"


def test_views_publish_sets_the_users_home(client: WebClient, slack_api: FakeSlackAPI) -> None:
    first = client.views_publish(user_id=ALICE, view=HOME)["view"]
    assert first["type"] == "home"
    assert slack_api.home_view(TEAM, ALICE)["blocks"] == SECTION
    assert client.views_publish(user_id=ALICE, view=HOME)["view"]["id"] == first["id"]
    assert slack_api.home_view(TEAM, BOB) is None
    answer = error_of(lambda: client.views_publish(user_id="U0NOBODY1", view=HOME))
    assert answer.response["error"] == "user_not_found"


# ----------------------------------------------------------------------- faults


def test_ratelimited_then_retried_after_retry_after(slack_api: FakeSlackAPI) -> None:
    slack_api.add_team(TEAM, bot_token=TOKEN)
    slack_api.add_channel(TEAM, CHANNEL)
    slack_api.fail("chat.postMessage", retry_after=1)
    patient = WebClient(
        base_url=slack_api.base_url,
        token=TOKEN,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    started = time.monotonic()
    assert patient.chat_postMessage(channel=CHANNEL, text="hi")["ok"] is True
    assert time.monotonic() - started >= 1.0
    assert len(slack_api.calls_to("chat.postMessage")) == 2


def test_ratelimited_answer_is_429_with_retry_after(
    client: WebClient, slack_api: FakeSlackAPI
) -> None:
    slack_api.fail("users.info", retry_after=7)
    answer = error_of(lambda: client.users_info(user=ALICE)).response
    assert (answer.status_code, answer["error"], answer.headers["Retry-After"]) == (
        429,
        "ratelimited",
        "7",
    )
    assert client.users_info(user=ALICE)["ok"] is True  # times=1


def test_server_error(client: WebClient, slack_api: FakeSlackAPI) -> None:
    slack_api.fail("auth.test", status=500)
    answer = error_of(client.auth_test).response
    assert (answer.status_code, answer["error"]) == (500, "internal_error")
    assert client.auth_test()["ok"] is True


def test_ok_false_error_until_reset(client: WebClient, slack_api: FakeSlackAPI) -> None:
    slack_api.fail("chat.postMessage", "channel_not_found", times=None)
    for _ in range(2):
        answer = error_of(lambda: client.chat_postMessage(channel=CHANNEL, text="x")).response
        assert (answer.status_code, answer["error"]) == (200, "channel_not_found")
    slack_api.reset()
    assert slack_api.calls == []
    assert error_of(client.auth_test).response["error"] == "invalid_auth"  # workspace forgotten


def test_slow_reply_hits_the_clients_timeout(slack_api: FakeSlackAPI) -> None:
    slack_api.add_team(TEAM, bot_token=TOKEN)
    slack_api.delay("auth.test", 1.0)
    impatient = WebClient(base_url=slack_api.base_url, token=TOKEN, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        impatient.auth_test()
    assert time.monotonic() - started < 0.9
    slack_api.delay("auth.test", 0.2)
    started = time.monotonic()
    assert WebClient(base_url=slack_api.base_url, token=TOKEN, timeout=2).auth_test()["ok"]
    assert time.monotonic() - started >= 0.2


def test_channel_rate_enforcement(client: WebClient, slack_api: FakeSlackAPI) -> None:
    other = "C0OTHER01"
    slack_api.add_channel(TEAM, other)
    start = time.time()
    slack_api.clock = lambda: start
    slack_api.enforce_channel_rate(per_second=1.0)
    assert client.chat_postMessage(channel=CHANNEL, text="1")["ok"]
    answer = error_of(lambda: client.chat_postMessage(channel=CHANNEL, text="2")).response
    assert (answer.status_code, answer["error"], answer.headers["Retry-After"]) == (
        429,
        "ratelimited",
        "1",
    )
    assert client.chat_postMessage(channel=other, text="elsewhere")["ok"]
    slack_api.clock = lambda: start + 1.01
    assert client.chat_postMessage(channel=CHANNEL, text="3")["ok"]


def test_calls_are_recorded_from_many_threads(client: WebClient, slack_api: FakeSlackAPI) -> None:
    stamps: list[str] = []

    def post(n: int) -> None:
        for i in range(5):
            stamps.append(client.chat_postMessage(channel=CHANNEL, text=f"{n}-{i}")["ts"])

    threads = [threading.Thread(target=post, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(slack_api.calls_to("chat.postMessage")) == 30
    assert len(set(stamps)) == 30


# ----------------------------------------------------------------------- files


def test_upload_flow_end_to_end(client: WebClient, slack_api: FakeSlackAPI) -> None:
    answer = client.files_upload_v2(
        channel=CHANNEL,
        content=b"col1,col2\n1,2\n",
        filename="scores.csv",
        title="Scores",
        initial_comment="Here you go",
    )
    stored = slack_api.file(answer["file"]["id"])
    assert stored is not None
    assert (stored.content, stored.filename, stored.length) == (
        b"col1,col2\n1,2\n",
        "scores.csv",
        14,
    )
    assert (stored.title, stored.channel_id, stored.initial_comment, stored.completed) == (
        "Scores",
        CHANNEL,
        "Here you go",
        True,
    )
    methods = [c.method for c in slack_api.calls]
    assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_upload_accepts_multipart_and_complete_checks_it(
    client: WebClient, slack_api: FakeSlackAPI
) -> None:
    got = client.files_getUploadURLExternal(filename="a.txt", length=5)
    files = [{"id": got["file_id"], "title": "A"}]
    early = error_of(lambda: client.files_completeUploadExternal(files=files))
    assert early.response["error"] == "file_not_found"
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(
        got["upload_url"],
        body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.read() == b"OK - 5"
    assert slack_api.file(got["file_id"]).content == b"hello"
    refused = error_of(lambda: client.files_completeUploadExternal(files=files, channel_id=CLOSED))
    assert refused.response["error"] == "not_in_channel"
    assert client.files_completeUploadExternal(files=files)["files"] == files


# ----------------------------------------------------------------------- response_url


def test_response_url_five_uses(slack_api: FakeSlackAPI) -> None:
    hook = WebhookClient(slack_api.response_url(TEAM, CHANNEL))
    first = hook.send(text="Working on it", response_type="ephemeral", replace_original=True)
    assert (first.status_code, json.loads(first.body)) == (200, {"ok": True})
    for _ in range(4):
        assert hook.send(text="again").status_code == 200
    sixth = hook.send(text="one too many")
    assert (sixth.status_code, json.loads(sixth.body)["error"]) == (404, "used_url")
    recorded = slack_api.calls_to("response_url")
    assert len(recorded) == 6 and recorded[0].team_id == TEAM
    assert recorded[0].params == {
        "text": "Working on it",
        "response_type": "ephemeral",
        "replace_original": True,
    }


def test_response_url_expires_after_thirty_minutes(slack_api: FakeSlackAPI) -> None:
    start = time.time()
    slack_api.clock = lambda: start
    hook = WebhookClient(slack_api.response_url(TEAM, CHANNEL))
    slack_api.clock = lambda: start + 30 * 60 + 1
    answer = hook.send(text="late")
    assert (answer.status_code, json.loads(answer.body)["error"]) == (404, "expired_url")


def test_response_url_checks_blocks_and_text(slack_api: FakeSlackAPI) -> None:
    hook = WebhookClient(slack_api.response_url(TEAM, CHANNEL))
    assert hook.send(delete_original=True).status_code == 200
    empty = hook.send(response_type="ephemeral")
    assert (empty.status_code, json.loads(empty.body)["error"]) == (400, "no_text")
    bad = hook.send(text="x", blocks=[{"type": "sektion"}])
    assert (bad.status_code, json.loads(bad.body)["error"]) == (400, "invalid_blocks")
    assert slack_api.invalid == ["response_url: /blocks/0/type: unknown block type 'sektion'"]
    slack_api.invalid.clear()


# ----------------------------------------------------------------------- OAuth


def test_oauth_v2_access(client: WebClient, slack_api: FakeSlackAPI) -> None:
    slack_api.set_oauth_client("111.222", "shh")
    slack_api.add_oauth_code("code-1", team_id=TEAM, user_id=ALICE, scope="commands,chat:write")
    anonymous = WebClient(base_url=slack_api.base_url, retry_handlers=[])
    grant = anonymous.oauth_v2_access(client_id="111.222", client_secret="shh", code="code-1")
    assert grant["access_token"] == TOKEN
    assert grant["token_type"] == "bot"
    assert grant["bot_user_id"] == "U0BOT"
    assert grant["team"] == {"id": TEAM, "name": "Acme Corp"}
    assert grant["authed_user"] == {"id": ALICE}
    assert grant["scope"] == "commands,chat:write"
    assert grant["app_id"].startswith("A")
    reused = error_of(
        lambda: anonymous.oauth_v2_access(client_id="111.222", client_secret="shh", code="code-1")
    )
    assert reused.response["error"] == "invalid_code"
    slack_api.add_oauth_code("code-2", team_id=TEAM, user_id=ALICE)
    wrong = error_of(
        lambda: anonymous.oauth_v2_access(client_id="111.222", client_secret="no", code="code-2")
    )
    assert wrong.response["error"] == "bad_client_secret"


def test_apps_uninstall_revokes_the_workspaces_tokens(
    client: WebClient, slack_api: FakeSlackAPI
) -> None:
    slack_api.set_oauth_client("111.222", "shh")
    assert client.apps_uninstall(client_id="111.222", client_secret="shh")["ok"] is True
    assert error_of(client.auth_test).response["error"] == "token_revoked"


def test_apps_connections_open_answers_the_app_token_only(client, slack_api) -> None:
    """Socket Mode's first call: the app-level token gets a WebSocket URL; Slack refuses a bot
    token there, and an unknown or missing token as anywhere else."""
    slack_api.add_app_token("xapp-1-A0APP0001-1-secret", "ws://127.0.0.1:1/link/")
    opened = client.apps_connections_open(app_token="xapp-1-A0APP0001-1-secret")
    assert opened["url"].startswith("ws://127.0.0.1:1/link/?ticket=")

    def refusal(token: str | None) -> str:
        caller = WebClient(base_url=slack_api.base_url, token=token, retry_handlers=[])
        return error_of(lambda: caller.api_call("apps.connections.open")).response["error"]

    assert refusal(TOKEN) == "not_allowed_token_type"
    assert refusal("xapp-1-A0APP0001-2-unknown") == "invalid_auth"
    assert refusal(None) == "not_authed"


def test_conversations_history_reads_like_slack(client: WebClient) -> None:
    """Newest first, after ``oldest`` only, thread replies left out, paged by cursor, and a
    private channel the bot is not in cannot be read (what a result's read-back relies on)."""
    first = client.chat_postMessage(channel=CHANNEL, text="one")
    second = client.chat_postMessage(channel=CHANNEL, text="two")
    client.chat_postMessage(channel=CHANNEL, text="reply", thread_ts=second["ts"])
    third = client.chat_postMessage(channel=CHANNEL, text="three")
    page = client.conversations_history(channel=CHANNEL)
    assert [m["text"] for m in page["messages"]] == ["three", "two", "one"]
    errors = spec_errors("conversations.history", page.data)
    assert [e for e in errors if "'response_metadata' was unexpected" not in e] == []
    after = client.conversations_history(channel=CHANNEL, oldest=first["ts"])
    assert [m["ts"] for m in after["messages"]] == [third["ts"], second["ts"]]
    one = client.conversations_history(channel=CHANNEL, limit=1)
    assert one["has_more"] and one["response_metadata"]["next_cursor"]
    rest = client.conversations_history(
        channel=CHANNEL, limit=5, cursor=one["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["two", "one"]
    assert (
        error_of(lambda: client.conversations_history(channel="C0NOWHERE")).response["error"]
        == "channel_not_found"
    )


# ----------------------------------------------------------------------- threads and permalinks


def test_conversations_replies_and_get_permalink_like_slack(
    client: WebClient, slack_api: FakeSlackAPI
) -> None:
    assert required_params()["conversations.replies"] == ("channel", "ts")
    assert required_params()["chat.getPermalink"] == ("channel", "message_ts")
    root = slack_api.add_message(TEAM, CHANNEL, ALICE, "Buy or build?")
    replies = [
        slack_api.add_message(TEAM, CHANNEL, BOB, f"reply {n}", thread_ts=root) for n in range(3)
    ]
    slack_api.add_message(TEAM, CHANNEL, BOB, "elsewhere")  # not in the thread
    first = client.conversations_replies(channel=CHANNEL, ts=root, limit=2)
    assert [m["ts"] for m in first["messages"]] == [root, replies[0]]
    assert first["messages"][0]["reply_count"] == 3 and first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_replies(channel=CHANNEL, ts=root, limit=2, cursor=cursor)
    assert [m["ts"] for m in rest["messages"]] == replies[1:] and rest["has_more"] is False
    assert spec_errors("conversations.replies", rest.data) == []
    # A message without replies is answered alone.
    lone = slack_api.add_message(TEAM, CHANNEL, ALICE, "no replies")
    assert [
        m["ts"] for m in client.conversations_replies(channel=CHANNEL, ts=lone)["messages"]
    ] == [lone]
    link = client.chat_getPermalink(channel=CHANNEL, message_ts=replies[0])
    assert spec_errors("chat.getPermalink", link.data) == []
    assert link["permalink"] == (
        f"https://acme.slack.com/archives/{CHANNEL}/p{replies[0].replace('.', '')}"
        f"?thread_ts={root}&cid={CHANNEL}"
    )
    parent = client.chat_getPermalink(channel=CHANNEL, message_ts=root)["permalink"]
    assert parent.endswith(f"/p{root.replace('.', '')}")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.conversations_replies(channel=CHANNEL, ts="1.000001"), "thread_not_found"),
        (lambda c: c.conversations_replies(channel="C0NOWHERE", ts="1.1"), "channel_not_found"),
        (
            lambda c: c.api_call("conversations.replies", params={"channel": CHANNEL}),
            "invalid_arguments",
        ),
        (
            lambda c: c.chat_getPermalink(channel=CHANNEL, message_ts="1.000001"),
            "message_not_found",
        ),
        (
            lambda c: c.api_call("chat.getPermalink", params={"channel": CHANNEL}),
            "invalid_arguments",
        ),
    ],
)
def test_thread_reads_fail_like_slack(client: WebClient, call: Any, error: str) -> None:
    assert error_of(lambda: call(client)).response["error"] == error


def test_a_private_channel_the_bot_is_not_in_cannot_be_read(
    client: WebClient, slack_api: FakeSlackAPI
) -> None:
    slack_api.add_channel(TEAM, "G0PRIVATE1", is_private=True, bot_member=False)
    ts = slack_api.add_message(TEAM, "G0PRIVATE1", ALICE, "secret plan")
    found = error_of(lambda: client.conversations_replies(channel="G0PRIVATE1", ts=ts))
    assert found.response["error"] == "channel_not_found"
