"""What the assessment listeners share: opening the modal, where a click came from, telling a
user of a failure."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.views.assessment import ModalState, assessment_modal
from handlers.context import Caller
from handlers.errors import user_message

log = logging.getLogger(__name__)


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


def open_modal(
    caller: Caller, trigger_id: str, state: ModalState, from_view: dict[str, Any] | None = None
) -> None:
    """Open page 1; over an open modal (the revisit one) push it instead, as Slack requires."""
    view = assessment_modal(state, caller.lang)
    if from_view is not None and from_view.get("type") == "modal":
        caller.client.views_push(trigger_id=trigger_id, view=view)
    else:
        caller.client.views_open(trigger_id=trigger_id, view=view)
