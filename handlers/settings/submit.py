"""The settings modal's submission: admins only, every field checked, saved all or nothing.

Slack waits 3 seconds for the answer, errors included: the slow checks (the digest channel,
a new feed) run side by side under a deadline (``bot.team_config.checks``).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError

from bot.db import session_scope
from bot.errors import NotAllowed
from bot.i18n import t
from bot.team_config import FieldError, FormResult, load_config, save_config, team_feeds
from bot.team_config import form as fields
from bot.team_config.checks import Check, channel_error_for, channel_problem, run_checks
from bot.team_config.feeds import FeedCheck, check_new_feed, known_feed_error
from bot.views.settings import notice_view, saved_line
from handlers.context import Caller, require_admin, user_info
from handlers.settings.screen import channel_of, tell


def refuse_unless_admin(ack: Ack, caller: Caller) -> bool:
    """Checked on the server: a forged submission from a non-admin changes nothing."""
    try:
        require_admin(caller)
    except NotAllowed as refusal:
        ack(
            response_action="update",
            view=notice_view(t(refusal.key, caller.lang, **refusal.params), caller.lang),
        )
        return True
    return False


def _channel_check(caller: Caller, channel_id: str) -> Check:
    def check() -> FieldError | None:
        try:
            info = caller.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            return channel_error_for(str(exc.response.get("error", "")))
        return channel_problem(info)

    return check


def _slow_checks(
    caller: Caller, result: FormResult, team_urls: list[str], found: dict[str, FeedCheck]
) -> dict[str, FieldError]:
    errors: dict[str, FieldError] = {}
    checks: dict[str, Check] = {}
    channel = result.config.digest_channel_id
    if channel and result.config.digest_enabled:
        checks[fields.DIGEST_CHANNEL] = _channel_check(caller, channel)
    url = result.feeds.add_url
    if url:
        known = known_feed_error(url, team_urls)
        if known is not None:
            errors[fields.FEED_ADD] = known
        else:

            def feed_check() -> FieldError | None:
                found[url] = check_new_feed(
                    url,
                    caller.lang,
                    allow_private=caller.services.settings.FEEDS_ALLOW_PRIVATE_ADDRESSES,
                    ports=caller.services.settings.feed_ports,
                )
                return found[url].error

            checks[fields.FEED_ADD] = feed_check
    return {**run_checks(checks), **errors}


def submit_settings(ack: Ack, body: dict[str, Any], caller: Caller) -> None:
    if refuse_unless_admin(ack, caller):
        return
    view = body["view"]
    tz = user_info(caller.services, caller.client, caller.team_id, caller.user_id).get("tz")
    with session_scope(caller.services.sessions) as session:
        current = load_config(session, caller.team_id, tz)
        feeds = team_feeds(session, caller.team_id)
    raw = fields.read_state(view.get("state", {}).get("values", {}))
    result = fields.validate_form(
        raw,
        current,
        llm_available=caller.services.settings.llm_configured,
        allowed_models=caller.services.settings.allowed_models,
        team_feed_ids={feed.id for feed in feeds},
    )
    errors = dict(result.errors)
    found: dict[str, FeedCheck] = {}
    if not errors:
        errors = _slow_checks(caller, result, [f.url for f in feeds], found)
    if errors:
        ack(
            response_action="errors",
            errors={name: error.message(caller.lang) for name, error in errors.items()},
        )
        return
    ack()
    added = found.get(result.feeds.add_url or "")
    with session_scope(caller.services.sessions, write=True) as session:
        changes = save_config(
            session,
            caller.team_id,
            caller.user_id,
            result.config,
            result.feeds,
            caller.services.clock(),
            feed_title=added.title if added else None,
            fallback_tz=tz,
        )
    caller.services.forget_team(
        caller.team_id
    )  # the language may have changed: the next request reads it
    tell(
        caller,
        channel_of(view.get("private_metadata")),
        saved_line(changes, result.config.language),
    )
