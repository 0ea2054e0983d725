"""Every listener the app registers, as one request each and the work that must follow it.

The production-configuration suite (``tests/test_production.py``: ``python -m bot web`` under
gunicorn, and ``python -m bot`` in Socket Mode; see ``tests/support/deployed.py``) runs each
:data:`CASES` entry through both transports: Slack must get its ack within 3 s, then the
follow-up work must show on the fake Slack Web API. :func:`registered_listeners` lists what
``handlers.register`` wires, so a listener added without a case fails a test.

Cases run in table order against one process per mode; the destructive ones (purge,
uninstall) come last. Each builds what it needs (a decision, an assessment, an open modal)
through the app itself, and reads ids back from the app's SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from tests.conftest import ADMIN, CHANNEL, TEAM, USER
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import (
    app_home_opened,
    app_mention,
    app_uninstalled,
    assistant_thread_context_changed,
    assistant_thread_started,
    assistant_user_message,
    button,
    event_callback,
    global_shortcut,
    message_shortcut,
    submitted_view,
    tokens_revoked,
    view_submission,
)
from tests.support.answers import HYPED
from tests.support.assessment import radio_values, setup_values, wait_for
from tests.support.decisions import decide_state, metadata, overflow
from tests.support.settings import state_from
from tests.support.slack import click, command

ACK_SECONDS = 3.0  # Slack's limit
WORK_SECONDS = 8.0  # generous: two cores shared by everyone
UNHANDLED = "unhandled error id="  # how handlers/errors.py logs every unexpected error
GENERIC_ERROR = "Something went wrong on our side"  # what it tells the user then


@dataclass(frozen=True)
class Reply:
    """What Slack got back for one request: an ack (HTTP 200, or the envelope answered) or not."""

    acked: bool
    seconds: float
    payload: Any  # the ack's JSON body (HTTP) or payload (Socket Mode), if any
    detail: str = ""  # the HTTP status and body, for failure messages


@dataclass
class World:
    """One running app, how to reach it, and what it has done."""

    fake: FakeSlackAPI
    transport: Callable[[str], Reply]
    database: Path  # the app's SQLite file
    log: Path  # its stderr
    mode: str  # "http" or "socket_mode"

    def send(self, body: str) -> Reply:
        return self.transport(body)

    def command(self, text: str, user: str = USER) -> str:
        return command(self.fake, text, user)

    def click(self, action: dict[str, Any], user: str = USER, view: dict | None = None) -> str:
        """A click in a message in the channel, or (``view``) in a modal."""
        return click(self.fake, action, user, view=view)

    def submit(
        self, callback: str, values: dict[str, Any], user: str = USER, meta: str = ""
    ) -> str:
        return view_submission(callback, values, team_id=TEAM, user_id=user, private_metadata=meta)

    def sent_ok(self, body: str) -> Reply:
        """Send a request a case needs done first; it must be acked."""
        reply = self.send(body)
        assert reply.acked, f"a set-up request was not acked: {reply.detail}"
        return reply

    def query(self, sql: str) -> Any:
        with sqlite3.connect(self.database, timeout=10) as db:
            row = db.execute(sql, (TEAM,)).fetchone()
        return row[0] if row else None

    def decision_id(self) -> int:
        """A decision of USER's, logged through the decide modal."""
        self.sent_ok(self.submit("decisions.save", decide_state(), meta=metadata(CHANNEL)))
        return wait_for(lambda: self.query("SELECT max(id) FROM decisions WHERE team_id = ?"))

    def assessment_id(self) -> int:
        """An assessment of USER's, through the modal's last page."""
        before = self.query("SELECT count(*) FROM assessments WHERE team_id = ?")
        self.sent_ok(self.submit("assessment.page", radio_values(HYPED), meta=_last_page()))
        wait_for(lambda: self.query("SELECT count(*) FROM assessments WHERE team_id = ?") > before)
        return self.query("SELECT max(id) FROM assessments WHERE team_id = ?")

    def round_id(self) -> int:
        """A team round USER started for USER and ADMIN, once its invitations are sent."""
        since = len(self.fake.calls)
        self.sent_ok(self.submit("team.setup", setup_values([USER, ADMIN]), meta=_in_channel()))
        wait_for(lambda: slack_call(self, since, "chat.postMessage", channel=ADMIN))
        return self.query("SELECT max(id) FROM team_rounds WHERE team_id = ?")

    def opened(self, callback: str, body: str) -> dict[str, Any]:
        """Send ``body``, which opens the ``callback`` modal; the modal as Slack now holds it."""
        since = len(self.fake.calls)
        self.sent_ok(body)
        wait_for(lambda: slack_call(self, since, "views.open", callback_id=callback))
        stored = self.fake.last_view(callback)
        assert stored is not None
        view_id = stored["id"]
        return submitted_view(
            callback,
            {},
            team_id=TEAM,
            view_id=view_id,
            private_metadata=stored["private_metadata"],
            blocks=stored["blocks"],
        ) | {"hash": stored["hash"]}


