"""Helpers for the fault and abuse suite (``test_abuse_*``, ``test_faults_*``); no tests here.

- :func:`row_counts`: every table's row count in one query, to show that nothing was written;
- :func:`call_wsgi`: one request through ``bot.web.make_wsgi_app`` in this process (the
  production edge checks, then Bolt), thousands of times faster than a socket;
- :func:`assert_clean`: no stack trace, exception name or secret in what a user could see;
- :func:`running_web`: ``python -m bot web`` (gunicorn) in a subprocess, as Slack reaches it
  (:func:`running_bot`: any ``python -m bot`` command);
- hypothesis strategies for junk bodies and payloads, and :func:`forged_headers`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from bot.models import Base
from tests.conftest import BOT_TOKEN, CHANNEL, SIGNING_SECRET, TEAM, USER
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_api import FakeSlackAPI, running_fake_slack_api
from tests.slack_requests import block_actions, button, event_callback, sign, slash_command

ROOT = Path(__file__).resolve().parent.parent

# What must never reach a user: a trace, an exception's module path, a driver's message, secrets.
LEAKS = (
    "Traceback",
    'File "/',
    "sqlalchemy",
    "psycopg",
    "slack_bolt",
    "slack_sdk.errors",
    "IntegrityError",
    "OperationalError",
    "KeyError",
    "TypeError",
    "AttributeError",
    "ValueError",
    "Internal Server Error",
    SIGNING_SECRET,
    BOT_TOKEN,
)


def row_counts(session: Session) -> dict[str, int]:
    """Every table of the schema and its number of rows, read in one statement."""
    tables = Base.metadata.sorted_tables
    query = union_all(*(select(literal(t.name), func.count()).select_from(t) for t in tables))
    return {name: count for name, count in session.execute(query)}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def call_wsgi(
    wsgi: Callable[..., Iterable[bytes]],
    body: bytes,
    headers: dict[str, str],
    *,
    method: str = "POST",
    path: str = "/slack/events",
    query: str = "",
    client: str = "127.0.0.1",
    response_headers: list[tuple[str, str]] | None = None,
) -> tuple[int, str]:
    """One request through a WSGI app, as gunicorn hands it over; (status, body text).

    ``client`` is the caller's address; the answer's headers are added to ``response_headers``.
    """
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "3000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": client,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers.items():
        if name.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    statuses: list[str] = []

    def start_response(status: str, headers: list, _exc_info: object = None) -> None:
        statuses.append(status)
        if response_headers is not None:
            response_headers.extend(headers)

    chunks = wsgi(environ, start_response)
    try:
        text = b"".join(chunks).decode("utf-8", "replace")
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return int(statuses[0].split()[0]), text


def assert_clean(text: str, where: str = "reply") -> None:
    leaked = [marker for marker in LEAKS if marker in text]
    assert not leaked, f"{where} leaks {leaked}: {text[:500]!r}"


def sent_to_slack(slack_api: FakeSlackAPI) -> list[str]:
    """Everything the app sent to Slack (messages, views, response_url posts) as text."""
    return [json.dumps(call.params, default=str) for call in slack_api.calls]


def assert_nothing_leaked_to_slack(slack_api: FakeSlackAPI) -> None:
    for sent in sent_to_slack(slack_api):
        assert_clean(sent, "a message or view sent to Slack")


# --------------------------------------------------------------------------- a real server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(
    base: str, process: subprocess.Popen, seconds: float = 30, log: Path | None = None
) -> None:
    """Until ``base``/healthz answers 200; a process that exits first fails, with its output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {_output(process, log)}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"server did not become healthy: {_output(process, log)}")


def _output(process: subprocess.Popen, log: Path | None) -> str:
    if log is not None:
        return log.read_text()[-2000:]
    if process.poll() is not None and process.stderr is not None:
        return str(process.stderr.read())[-2000:]
    return "(still running)"


