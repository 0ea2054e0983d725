"""Every registered listener, sent junk by a non-admin of a team with no data: 200, nothing written.

The walk reads the app's own listener table, so a listener added later is walked too (and an
unknown kind of listener fails the test until a payload builder is added here). Each action_id
and callback_id gets junk values in every shape Slack could carry them (button value, selected
option, selected user or date, private_metadata, view state), among them another team's real
decision and assessment ids. Each must answer 200 with no trace, send Slack nothing with a
trace in it, and leave every table exactly as it was, row for row.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Base
from bot.news.canonical import canonical_url
from bot.news.feeds import DEFAULT_FEEDS
from bot.web import make_wsgi_app
from bot.workspaces import ensure_workspace
from tests.conftest import CHANNEL, OTHER_TEAM, SIGNING_SECRET, TEAM, USER
from tests.slack_requests import (
    app_home_opened,
    app_mention,
    block_actions,
    content_type_of,
    global_shortcut,
    message_shortcut,
    sign,
    slash_command,
    submitted_view,
    text_input_values,
    view_closed,
    view_submission,
)
from tests.support.abuse import assert_clean, assert_nothing_leaked_to_slack, call_wsgi
from tests.support.decisions import make_assessment, make_decision

STRANGER_TEAM = OTHER_TEAM  # no data at all; its workspace row exists, as Slack talks to it
NON_ADMIN = USER

JUNK = [
    "",
    "0",
    "-1",
    "9" * 30,
    "not-a-number",
    "' OR 1=1 --",
    "../../etc/passwd",
    '{"id": 1, "team": "T0123ABCD"}',
    "[1, 2]",
    "null",
    "x" * 3000,
    "\u202e\u0000🙂",
]


def snapshot(session: Session) -> dict[str, list[str]]:
    """Every row of every table, so that an UPDATE is seen as well as an INSERT or a DELETE.

    Left out: the built-in feeds' rows (a global catalog any digest code creates on first
    use, not a team's data), processed_events (the event ids the middleware keeps to drop
    Slack's retries, by design) and the audit trail's record of refused admin attempts (kept on
    purpose: issue 13.11); any other audit entry counts.
    """
    session.expire_all()
    builtin = {canonical_url(feed.url) for feed in DEFAULT_FEEDS}
    out = {}
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table)).mappings()
        if table.name == "feeds":
            rows = [row for row in rows if row["url"] not in builtin]
        if table.name == "audit_log":
            rows = [row for row in rows if row["action"] != "admin.refused"]
        if table.name != "processed_events":
            out[table.name] = sorted(repr(tuple(row.values())) for row in rows)
    return out


def listeners(app) -> list[tuple[str, Any]]:
    """(kind, constraint) of every listener, read from Bolt's built-in matchers."""
    found = []
    for listener in app._listeners:  # Bolt keeps no public list of its listeners
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            kind = func.__qualname__.split(".", 1)[0] if func else type(matcher).__name__
            cells = [c.cell_contents for c in (func.__closure__ or ())] if func else []
            constraint = next((c for c in cells if isinstance(c, str | re.Pattern | dict)), None)
            found.append((kind, constraint))
    return found


def an_id(constraint: Any, key: str) -> str:
    """A concrete id that ``constraint`` (a string, a pattern or a dict) matches."""
    if isinstance(constraint, dict):
        constraint = constraint.get(key) or constraint.get("callback_id")
    if isinstance(constraint, re.Pattern):
        literal = constraint.pattern.strip("^$")
        if constraint.fullmatch(literal):
            return literal
        pytest.fail(f"add an example id for the pattern {constraint.pattern!r}")
    assert isinstance(constraint, str), f"unreadable constraint {constraint!r}"
    return constraint


def action_shapes(action_id: str, value: str) -> list[dict[str, Any]]:
    """The ways one action can arrive: every element type we use, carrying ``value``."""
    option = {"text": {"type": "plain_text", "text": "x"}, "value": value}
    common = {"action_id": action_id, "block_id": value[:255] or "b", "action_ts": "1.2"}
    return [
        {**common, "type": "button", "value": value, "text": {"type": "plain_text", "text": "x"}},
        {**common, "type": "overflow", "selected_option": option},
        {**common, "type": "static_select", "selected_option": option},
        {**common, "type": "users_select", "selected_user": value},
        {**common, "type": "datepicker", "selected_date": value},
    ]


def junk_states(value: str) -> list[dict[str, Any]]:
    return [
        {},
        text_input_values({"title": {"value": value}, value[:50] or "b": {"a": value}}),
        {"b": {"a": {"type": "static_select", "selected_option": None}}},
    ]