def _on_message(world: World, callback: str, text: str, in_thread: bool = False) -> str:
    """A message shortcut on a message USER wrote (a reply in a thread with ``in_thread``)."""
    ts = world.fake.add_message(TEAM, CHANNEL, USER, text)
    if in_thread:
        ts = world.fake.add_message(TEAM, CHANNEL, ADMIN, "Agreed, wrap it", thread_ts=ts)
    message = world.fake.message(CHANNEL, ts)
    assert message is not None
    return message_shortcut(
        callback,
        message,
        team_id=TEAM,
        user_id=USER,
        channel_id=CHANNEL,
        trigger_id=world.fake.new_trigger_id(),
    )


def _mention(world: World, question: str) -> str:
    """``@Build-vs-Buy <question>`` in a thread USER and ADMIN started."""
    root = world.fake.add_message(TEAM, CHANNEL, ADMIN, "Our support bot: buy or build?")
    text = f"<@U0BOT> {question}"
    ts = world.fake.add_message(TEAM, CHANNEL, USER, text, thread_ts=root)
    return app_mention(text, team_id=TEAM, user_id=USER, channel_id=CHANNEL, ts=ts, thread_ts=root)


def _assistant_thread(world: World) -> tuple[str, str]:
    """USER's assistant thread: their DM with the app, and the thread the panel opened."""
    dm = world.fake.dm_channel(TEAM, USER)
    return dm, world.fake.add_message(TEAM, dm, "U0BOT", "Hi, how can I help?", bot_id="B0BOT")


def _assistant_event(world: World, build: Callable[..., str]) -> str:
    dm, ts = _assistant_thread(world)
    return build(team_id=TEAM, user_id=USER, channel_id=dm, thread_ts=ts, context_channel=CHANNEL)


def _assistant_question(world: World) -> str:
    dm, ts = _assistant_thread(world)
    return assistant_user_message(
        "Should we pretrain our own model?", team_id=TEAM, user_id=USER, channel_id=dm, thread_ts=ts
    )


def _plain_dm(world: World) -> str:
    dm = world.fake.dm_channel(TEAM, USER)
    event = {"type": "message", "channel": dm, "user": USER, "text": "hi", "channel_type": "im"}
    return event_callback(event | {"ts": f"{time.time():.6f}"}, team_id=TEAM)


def _in_channel() -> str:
    return json.dumps({"c": CHANNEL})


def _last_page() -> str:
    return json.dumps({"t": "Support bot", "c": CHANNEL, "a": HYPED, "p": 3})


def slack_call(world: World, since: int, method: str, **match: Any) -> Any:
    """The first call to ``method`` since call number ``since`` whose params (or view) match."""
    for call in world.fake.calls[since:]:
        if call.method != method:
            continue
        view = call.params.get("view") or {}
        if all(call.params.get(k, view.get(k)) == v for k, v in match.items()):
            return call
    return None


Follows = Callable[[World, int, Reply], Any]


def calls(method: str, **match: Any) -> Follows:
    return lambda world, since, _reply: slack_call(world, since, method, **match)


def acked_with(text: str) -> Follows:
    """Work done in the ack itself (its text)."""
    return lambda _world, _since, reply: text in json.dumps(reply.payload or {})


def logged(text: str) -> Follows:
    return lambda world, _since, _reply: text in world.log.read_text()


def said(text: str) -> Follows:
    """A message to the user (response_url, ephemeral or DM) containing ``text``."""

    def seen(world: World, since: int, _reply: Reply) -> bool:
        methods = ("response_url", "chat.postEphemeral", "chat.postMessage")
        return any(
            c.method in methods and text in json.dumps(c.params) for c in world.fake.calls[since:]
        )

    return seen