@contextlib.contextmanager
def running_bot(
    fake: FakeSlackAPI,
    database_url: str,
    workdir: Path,
    command: Sequence[str],
    ready: Callable[[subprocess.Popen, Path], None],
    **env: str,
) -> Iterator[Path]:
    """``python -m bot *command`` against ``fake``, once ``ready(process, log)`` returns; yields
    its log file. Stopped (killed if it must be) on the way out; never leaks secrets.

    The process gets only the settings given here (none of the developer's own).
    """
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "OPENAI_", "DATABASE_URL"))
    }
    environ.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_BASE_URL=fake.base_url,
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        **env,
    )
    fd, name = tempfile.mkstemp(
        prefix=f"{command[0] if command else 'bot'}-", suffix=".log", dir=workdir
    )
    log = Path(name)
    with os.fdopen(fd, "w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", *command],
            env=environ,
            cwd=workdir,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        ready(process, log)
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    output = log.read_text()
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output


@contextlib.contextmanager
def running_web(
    fake: FakeSlackAPI, database_url: str, workdir: Path, **env: str
) -> Iterator[tuple[str, Path]]:
    """``python -m bot web`` (gunicorn) against ``fake``; yields (base URL, log file)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def healthy(process: subprocess.Popen, log: Path) -> None:
        wait_for_health(base, process, 30, log)

    with running_bot(fake, database_url, workdir, ["web"], healthy, PORT=str(port), **env) as log:
        yield base, log


@contextlib.contextmanager
def running_web_with_llm(
    workdir: Path, users: Sequence[str] = (USER,), **env: str
) -> Iterator[tuple[str, FakeSlackAPI, FakeOpenAI, Path]]:
    """``python -m bot web`` on SQLite in ``workdir``, against a fake Slack workspace (TEAM,
    CHANNEL, ``users``) and a fake OpenAI; yields (base URL, Slack, OpenAI, log file)."""
    llm = FakeOpenAI().start()
    try:
        with running_fake_slack_api() as fake:
            fake.add_team(TEAM, bot_token=BOT_TOKEN)
            fake.add_channel(TEAM, CHANNEL)
            for user in users:
                fake.add_user(TEAM, user)
            database = f"sqlite:///{workdir / 'web.db'}"
            keys = {"OPENAI_API_KEY": llm.api_key, "OPENAI_BASE_URL": llm.base_url}
            with running_web(fake, database, workdir, **keys, **env) as (base, log):
                yield base, fake, llm, log
    finally:
        llm.stop()


def wait_until(check: Callable[[], bool], seconds: float = 10, every: float = 0.05) -> bool:
    """Poll ``check`` until it is true or ``seconds`` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(every)


# --------------------------------------------------------------------------- hypothesis

FORM = "application/x-www-form-urlencoded"
NON_ADMIN = USER  # a member of the workspace, not an admin (conftest's slack_settings)
JUNK_USER = "U0NOBODY1"  # not in the workspace at all
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
slack_types = st.sampled_from(
    [
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
        "interactive_message",
        "dialog_submission",
        "workflow_step_edit",
        "event_callback",
        "url_verification",
        "app_rate_limited",
        "",
        "block_actions ",
    ]
)
# Places Bolt reads ids from; a junk value there must not crash anything. A string team id is
# always TEAM: any other would be a new team, whose first-sight row is legitimate.
team_shapes = st.one_of(
    st.just({"id": TEAM, "domain": "acme"}),
    st.just(TEAM),
    st.none(),
    st.integers(),
    st.lists(json_leaf, max_size=2),
    st.dictionaries(st.sampled_from(["domain", "name"]), json_leaf),
)
user_shapes = st.one_of(
    st.builds(
        lambda uid: {"id": uid, "team_id": TEAM},
        st.sampled_from([NON_ADMIN, JUNK_USER, "", "U" + "9" * 40]),
    ),
    json_value,
)


