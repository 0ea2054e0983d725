"""A PostgreSQL schema of the app's own, and what a test needs to break its connections."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bot.models import Decision, DecisionEvent
from tests.conftest import TEAM
from tests.fakes.slack_api import FakeSlackAPI
from tests.support.abuse import wait_until


@dataclass
class Database:
    url: str  # the app's: its own schema and application_name
    admin: Engine  # ours: counts rows and terminates the app's backends
    application_name: str
    schema: str

    def drop_app_connections(self, *, until_gone: bool = False) -> int:
        """Terminate every backend the app has open; how many there were.

        A backend takes a moment to exit after the signal (a pre-ping in that moment still
        succeeds); ``until_gone`` waits for them all to be gone, as after a restart.
        """
        with self.admin.connect() as conn:
            # The targets are chosen first (MATERIALIZED), so that nothing but the app's own
            # backends can ever be signalled, whatever order the planner picks.
            pids = list(
                conn.execute(
                    text(
                        "WITH targets AS MATERIALIZED (SELECT pid FROM pg_stat_activity "
                        "WHERE application_name = :name AND pid <> pg_backend_pid()) "
                        "SELECT pid FROM targets WHERE pg_terminate_backend(pid)"
                    ),
                    {"name": self.application_name},
                ).scalars()
            )
        if until_gone and pids:
            assert wait_until(lambda: not self._alive(pids), seconds=10, every=0.005)
        return len(pids)

    def _alive(self, pids: list[int]) -> list[int]:
        with self.admin.connect() as conn:
            return list(
                conn.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": pids}
                ).scalars()
            )

    def app_connections(self) -> int:
        with self.admin.connect() as conn:
            return conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": self.application_name},
            ).scalar_one()

    def titles(self) -> set[str]:
        with Session(self.admin) as session:
            session.execute(text(f'SET search_path TO "{self.schema}"'))
            return set(session.scalars(select(Decision.title)))

    def created_events(self) -> int:
        with Session(self.admin) as session:
            session.execute(text(f'SET search_path TO "{self.schema}"'))
            return (
                session.scalar(
                    select(func.count())
                    .select_from(DecisionEvent)
                    .where(DecisionEvent.action == "created")
                )
                or 0
            )


def messages_to(fake: FakeSlackAPI, user: str) -> list[str]:
    """The texts the app posted to ``user``, by user id or in their DM."""
    dm = fake.dm_channel(TEAM, user)
    return [
        str(call.params.get("text", ""))
        for call in fake.calls_to("chat.postMessage")
        if call.params.get("channel") in (user, dm)
    ]


# How the fake OpenAI server can fail (mode, options): each must end in the offline answer.
LLM_FAULTS = [
    ("slow", {"delay": 4.0}),  # answers after the client's timeout (1 second or less)
    ("error_500", {}),
    ("rate_limited", {"retry_after": 30}),
    ("garbage", {}),
    ("empty", {}),
    ("no_choices", {}),
]
# A well-formed answer that is not the advice asked for: it falls back too.
NOT_ADVICE = ("normal", {"content": json.dumps({"verdict": "build", "scores": {"build": 1.0}})})