def both(first: Follows, second: Follows) -> Follows:
    return lambda world, since, reply: first(world, since, reply) and second(world, since, reply)


@dataclass(frozen=True)
class Case:
    listener: str  # "subcommand:assess", "action:assessment.back", "view:settings", "event:..."
    request: Callable[[World], str]  # may first do what it needs through the app
    follows: Follows


def run_case(world: World, case: Case) -> None:
    """Ack within 3 s, then the case's work, and no error on the way (told or logged)."""
    body = case.request(world)
    since, errors = len(world.fake.calls), world.log.read_text().count(UNHANDLED)
    reply = world.send(body)
    assert reply.acked, f"{case.listener}: not acked: {reply.detail}"
    assert reply.seconds < ACK_SECONDS, f"{case.listener}: acked after {reply.seconds:.2f} s"
    try:
        wait_for(lambda: case.follows(world, since, reply), WORK_SECONDS)
    except AssertionError:
        methods = [c.method for c in world.fake.calls[since:]]
        raise AssertionError(f"{case.listener}: no follow-up; Slack saw {methods}") from None
    assert not said(GENERIC_ERROR)(world, since, reply), f"{case.listener}: an error was shown"
    assert world.log.read_text().count(UNHANDLED) == errors, f"{case.listener}: an error was logged"


def acked_and_told(world: World, body: str, text: str) -> None:
    """Acked within 3 s, and then the user told ``text``."""
    since = len(world.fake.calls)
    reply = world.send(body)
    assert reply.acked, reply.detail
    assert reply.seconds < ACK_SECONDS, f"acked after {reply.seconds:.2f} s"
    wait_for(lambda: said(text)(world, since, reply))


def _page_back(world: World) -> str:
    view = world.opened("assessment.page", world.command("assess Support bot"))
    return world.click(button("assessment.back", "back"), view=view)


def _ask_my_team(world: World) -> str:
    view = world.opened("assessment.page", world.command("assess Support bot"))
    return world.click(button("team.open_setup", ""), view=view)


def _purge_click(world: World) -> str:
    view = world.opened("settings", world.command("settings", ADMIN))
    return world.click(button("settings.delete_all", "x"), user=ADMIN, view=view)


def _settings_submission(world: World) -> str:
    view = world.opened("settings", world.command("settings", ADMIN))
    values = state_from(view)
    return world.submit("settings", values, ADMIN, view["private_metadata"])