def requests_for(
    kind: str, constraint: Any, values: list[str], subcommands: list[str], slack_api
) -> list[str]:
    """Signed-to-be bodies that reach the listener (kind, constraint) with junk."""
    url = slack_api.response_url(STRANGER_TEAM, CHANNEL)
    ids = {"team_id": STRANGER_TEAM, "user_id": NON_ADMIN}
    bodies = []
    # Each value once per listener, the shapes taking turns: every shape meets many values.
    if kind == "command":
        for n, name in enumerate(subcommands):
            bodies += [
                slash_command(
                    f"{name} {v}",
                    channel_id=CHANNEL,
                    response_url=url,
                    command=an_id(constraint, "command"),
                    **ids,
                )
                for v in values[n % 3 :: 3]
            ]
    elif kind == "action":
        action_id = an_id(constraint, "action_id")
        for n, value in enumerate(values):
            shapes = action_shapes(action_id, value)
            action = shapes[n % len(shapes)]
            if n % 3:
                bodies.append(block_actions([action], channel_id=CHANNEL, response_url=url, **ids))
            else:  # from a modal: junk private_metadata and state as well
                view = submitted_view(
                    "junk", junk_states(value)[1], team_id=STRANGER_TEAM, private_metadata=value
                )
                bodies.append(block_actions([action], view=view, **ids))
    elif kind == "view_submission":
        callback_id = an_id(constraint, "callback_id")
        for n, value in enumerate(values):
            state = junk_states(value)[n % 3]
            bodies.append(view_submission(callback_id, state, private_metadata=value, **ids))
    elif kind == "view_closed":
        callback_id = an_id(constraint, "callback_id")
        bodies += [view_closed(callback_id, private_metadata=v, **ids) for v in values]
    elif kind == "event":
        event_type = an_id(constraint, "type")
        if event_type == "app_home_opened":
            bodies += [
                app_home_opened(NON_ADMIN, STRANGER_TEAM, view={"private_metadata": v})
                for v in values
            ]
        if event_type == "app_mention":  # junk text and thread in the stranger's channel
            bodies += [
                app_mention(v, channel_id=CHANNEL, thread_ts=v[:40] or None, **ids) for v in values
            ]
        # app_uninstalled, tokens_revoked: Slack's own lifecycle notices, not a user's junk;
        # what they change is by design (tests/test_app_foundation.py, test_oauth.py).
    elif kind == "shortcut":  # global, or on a junk message (text, ts and thread)
        callback_id = an_id(constraint, "callback_id")
        for n, value in enumerate(values):
            if n % 3 == 0:
                bodies.append(global_shortcut(callback_id, **ids))
                continue
            message = {"type": "message", "user": value[:30], "text": value, "ts": value[:40]}
            if n % 3 == 2:
                message["thread_ts"] = value[:40]
            bodies.append(message_shortcut(callback_id, message, channel_id=CHANNEL, **ids))
    else:
        pytest.fail(f"no junk payload builder for listeners of kind {kind!r}: add one here")
    return bodies


@pytest.fixture
def edge(app, services, session):
    ensure_workspace(session, STRANGER_TEAM)
    session.commit()
    return make_wsgi_app(app, services)


def test_every_listener_answers_junk_from_a_stranger_with_200_and_writes_nothing(
    app, services, edge, session, slack_api
) -> None:
    decision = make_decision(session, team_id=TEAM)
    assessment = make_assessment(session, team_id=TEAM)
    values = [
        *JUNK,
        str(decision.id),
        str(assessment.id),
        json.dumps({"c": CHANNEL, "e": decision.id, "s": decision.id}),
    ]
    subcommands = sorted(sub.name for sub in services.subcommands)
    walked = listeners(app)
    kinds = {kind for kind, _ in walked}
    assert {"command", "action", "view_submission"} <= kinds, kinds  # the walk sees them
    before = snapshot(session)
    failures: list[str] = []
    sent = 0
    for kind, constraint in walked:
        for body in requests_for(kind, constraint, values, subcommands, slack_api):
            headers = {"Content-Type": content_type_of(body), **sign(body, SIGNING_SECRET)}
            status, text = call_wsgi(edge, body.encode(), headers)
            sent += 1
            if status != 200:
                failures.append(f"{kind} {constraint!r}: HTTP {status} for {body[:200]}")
            assert_clean(text, f"the reply to {kind} {constraint!r}")
    assert failures == []
    assert sent >= 15 * len(walked) // 2  # every listener was sent its share
    assert_nothing_leaked_to_slack(slack_api)
    after = snapshot(session)
    assert {name: rows for name, rows in after.items() if rows != before[name]} == {}
