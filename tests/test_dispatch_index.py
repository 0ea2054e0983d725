"""The app runs only the listeners a request can match (``bot.app.ListenerIndex``), and
reaches exactly the listener Bolt's own dispatch would have reached, with the same answer.

Bolt's ``App.dispatch`` called on the same app, outside ``FairApp.dispatch``, iterates every
listener: that is the reference. The listener is not run (a recorder stands in for Bolt's
listener runner), so both dispatches see the same state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener import Listener
from slack_bolt.listener.custom_listener import CustomListener
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
from slack_bolt.listener_matcher.custom_listener_matcher import CustomListenerMatcher
from slack_bolt.request.payload_utils import is_event

from bot.app import EventsOnly, FairApp, ListenerIndex, bolt_reads
from tests.conftest import SIGNING_SECRET, TEAM, USER
from tests.slack_requests import (
    block_actions,
    button,
    content_type_of,
    event_callback,
    sign,
    slash_command,
    view_closed,
    view_submission,
)
from tests.support.abuse import FUZZ, junk_payloads
from tests.support.production import CASES, Reply, World

PAYLOADS = Path(__file__).parent / "data" / "slack-payloads"
NOT_REQUESTS = {"LICENSE.bolt-python", "signature_test_vector.json"}


class Recorder:
    """Bolt's listener runner, replaced: notes the listener Bolt hands it, runs nothing."""

    def __init__(self, runner: Any) -> None:
        self._runner = runner
        self.reached: list[Listener] = []

    def run(self, *, request: BoltRequest, response: BoltResponse, **named: Any) -> BoltResponse:
        self.reached.append(named["listener"])
        return BoltResponse(status=200, body="run")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runner, name)


class StubWorld(World):
    """The production registry's World without a running app: set-up requests are not sent,
    ids and modals are made up (only the requests' shapes matter here)."""

    def sent_ok(self, body: str) -> Reply:
        return Reply(acked=True, seconds=0.0, payload=None)

    def query(self, sql: str) -> Any:
        return 1

    def decision_id(self) -> int:
        return 1

    def assessment_id(self) -> int:
        return 1

    def round_id(self) -> int:
        return 1

    def opened(self, callback: str, body: str) -> dict[str, Any]:
        from tests.slack_requests import submitted_view

        return submitted_view(callback, {}, team_id=TEAM, view_id="V0STUB", private_metadata="{}")


def _registry_bodies(slack_api: Any, tmp_path: Path) -> list[tuple[str, str]]:
    world = StubWorld(
        fake=slack_api,
        transport=lambda body: Reply(acked=True, seconds=0.0, payload=None),
        database=tmp_path / "none.db",
        log=tmp_path / "none.log",
        mode="http",
    )
    return [(case.listener, case.request(world)) for case in CASES]


def _fixture_bodies() -> Iterator[tuple[str, str | dict[str, Any]]]:
    for path in sorted(PAYLOADS.iterdir()):
        if path.name in NOT_REQUESTS:
            continue
        loaded = path.read_text()
        if path.name == "socket_mode_envelopes.json":
            for n, envelope in enumerate(json.loads(loaded)):
                yield f"{path.name}[{n}]", envelope["payload"]
        else:
            yield path.name, loaded if path.suffix == ".txt" else json.loads(loaded)


