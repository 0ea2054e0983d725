"""``/buildvsbuy settings``: admins get the modal with the current values, others a sentence."""

from __future__ import annotations

from handlers.context import CommandRequest, require_admin, user_info
from handlers.settings.screen import current_view


def open_settings(req: CommandRequest) -> None:
    req.ack()
    cmd, services = req.cmd, req.caller.services
    require_admin(req.caller)
    tz = user_info(services, req.caller.client, cmd.team_id, cmd.user_id).get("tz")
    view = current_view(req.caller, fallback_tz=tz, channel_id=cmd.channel_id)
    req.caller.client.views_open(trigger_id=cmd.trigger_id, view=view)
    # A new feed is parsed on submission, seconds from now: have the parser ready. Imported
    # here, after the modal is open: the parser's module and multiprocessing are only for
    # admins adding feeds, not in every web worker's memory (bench/bench_ack.py, peak RSS).
    from bot.news.sandbox import warm_up

    warm_up()
