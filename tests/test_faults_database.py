"""The database fails after a change was committed: the user is told it was saved, not that
it failed (the Home refresh that follows a save is a nuisance, not part of the save)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.models import Decision
from bot.services import Services
from tests.conftest import CHANNEL, SIGNING_SECRET, TEAM, USER
from tests.slack_requests import dispatch, slash_command, view_submission
from tests.support.decisions import decide_state


@contextmanager
def failing_once_a_decision_is_committed(services: Services) -> Iterator[list[str]]:
    """Every statement after the commit that saves a decision fails, as if the connection
    dropped then; the statements that failed are listed."""
    failed: list[str] = []
    saving: list[Session] = []
    armed: list[bool] = []

    def before_flush(session: Session, *_: object) -> None:
        if any(isinstance(obj, Decision) for obj in session.new):
            saving.append(session)

    def after_commit(session: Session) -> None:
        if session in saving:
            armed.append(True)

    def before(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if armed:
            failed.append(statement)
            raise OperationalError(statement, {}, ConnectionError("server closed the connection"))

    hooks = [
        (services.sessions, "before_flush", before_flush),
        (services.sessions, "after_commit", after_commit),
        (services.engine, "before_cursor_execute", before),
    ]
    for target, name, fn in hooks:
        event.listen(target, name, fn)
    try:
        yield failed
    finally:
        for target, name, fn in hooks:
            event.remove(target, name, fn)


def test_a_saved_decision_is_confirmed_even_if_the_database_fails_just_after(
    real_app, slack_api
) -> None:
    app, services = real_app

    def send(body: str):  # noqa: ANN202
        return dispatch(app, body, secret=SIGNING_SECRET)

    assert send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)).status == 200
    body = view_submission(
        "decisions.save",
        decide_state(title="Wrap a hosted model", owner=USER, review="2099-01-01"),
        team_id=TEAM,
        user_id=USER,
    )
    with failing_once_a_decision_is_committed(services) as failed:
        response = send(body)
    assert response.status == 200
    assert failed, "the Home refresh never reached the database: the test tests nothing"
    with session_scope(services.sessions) as session:
        titles = session.scalars(select(Decision.title).where(Decision.team_id == TEAM)).all()
    assert titles == ["Wrap a hosted model"]
    confirmations = [str(c.params.get("text", "")) for c in slack_api.calls_to("chat.postMessage")]
    assert any("Wrap a hosted model" in text for text in confirmations), confirmations
    told = [str(c.params.get("text", "")) for c in slack_api.calls]
    assert not any("error id" in text for text in told), told