def _crafted_bodies() -> Iterator[tuple[str, str | dict[str, Any]]]:
    """Near misses and shapes Bolt's own matchers raise on."""
    ids: dict[str, Any] = {"team_id": TEAM, "user_id": USER}
    yield "other command", slash_command("help", channel_id="C1", command="/other", **ids)
    yield "unknown action", block_actions([button("nobody.listens", "x")], channel_id="C1", **ids)
    yield "a view's id as action", block_actions([button("settings", "x")], channel_id="C1", **ids)
    yield "closed view", view_closed("settings", **ids)
    yield "unknown view", view_submission("nobody.listens", {}, **ids)
    yield "message subtype", event_callback({"type": "message", "subtype": "x"}, team_id=TEAM)
    yield "unknown event", event_callback({"type": "reaction_added"}, team_id=TEAM)
    base: dict[str, Any] = {"team": {"id": TEAM}, "user": {"id": USER, "team_id": TEAM}}
    yield "no actions", base | {"type": "block_actions", "actions": []}
    yield "action without id", base | {"type": "block_actions", "actions": [{"value": "x"}]}
    yield "actions not a list", base | {"type": "block_actions", "actions": {"a": 1}}
    # Shapes only Bolt's keyword injection trips on (every matcher call builds ``action``, ``step``)
    yield (
        "attachment action without actions",
        base | {"type": "interactive_message", "callback_id": "x"},
    )
    yield (
        "a listener's, without actions",
        base
        | {
            "type": "interactive_message",
            "callback_id": "decisions.page.next",
        },
    )
    yield "view without type", base | {"type": "view_submission", "view": {"callback_id": "x"}}
    yield "view without id", base | {"type": "view_submission", "view": {"id": "V1"}}
    yield "view as text", base | {"type": "view_submission", "view": "callback_id"}
    yield "view as null", base | {"type": "view_closed", "view": None}
    yield "event as text", base | {"type": "event_callback", "event": "type"}
    yield "numeric ids", base | {"type": "shortcut", "callback_id": 5, "action_id": ["x"]}
    yield "command and payload ids", {"command": "/buildvsbuy", "callback_id": "settings"}
    yield "suggestion", base | {"type": "block_suggestion", "action_id": "settings"}
    yield "dialog", base | {"type": "dialog_submission", "callback_id": "decisions.save"}


def _request(body: str | dict[str, Any]) -> BoltRequest:
    if isinstance(body, dict):
        return BoltRequest(body=body, mode="socket_mode")
    return BoltRequest(body=body, headers={"content-type": content_type_of(body)})


def _signed(body: str) -> BoltRequest:
    headers = {"content-type": content_type_of(body), **sign(body, SIGNING_SECRET)}
    return BoltRequest(body=body, headers=headers)


def _outcome(dispatch: Callable[[BoltRequest], BoltResponse], recorder: Recorder, body: Any):
    recorder.reached.clear()
    try:
        resp = dispatch(_request(body))
    except Exception as exc:  # noqa: BLE001 - Bolt's error handler raised again: compare that
        return [id(x) for x in recorder.reached], type(exc).__name__, str(exc)
    return [id(x) for x in recorder.reached], resp.status, resp.body


@pytest.fixture
def bare_listeners(app: FairApp) -> Recorder:
    """The registered app with only its listeners: no global middleware (whose effects, an
    event claimed, would differ between two dispatches), a recorder for the runner."""
    app._middleware_list = []
    recorder = Recorder(app._listener_runner)
    app._listener_runner = recorder  # type: ignore[assignment]
    return recorder


def _same_as_bolt(app: FairApp, recorder: Recorder, name: str, body: Any) -> None:
    ours = _outcome(app.dispatch, recorder, body)
    bolts = _outcome(lambda req: App.dispatch(app, req), recorder, body)
    assert ours == bolts, f"{name}: reached {ours}, Bolt reached {bolts}"


def test_every_sample_request_reaches_the_listener_bolt_reaches(
    app: FairApp, bare_listeners: Recorder, slack_api: Any, tmp_path: Path
) -> None:
    registry = _registry_bodies(slack_api, tmp_path)
    for name, body in [*registry, *_fixture_bodies(), *_crafted_bodies()]:
        _same_as_bolt(app, bare_listeners, name, body)
        # Each registry case is for a listener (the Assistant's run in its middleware, stripped
        # here): the comparison is not between two misses.
        if (name, body) in registry and not name.startswith("assistant:"):
            assert bare_listeners.reached, f"{name}: no listener reached"


@FUZZ
@given(payload=junk_payloads())
def test_junk_payloads_reach_what_bolt_reaches(
    app: FairApp, bare_listeners: Recorder, payload: dict[str, Any]
) -> None:
    try:
        _request(payload)
    except Exception:  # noqa: BLE001 - Bolt refuses to build it: never dispatched
        return
    _same_as_bolt(app, bare_listeners, json.dumps(payload)[:200], payload)


class MatcherCalls:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        for cls in (BuiltinListenerMatcher, CustomListenerMatcher):
            monkeypatch.setattr(cls, "matches", self._counting(cls.matches))

    def _counting(self, matches: Callable[..., bool]) -> Callable[..., bool]:
        def counted(matcher: Any, req: BoltRequest, resp: BoltResponse) -> bool:
            self.count += 1
            return matches(matcher, req, resp)

        return counted


