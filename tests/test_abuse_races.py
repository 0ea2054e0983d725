"""Races an attacker (or two colleagues) can provoke on purpose: exactly one of them wins.

The app runs on a database of its own, committing for real (``real_app``), and the requests
arrive through the signed entry point at the same moment (``all_at_once``).
"""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.db import session_scope
from bot.models import Decision, DecisionEvent
from tests.conftest import TEAM, USER
from tests.slack_requests import view_submission
from tests.support.decisions import decide_state, make_decision, metadata
from tests.support.races import all_at_once, ready

SUPERSEDERS = 6
ROUNDS = 4


def test_two_people_superseding_one_decision_at_once_exactly_one_wins(
    real_app,
    slack_api,
) -> None:
    send, services, _ = ready(real_app, slack_api)
    admins = [f"U0SUPER{n:03d}" for n in range(SUPERSEDERS)]
    for admin in admins:
        slack_api.add_user(TEAM, admin, is_admin=True)
    for round_ in range(ROUNDS):
        with session_scope(services.sessions, write=True) as session:
            old_id = make_decision(session, user_id=USER, title=f"Round {round_}: buy").id
        replies: list[dict] = []

        def supersede(body: str, replies: list[dict] = replies):  # noqa: ANN202
            response = send(body)
            replies.append(json.loads(response.body) if response.body else {})
            return response

        work = {
            admin: [
                view_submission(
                    "decisions.save",
                    decide_state(title=f"Round {round_}: {admin} wraps", owner=admin),
                    team_id=TEAM,
                    user_id=admin,
                    private_metadata=metadata(supersedes=old_id),
                )
            ]
            for admin in admins
        }
        assert all_at_once(work, supersede) == [200] * SUPERSEDERS
        with session_scope(services.sessions) as session:
            successors = session.scalars(
                select(Decision).where(Decision.title.like(f"Round {round_}: %wraps"))
            ).all()
            old = session.get(Decision, old_id)
            retired = session.scalars(
                select(DecisionEvent.action).where(
                    DecisionEvent.decision_id == old_id, DecisionEvent.action == "superseded"
                )
            ).all()
            assert len(successors) == 1, [d.title for d in successors]
            assert old is not None and old.superseded_by_id == successors[0].id
            assert retired == ["superseded"]
        losers = [r for r in replies if r.get("response_action") == "errors"]
        assert len(losers) == SUPERSEDERS - 1, replies
        assert all("already been superseded" in json.dumps(r["errors"]) for r in losers), losers
