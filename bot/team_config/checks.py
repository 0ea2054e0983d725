"""Checks that ask the outside world (Slack, a feed server), run side by side under a deadline.

A ``view_submission`` must be answered within 3 seconds, errors included, so the checks run
in parallel and any that has not answered by the deadline becomes an error on its field
("save again") instead of a late answer Slack would drop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from bot.team_config.form import FieldError

log = logging.getLogger(__name__)

CHECK_BUDGET = 2.4  # seconds, leaving room for the database write and the answer itself

Check = Callable[[], FieldError | None]

# Slack's answers to conversations.info, as the sentence under the channel field.
CHANNEL_ERRORS: dict[str, str] = {
    "channel_not_found": "settings.error.channel_not_found",
    "not_in_channel": "settings.error.channel_not_in",
    "is_archived": "settings.error.channel_archived",
}


def channel_problem(info: Mapping[str, Any]) -> FieldError | None:
    """Why the bot cannot post in this channel (``conversations.info``'s answer), or None."""
    if info.get("is_archived"):
        return FieldError("settings.error.channel_archived")
    if info.get("is_im") or info.get("is_mpim"):
        return FieldError("settings.error.channel_id")
    if not info.get("is_member"):
        return FieldError("settings.error.channel_not_in")
    return None


def channel_error_for(code: str) -> FieldError:
    return FieldError(CHANNEL_ERRORS.get(code, "settings.error.channel_unchecked"))


def run_checks(checks: Mapping[str, Check], budget: float = CHECK_BUDGET) -> dict[str, FieldError]:
    """Run every check at once; a check still running after ``budget`` seconds is an error."""
    if not checks:
        return {}
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="settings-check")
    try:
        futures = {name: pool.submit(check) for name, check in checks.items()}
        done, _ = wait(futures.values(), timeout=budget)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a straggler finishes on its own
    errors: dict[str, FieldError] = {}
    for name, future in futures.items():
        if future not in done:
            log.info("settings check %s did not answer within %.1f s", name, budget)
            errors[name] = FieldError("settings.error.too_slow")
            continue
        error = future.result()
        if error is not None:
            errors[name] = error
    return errors