CASES: list[Case] = [
    Case("command:/buildvsbuy", lambda w: w.command(""), acked_with("/buildvsbuy assess")),
    Case("subcommand:help", lambda w: w.command("help"), acked_with("/buildvsbuy decide")),
    Case(
        "subcommand:assess",
        lambda w: w.command("assess Support bot"),
        calls("views.open", callback_id="assessment.page"),
    ),
    Case("subcommand:ask", lambda w: w.command("ask should we pretrain?"), acked_with("pretrain")),
    Case(
        "subcommand:decide",
        lambda w: w.command("decide Buy it"),
        calls("views.open", callback_id="decisions.save"),
    ),
    Case("subcommand:decisions", lambda w: w.command("decisions"), said("Team decisions, page 1")),
    Case(
        "subcommand:export",
        lambda w: w.command("export", ADMIN),
        both(calls("files.completeUploadExternal"), said("CSV of the team's decisions")),
    ),
    Case(
        "subcommand:settings",
        lambda w: w.command("settings", ADMIN),
        calls("views.open", callback_id="settings"),
    ),
    Case("subcommand:digest", lambda w: w.command("digest"), said("No news stored yet.")),
    Case(
        "subcommand:digest preview",
        lambda w: w.command("digest preview"),
        said("No news stored yet."),
    ),
    Case(
        "subcommand:digest subscribe",
        lambda w: w.command("digest subscribe"),
        said("you'll get the digest by DM"),
    ),
    Case(
        "subcommand:digest unsubscribe",
        lambda w: w.command("digest unsubscribe"),
        said("no more digest DMs for you"),
    ),
    Case(  # past the admin check, refused with a sentence: no channel, no news yet
        "subcommand:digest now",
        lambda w: w.command("digest now", ADMIN),
        said("No digest channel is set."),
    ),
    Case(
        "view:assessment.page",
        lambda w: w.submit("assessment.page", radio_values(HYPED), meta=_last_page()),
        said("Support bot: Wrap an existing model"),
    ),
    Case("action:assessment.back", _page_back, calls("views.update")),
    Case(
        "action:assessment.start",
        lambda w: w.click(button("assessment.start", "")),
        calls("views.open", callback_id="assessment.page"),
    ),
    Case(
        "action:assessment.retake",
        lambda w: w.click(button("assessment.retake", str(w.assessment_id()))),
        calls("views.open", callback_id="assessment.page"),
    ),
    Case(
        "action:assessment.share",
        lambda w: w.click(button("assessment.share", str(w.assessment_id()))),
        calls("chat.postMessage", channel=CHANNEL),
    ),
    Case(
        "action:decision.from_assessment",
        lambda w: w.click(button("decision.from_assessment", str(w.assessment_id()))),
        calls("views.open", callback_id="decisions.save"),
    ),
    Case(
        "view:team.setup",
        lambda w: w.submit("team.setup", setup_values([USER, ADMIN]), meta=_in_channel()),
        calls("chat.postMessage", channel=ADMIN),
    ),
    Case("action:team.open_setup", _ask_my_team, calls("views.update", callback_id="team.setup")),
    Case(
        "action:team.answer",
        lambda w: w.click(button("team.answer", str(w.round_id()))),
        calls("views.open", callback_id="assessment.page"),
    ),
    Case(
        "action:team.nudge",
        lambda w: w.click(button("team.nudge", str(w.round_id()))),
        both(calls("chat.postMessage", channel=ADMIN), calls("chat.update")),
    ),
    Case(
        "action:team.close",
        lambda w: w.click(button("team.close", str(w.round_id()))),
        calls("chat.postMessage", channel=CHANNEL),
    ),
    Case(
        "action:team.discuss",
        lambda w: w.click(button("team.discuss", str(w.round_id()))),
        said("opened the discussion"),
    ),
    Case(
        "action:team.rerun",
        lambda w: w.click(button("team.rerun", str(w.round_id()))),
        calls("chat.postMessage", channel=ADMIN),
    ),
    Case(
        "view:decisions.save",
        lambda w: w.submit("decisions.save", decide_state(), meta=metadata(CHANNEL)),
        calls("chat.postMessage", channel=CHANNEL),
    ),
    Case(
        "action:decisions.log",
        lambda w: w.click(button("decisions.log", "")),
        calls("views.open", callback_id="decisions.save"),
    ),
    Case(
        "action:decisions.page.next",
        lambda w: w.click(button("decisions.page.next", '{"p": 2}')),
        said("Team decisions, page 2"),
    ),
    Case(
        "action:decisions.page.previous",
        lambda w: w.click(button("decisions.page.previous", '{"p": 1}')),
        said("Team decisions, page 1"),
    ),
    Case(
        "action:decisions.entry",
        lambda w: w.click(overflow(f"edit:{w.decision_id()}")),
        calls("views.open", callback_id="decisions.save"),
    ),
    Case(
        "action:decisions.reminder.still_right",
        lambda w: w.click(button("decisions.reminder.still_right", str(w.decision_id()))),
        said("Confirmed *Buy a transcription API*. Next review on "),
    ),
    Case(
        "action:decisions.reminder.snooze",
        lambda w: w.click(button("decisions.reminder.snooze", str(w.decision_id()))),
        said("Snoozed *Buy a transcription API* until "),
    ),
    Case(
        "action:decisions.reminder.revisit",
        lambda w: w.click(button("decisions.reminder.revisit", str(w.decision_id()))),
        calls("views.open"),
    ),
    Case(
        "shortcut:decisions.from_message",
        lambda w: _on_message(w, "decisions.from_message", "Wrap a hosted model?", True),
        both(calls("conversations.replies"), calls("views.open", callback_id="decisions.save")),
    ),
    Case(
        "shortcut:assessment.from_message",
        lambda w: _on_message(w, "assessment.from_message", "Should we fine-tune Llama?"),
        calls("views.open", callback_id="assessment.page"),
    ),
    Case(
        "shortcut:assessment.shortcut",
        lambda w: global_shortcut(
            "assessment.shortcut", team_id=TEAM, user_id=USER, trigger_id=w.fake.new_trigger_id()
        ),
        calls("views.open", callback_id="assessment.page"),
    ),
    Case(
        "event:app_mention",
        lambda w: _mention(w, "should we fine-tune Llama for support triage?"),
        calls("chat.postMessage", channel=CHANNEL),
    ),
    Case(
        "assistant:thread_started",
        lambda w: _assistant_event(w, assistant_thread_started),
        calls("assistant.threads.setSuggestedPrompts"),
    ),
    Case(
        "assistant:thread_context_changed",
        lambda w: _assistant_event(w, assistant_thread_context_changed),
        logged("context changed, nothing kept"),
    ),
    Case(
        "assistant:user_message",
        _assistant_question,
        both(calls("assistant.threads.setStatus"), said("Pre-training")),
    ),
    Case("event:message", _plain_dm, said("I answer in my assistant panel")),
    Case("event:app_home_opened", lambda w: app_home_opened(USER, TEAM), calls("views.publish")),
    Case("view:settings", _settings_submission, said("Settings saved. Nothing changed.")),
    Case("action:settings.delete_all", _purge_click, calls("views.push")),
    Case(
        "event:tokens_revoked",
        lambda w: tokens_revoked(TEAM, ["U0BOT"]),
        logged(f"tokens revoked team={TEAM}"),
    ),
    # Destructive: last.
    Case(
        "view:settings.purge",
        lambda w: w.submit("settings.purge", {}, ADMIN, json.dumps({"channel": CHANNEL})),
        logged(f"team={TEAM} data deleted from Slack"),
    ),
    Case(
        "event:app_uninstalled",
        lambda w: app_uninstalled(TEAM),
        logged(f"app uninstalled team={TEAM}"),
    ),
]


