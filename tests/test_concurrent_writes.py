"""People changing things at the same moment: every change is kept and nobody is told of an
error, on SQLite (the embedded default) as on PostgreSQL.

On SQLite, a deferred transaction that reads and then writes fails at once with "database is
locked" when another connection committed after its read began (the busy timeout does not
apply: its snapshot is stale, waiting cannot help); units that write begin IMMEDIATE instead
(``session_scope(write=True)``). The app runs on a database of its own, committing for real on
a connection per thread, not in the test transaction of ``sessions``.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.models import Decision, DecisionEvent, DigestRecipient
from tests.conftest import ADMIN, CHANNEL, SIGNING_SECRET, TEAM, USER
from tests.slack_requests import block_actions, button, dispatch, slash_command, view_submission
from tests.support.abuse import wait_until
from tests.support.decisions import decide_state, make_decision, metadata, overflow
from tests.support.faults import messages_to
from tests.support.races import PEOPLE, all_at_once, ready
from tests.support.slack import command

ROUNDS = 6


def test_decisions_saved_at_the_same_moment_are_all_kept(real_app, slack_api) -> None:
    send, services, people = ready(real_app, slack_api)
    titles = {
        user: [f"{user} decision {r}: buy the search API" for r in range(ROUNDS)] for user in people
    }
    work = {
        user: [
            view_submission(
                "decisions.save",
                decide_state(title=title, owner=user, review="2099-01-01"),
                team_id=TEAM,
                user_id=user,
            )
            for title in titles[user]
        ]
        for user in people
    }

    statuses = all_at_once(work, send)

    assert statuses == [200] * PEOPLE * ROUNDS
    with session_scope(services.sessions) as session:
        saved = set(session.scalars(select(Decision.title).where(Decision.team_id == TEAM)))
    wanted = {title for own in titles.values() for title in own}
    assert sorted(wanted - saved) == []
    for user in people:
        messages = messages_to(slack_api, user)
        # One confirmation per save, each naming its decision, and nothing else (no error).
        assert len(messages) == ROUNDS, messages
        assert all(any(title in m for m in messages) for title in titles[user]), messages


def test_other_changes_made_at_the_same_moment_are_all_kept(real_app, slack_api) -> None:
    """Digest subscriptions and a decision's reminder buttons and menu, everyone at once."""
    send, services, people = ready(real_app, slack_api)
    decisions: dict[str, int] = {}
    with session_scope(services.sessions) as session:
        for user in people:
            decisions[user] = make_decision(session, user_id=user, title=f"{user}'s call").id

    def click(user: str, action: dict) -> str:
        return block_actions(
            [action],
            team_id=TEAM,
            user_id=user,
            channel_id=CHANNEL,
            response_url=slack_api.response_url(TEAM, CHANNEL),
        )

    def round_of(user: str) -> list[str]:
        """Each one reads, then writes; each changes something (the dates and statuses
        alternate), so each leaves one history entry on the decision."""
        value = str(decisions[user])
        return [
            command(slack_api, "digest subscribe", user),
            click(user, button("decisions.reminder.still_right", value)),
            click(user, overflow(f"revisit:{value}")),
            click(user, button("decisions.reminder.snooze", value)),
            command(slack_api, "digest unsubscribe", user),
        ]

    work = {user: [body for _ in range(ROUNDS) for body in round_of(user)] for user in people}
    statuses = all_at_once(work, send)

    assert statuses == [200] * PEOPLE * ROUNDS * 5
    replies = [str(call.params.get("text", "")) for call in slack_api.calls_to("response_url")]
    assert len(replies) == PEOPLE * ROUNDS * 5
    assert not [text for text in replies if "Something went wrong" in text]
    with session_scope(services.sessions) as session:
        assert (
            session.scalars(
                select(DigestRecipient.user_id).where(DigestRecipient.team_id == TEAM)
            ).all()
            == []
        )
        for user in people:
            actions = session.scalars(
                select(DecisionEvent.action)
                .where(DecisionEvent.decision_id == decisions[user])
                .order_by(DecisionEvent.id)
            ).all()
            assert actions == ["created"] + ["confirmed", "revisiting", "snoozed"] * ROUNDS


@pytest.mark.parametrize("real_app", ["sqlite"], indirect=True)  # SQLite's lock, looked at
@pytest.mark.parametrize("change", ["still right", "edit"])
def test_an_admins_slow_users_info_never_holds_the_database(
    real_app, slack_api, change: str
) -> None:
    """An admin changing someone else's decision costs a ``users.info``: it is asked before
    the write transaction, so while Slack is slow to answer, others can still write."""
    app, services = real_app
    assert (
        dispatch(
            app,
            slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL),
            secret=SIGNING_SECRET,
        ).status
        == 200
    )
    with session_scope(services.sessions) as session:
        decision_id = make_decision(session, user_id=USER, title="Buy the search API").id
    if change == "edit":
        body = view_submission(
            "decisions.save",
            decide_state(title="Buy the search API, v2", owner=USER, review="2099-01-01"),
            team_id=TEAM,
            user_id=ADMIN,
            private_metadata=metadata(edit=decision_id),
        )
    else:
        body = block_actions(
            [button("decisions.reminder.still_right", str(decision_id))],
            team_id=TEAM,
            user_id=ADMIN,
            channel_id=CHANNEL,
            response_url=slack_api.response_url(TEAM, CHANNEL),
        )
    slack_api.delay("users.info", 1.5, times=None)
    done: list[int] = []
    clicking = threading.Thread(
        target=lambda: done.append(dispatch(app, body, secret=SIGNING_SECRET).status)
    )
    clicking.start()
    try:
        assert wait_until(
            lambda: any(
                call.params.get("user") == ADMIN for call in slack_api.calls_to("users.info")
            ),
            seconds=10,
        )
        # Slack is now taking its time over the admin: the write lock must be free.
        other = sqlite3.connect(services.engine.url.database, timeout=0.3, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
    finally:
        clicking.join(timeout=30)
    assert done == [200]
    with session_scope(services.sessions) as session:
        last = session.scalars(
            select(DecisionEvent)
            .where(DecisionEvent.decision_id == decision_id)
            .order_by(DecisionEvent.id.desc())
        ).first()
    assert (last.user_id, last.action) == (ADMIN, "edited" if change == "edit" else "confirmed")