def test_a_request_runs_the_matchers_of_its_own_listener_only(
    app: FairApp, slack_api: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the global middleware (the Assistant's included) and only the listener not run:
    one matcher call for a command, click or submission; an event adds the Assistant's."""
    recorder = Recorder(app._listener_runner)
    app._listener_runner = recorder  # type: ignore[assignment]
    calls = MatcherCalls(monkeypatch)
    bolt_counts = []
    for name, body in _registry_bodies(slack_api, tmp_path):
        calls.count = 0
        recorder.reached.clear()
        assert app.dispatch(_signed(body)).status == 200, name
        if _request(body).body.get("type") == "event_callback":
            assert calls.count <= 5, f"{name}: {calls.count} matcher calls"
        else:
            assert calls.count == 1, f"{name}: {calls.count} matcher calls"
            assert len(recorder.reached) == 1
        recorder.reached.clear()
        calls.count = 0
        App.dispatch(app, _signed(body))
        bolt_counts.append(calls.count)
    # What the index saves: Bolt's own dispatch ran the matchers of every listener registered
    # before the request's (31 for the last submissions; events were claimed by the first run).
    assert max(bolt_counts) >= 25, bolt_counts


def test_registration_keys_each_listener_once_and_leaves_patterns_for_every_request(
    app: FairApp,
) -> None:
    import re

    index = app._listeners
    assert isinstance(index, ListenerIndex)
    before = len(index)
    app.action(re.compile("anything.*"))(lambda ack: ack())
    app.action({"block_id": "b", "action_id": "x"})(lambda ack: ack())
    assert len(index) == before + 2
    listener = index[-1]
    assert isinstance(listener, CustomListener)
    click = block_actions([button("anything.goes", "x")], team_id=TEAM, user_id=USER)
    assert [id(x) for x in index.candidates(_request(click).body)] == [id(index[-2]), id(listener)]


def test_at_info_bolt_formats_no_debug_line_per_middleware(
    app: FairApp, send: Callable[..., BoltResponse], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``bot.logs.configure_logging`` sets Bolt's framework logger's own level, which Bolt's
    dispatch tests (not the effective one) before formatting a line per middleware."""
    import logging

    import slack_bolt.app.app as bolt_app

    from bot.logs import configure_logging

    names = ("", "slack_bolt", "slack_sdk", "slack_sdk.web.base_client", "apscheduler")
    loggers = [logging.getLogger(name) for name in (*names, "alembic.runtime.plugins")]
    levels, handlers = [x.level for x in loggers], logging.getLogger().handlers[:]
    formatted: list[str] = []
    monkeypatch.setattr(bolt_app, "debug_applying_middleware", formatted.append)
    command = slash_command("help", team_id=TEAM, user_id=USER, channel_id="C1")
    try:
        configure_logging("INFO")
        assert send(command).status == 200
        assert formatted == []
        logging.getLogger("slack_bolt").setLevel(logging.NOTSET)
        send(command)
        assert formatted, "the check above could not fail"
    finally:
        logging.getLogger().handlers[:] = handlers
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def test_bolts_assistant_passes_on_every_request_that_is_not_an_event(
    app: FairApp, slack_api: Any, tmp_path: Path
) -> None:
    """``EventsOnly``'s premise, checked on Bolt's own Assistant middleware: on a request that
    is not an event it calls ``next()`` and answers nothing, or raises what Bolt's first
    listener raises then (a body ``bolt_reads`` refuses)."""
    [gate] = [m for m in app._middleware_list if isinstance(m, EventsOnly)]
    samples = [*_registry_bodies(slack_api, tmp_path), *_fixture_bodies(), *_crafted_bodies()]
    passed = 0
    for name, body in samples:
        req = _request(body)
        if is_event(req.body):
            continue
        req.context["listener_runner"] = app.listener_runner  # as Bolt's _init_context sets it
        called: list[bool] = []
        try:
            answer = gate._assistant.process(
                req=req, resp=BoltResponse(status=200), next=partial(called.append, True)
            )
        except Exception:  # noqa: BLE001 - raised in the Assistant's matchers
            assert not bolt_reads(req.body), f"{name}: the Assistant raised"
            continue
        assert called == [True] and answer is None, f"{name}: the Assistant answered"
        passed += 1
    assert passed >= len(CASES) - 10
