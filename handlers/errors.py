"""The one ``@app.error`` handler: our errors become a sentence, the rest an error id."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import SLACK_ERROR_KEYS, UserError, new_error_id
from bot.i18n import DEFAULT_LANGUAGE, t

log = logging.getLogger(__name__)


def user_message(error: Exception, lang: str) -> str:
    """The sentence a user sees for ``error``; unknown errors are logged with their id."""
    if isinstance(error, UserError):
        return t(error.key, lang, **error.params)
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error", ""))
        if code in SLACK_ERROR_KEYS:
            log.warning("slack api error shown to user: %s", code)
            return t(SLACK_ERROR_KEYS[code], lang)
    error_id = new_error_id()
    log.error("unhandled error id=%s: %s", error_id, type(error).__name__, exc_info=error)
    return t("errors.generic", lang, error_id=error_id)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    response: BoltResponse | None,
) -> None:
    if response is not None and context.ack.response is None:
        # Raised before acking: ack now, so that telling the user (a Slack call that may be
        # slow) does not hold the ack past Slack's 3 s. Bolt's request thread, seeing the ack,
        # answers with ``response``: it must already be the empty 200, not Bolt's 500.
        response.status, response.body = 200, ""
        context.ack()
    # Not a parameter: this also runs when the middleware did not (or failed before the language).
    lang = context.get("lang") or DEFAULT_LANGUAGE
    text = user_message(error, lang)
    try:
        if context.respond is not None and (body.get("response_url") or body.get("response_urls")):
            context.respond(text=text, response_type="ephemeral", replace_original=False)
        elif context.user_id and context.channel_id:
            client.chat_postEphemeral(channel=context.channel_id, user=context.user_id, text=text)
        elif context.user_id:
            client.chat_postMessage(channel=context.user_id, text=text)
    except Exception as exc:  # noqa: BLE001 - the user could not be told; say so in the log
        log.warning("could not tell user about an error: %s", type(exc).__name__)
        return
    if response is not None and response.status >= 500:
        # The user has been told; a 5xx would make Slack show its own opaque failure on top.
        response.status, response.body = 200, ""


def register(app: App) -> None:
    app.error(handle_error)


__all__ = ["handle_error", "register", "user_message"]
