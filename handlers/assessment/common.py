"""What the assessment listeners share: where a click came from, telling a user of a failure."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

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
