"""What the assessment listeners share: which LLM a team gets, and telling a user of a failure."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.db import session_scope
from bot.llm import LLMClient
from bot.models import TeamSettings
from bot.services import Services
from handlers.errors import user_message

log = logging.getLogger(__name__)


def team_llm(services: Services, team_id: str) -> LLMClient | None:
    """The LLM writer when the operator set a key *and* the team left it on, else None.

    Without a key nothing is read: the offline advisor needs no settings. The team's switch
    and model are cached with its language (``services.teams``), so an ``ask`` acks as fast
    with an LLM as without.
    """
    if not services.settings.llm_configured:
        return None
    enabled, model = services.teams.get(team_id, "llm", lambda _: _llm_choice(services, team_id))
    return services.llm(model) if enabled else None


def _llm_choice(services: Services, team_id: str) -> tuple[bool, str | None]:
    with session_scope(services.sessions) as session:
        row = session.execute(
            select(TeamSettings.llm_enabled, TeamSettings.llm_model).where(
                TeamSettings.team_id == team_id
            )
        ).first()
    # The middleware creates the row; a purge in between leaves the defaults.
    return (True, None) if row is None else (bool(row.llm_enabled), row.llm_model)


def channel_of(body: dict[str, Any]) -> str:
    """The channel a block action came from ("" from a modal or the Home tab)."""
    return str((body.get("channel") or {}).get("id") or "")


def telling(send: Callable[[str], Any], lang: str) -> Callable[[BaseException], None]:
    """An ``on_error`` for background jobs: the user gets the same sentence ``@app.error``
    would show (unknown errors are logged with an id there)."""

    def tell(error: BaseException) -> None:
        text = user_message(error if isinstance(error, Exception) else RuntimeError(), lang)
        try:
            send(text)
        except SlackApiError as exc:
            log.warning(
                "could not tell user about a background failure: %s", exc.response.get("error")
            )

    return tell