@st.composite
def junk_payloads(draw: st.DrawFn) -> dict[str, Any]:
    """A payload with a real Slack type (or a near miss) and junk in every other field."""
    payload: dict[str, Any] = {"type": draw(slack_types)}
    payload.update(
        draw(
            st.dictionaries(
                st.sampled_from(
                    [
                        "actions",
                        "view",
                        "callback_id",
                        "trigger_id",
                        "response_url",
                        "container",
                        "channel",
                        "message",
                        "state",
                        "submission",
                        "value",
                        "action_id",
                        "block_id",
                        "api_app_id",
                        "token",
                        "event",
                        "challenge",
                        "enterprise",
                        "is_enterprise_install",
                        "private_metadata",
                    ]
                ),
                json_value,
                max_size=6,
            )
        )
    )
    payload["team"] = draw(team_shapes)
    payload["user"] = draw(user_shapes)
    if draw(st.booleans()):
        payload["authorizations"] = draw(
            st.one_of(
                st.just([{"team_id": TEAM, "user_id": "U0BOT", "is_bot": True}]),
                st.lists(json_value, max_size=2),
            )
        )
    return payload


@st.composite
def junk_forms(draw: st.DrawFn) -> str:
    """A form body with Slack's field names (and others), junk values; team_id is TEAM."""
    keys = st.sampled_from(
        [
            "command",
            "text",
            "team_id",
            "user_id",
            "channel_id",
            "payload",
            "ssl_check",
            "trigger_id",
            "response_url",
            "api_app_id",
            "token",
            "enterprise_id",
            "team_domain",
            "x",
        ]
    )
    pairs = draw(st.lists(st.tuples(keys, st.text(max_size=60)), max_size=8))
    pairs = [(k, TEAM if k == "team_id" else v) for k, v in pairs]
    if draw(st.booleans()):  # aim at the real command with a junk subcommand and junk ids
        pairs.append(("command", "/buildvsbuy"))
    return urlencode(pairs)


raw_bodies = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=600).map(str.encode),
    junk_forms().map(str.encode),
    junk_payloads().map(lambda p: urlencode({"payload": json.dumps(p)}).encode()),
    json_value.map(lambda v: json.dumps(v).encode()),
)
content_types = st.sampled_from(
    [
        FORM,
        "application/json",
        "text/plain",
        "",
        "multipart/form-data",
        "application/json; charset=utf-8",
    ]
)


def realistic_bodies() -> st.SearchStrategy[bytes]:
    """Requests Slack could really send: the ones a forger would most like to replay."""
    return st.sampled_from(
        [
            slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL),
            slash_command("settings", team_id=TEAM, user_id=USER, channel_id=CHANNEL),
            slash_command("decide Buy it", team_id=TEAM, user_id=USER, channel_id=CHANNEL),
            block_actions(
                [button("decisions.page.next", "2")], team_id=TEAM, user_id=USER, channel_id=CHANNEL
            ),
            event_callback({"type": "app_uninstalled"}, team_id=TEAM),
        ]
    ).map(str.encode)


# --------------------------------------------------------------------------- signatures

FORGERIES = (
    "missing",
    "no_signature",
    "no_timestamp",
    "wrong_secret",
    "stale",
    "future",
    "odd_timestamp",
    "other_body",
    "v1",
    "truncated",
    "upper_case",
)


def forged_headers(body: bytes, how: str, skew: int, odd: str) -> dict[str, str]:
    """Slack's two headers for ``body``, spoiled as ``how`` says (one of FORGERIES)."""
    now = int(time.time())
    text = body.decode("utf-8", "replace")
    good = sign(text, SIGNING_SECRET, now)
    if how == "missing":
        return {}
    if how == "no_signature":
        return {"X-Slack-Request-Timestamp": str(now)}
    if how == "no_timestamp":
        return {"X-Slack-Signature": good["X-Slack-Signature"]}
    if how == "wrong_secret":
        return sign(text, SIGNING_SECRET[::-1], now)
    if how == "stale":
        return sign(text, SIGNING_SECRET, now - 301 - skew)
    if how == "future":
        return sign(text, SIGNING_SECRET, now + 301 + skew)
    if how == "odd_timestamp":
        return {"X-Slack-Request-Timestamp": odd, "X-Slack-Signature": good["X-Slack-Signature"]}
    if how == "other_body":
        return sign(text + " ", SIGNING_SECRET, now)
    if how == "v1":
        return {**good, "X-Slack-Signature": "v1=" + good["X-Slack-Signature"][3:]}
    if how == "truncated":
        return {**good, "X-Slack-Signature": good["X-Slack-Signature"][:-1]}
    return {**good, "X-Slack-Signature": good["X-Slack-Signature"].upper()}