def _on(kind: str) -> Callable[..., Callable[[Callable], Callable]]:
    def register(self: _Recorder, key: Any, *_: Any, **__: Any) -> Callable[[Callable], Callable]:
        self.listeners.add(f"{kind}:{key}")
        return lambda func: func

    return register


class _Recorder:
    """Stands in for Bolt's ``App`` in ``handlers.register``: notes what each listener is for.
    A registration method it lacks raises AttributeError: add it here, and its cases."""

    def __init__(self) -> None:
        self.listeners: set[str] = set()

    command, action, view, event, options = map(
        _on, ("command", "action", "view", "event", "options")
    )
    shortcut, message, view_closed = map(_on, ("shortcut", "message", "view_closed"))

    def assistant(self, panel: Any) -> None:
        """Bolt's ``Assistant``: one listener per kind of assistant event it was given."""
        for kind in ("thread_started", "thread_context_changed", "user_message", "bot_message"):
            if getattr(panel, f"_{kind}_listeners", None):
                self.listeners.add(f"assistant:{kind}")

    def use(self, *_: Any, **__: Any) -> None:
        """Middleware and error handlers are not listeners."""

    middleware = error = use


def registered_listeners(tmp_path: Path) -> set[str]:
    """Every listener ``handlers.register`` wires, each subcommand and digest action included."""
    import handlers
    from bot.config import Settings
    from bot.services import Services
    from handlers.digest.command import ACTIONS

    settings = Settings(
        _env_file=None,
        SLACK_BOT_TOKEN="xoxb-x",
        SLACK_SIGNING_SECRET="x",
        DATABASE_URL=f"sqlite:///{tmp_path / 'listeners.db'}",
    )
    services = Services.from_settings(settings)
    recorder = _Recorder()
    handlers.register(recorder, services)  # type: ignore[arg-type]
    subcommands = {f"subcommand:{s.name}" for s in services.subcommands} | {"subcommand:help"}
    digest = {f"subcommand:digest {a}" for a in ACTIONS if a}
    services.engine.dispose()
    return recorder.listeners | subcommands | digest


def form_payload(body: str) -> dict[str, Any]:
    """A request body as the payload of a Socket Mode envelope carries it."""
    if body.startswith("{"):
        return json.loads(body)
    form = dict(parse_qsl(body, keep_blank_values=True))
    return json.loads(form["payload"]) if "payload" in form else form
