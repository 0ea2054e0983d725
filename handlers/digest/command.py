"""The ``digest`` subcommand and its actions. Each one acks first; the work comes after."""

from __future__ import annotations

from collections.abc import Callable

from bot.admins import is_admin
from bot.db import session_scope
from bot.digest.schedule import zone
from bot.i18n import t
from bot.messaging import digest_commands as commands
from bot.views.digest import digest_blocks, digest_text, failure_summary, notice_blocks
from handlers.context import CommandRequest, require_admin, user_info


def _say(req: CommandRequest, text: str) -> None:
    req.respond(response_type="ephemeral", text=text, blocks=notice_blocks(text))


def _is_admin(req: CommandRequest) -> bool:
    cmd = req.cmd
    info = user_info(req.caller.services, req.caller.client, cmd.team_id, cmd.user_id)
    with session_scope(req.caller.services.sessions) as session:
        return is_admin(session, cmd.team_id, cmd.user_id, info)


def preview(req: CommandRequest) -> None:
    """The next digest as it would go out now, only for the asker."""
    req.ack()
    lang = req.caller.lang
    result = commands.preview(req.caller.services, req.cmd.team_id, show_problems=_is_admin(req))
    if result.digest is None:
        _say(req, t("digest.preview.nothing_stored", lang))
        return
    plan = result.plan
    if not plan.enabled:
        note = t("digest.preview.disabled", lang)
    else:
        where = (
            t("digest.preview.where_channel", lang, channel=plan.channel_id)
            if plan.channel_id
            else ""
            if plan.readers
            else t("digest.preview.where_nowhere", lang)
        )
        when = result.next.at.astimezone(zone(plan.tz)).strftime("%Y-%m-%d %H:%M")
        note = t("digest.preview.note", lang, when=when, tz=plan.tz, where=where)
    date = result.next.period
    req.respond(
        response_type="ephemeral",
        text=digest_text(result.digest, lang, date),
        blocks=digest_blocks(
            result.digest, lang, date, notes=[note], footer=failure_summary(result.problems, lang)
        ),
    )


def subscribe(req: CommandRequest) -> None:
    req.ack()
    cmd, services = req.cmd, req.caller.services
    with session_scope(services.sessions, write=True) as session:
        added = commands.subscribe(session, cmd.team_id, cmd.user_id, services.clock())
        plan = commands.team_plan(session, cmd.team_id)
    if not added:
        _say(req, t("digest.subscribe.already", req.caller.lang))
        return
    when = commands.schedule_words(plan.schedule, req.caller.lang)
    _say(req, t("digest.subscribe.done", req.caller.lang, when=when))


def unsubscribe(req: CommandRequest) -> None:
    req.ack()
    cmd = req.cmd
    with session_scope(req.caller.services.sessions, write=True) as session:
        removed, manager = commands.unsubscribe(session, cmd.team_id, cmd.user_id)
    if manager:
        key = "digest.subscribe.stopped_manager"
    else:
        key = "digest.subscribe.stopped" if removed else "digest.subscribe.not_subscribed"
    _say(req, t(key, req.caller.lang))


def send_now(req: CommandRequest) -> None:
    """Admins only, checked here on the server: the digest to the channel, right now."""
    req.ack()
    cmd = req.cmd
    require_admin(req.caller)
    sent = commands.send_now(req.caller.services, req.caller.client, cmd.team_id, cmd.user_id)
    _say(req, t("digest.now.sent", req.caller.lang, channel=sent.channel_id, count=sent.count))


ACTIONS: dict[str, Callable[[CommandRequest], None]] = {
    "": preview,
    "preview": preview,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "now": send_now,
}


def digest(req: CommandRequest) -> None:
    action = req.cmd.args.partition(" ")[0].lower()
    run = ACTIONS.get(action)
    if run is None:
        text = t("digest.usage.text", req.caller.lang)
        req.ack(response_type="ephemeral", text=text, blocks=notice_blocks(text))
        return
    run(req)
