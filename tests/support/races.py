"""Many people at the same moment: the app on a database of its own (``real_app``), and the
requests released together."""

from __future__ import annotations

import threading

from tests.conftest import CHANNEL, SIGNING_SECRET, TEAM, USER
from tests.slack_requests import dispatch, slash_command

PEOPLE = 8


def all_at_once(work: dict[str, list[str]], send_one) -> list[int]:  # noqa: ANN001
    """One thread per person, released together, each sending its bodies in turn; the
    statuses of every request (an exception escaping the app counts as 500)."""
    statuses: list[int] = []
    start = threading.Barrier(len(work))

    def person(bodies: list[str]) -> None:
        start.wait()
        for body in bodies:
            try:
                statuses.append(send_one(body).status)
            except Exception:  # noqa: BLE001 - counted, the other saves go on
                statuses.append(500)

    threads = [threading.Thread(target=person, args=(bodies,)) for bodies in work.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return statuses


def ready(real_app, slack_api):  # noqa: ANN001, ANN201
    """(send, services, people): the app with its workspace made (its creation is the
    middleware's own case, not this rush's) and PEOPLE members known to Slack."""
    app, services = real_app

    def send(body: str):  # noqa: ANN202
        return dispatch(app, body, secret=SIGNING_SECRET)

    assert send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)).status == 200
    people = [f"U0RUSH{n:03d}" for n in range(PEOPLE)]
    for user in people:
        slack_api.add_user(TEAM, user)
    return send, services, people
