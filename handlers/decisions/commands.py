"""``/buildvsbuy decide``, ``decisions`` and ``export``."""

from __future__ import annotations

import logging

from bot.audit import EXPORTED, audit
from bot.db import session_scope
from bot.decisions.export import export_csv
from bot.decisions.readers import require_reader
from bot.decisions.rules import DecisionDraft
from bot.decisions.search import list_page
from bot.i18n import t
from bot.views.decisions import ModalContext, list_blocks, list_text
from handlers.context import CommandRequest, require_admin, user_info
from handlers.decisions.modal import open_decide_modal

log = logging.getLogger(__name__)


def decide(req: CommandRequest) -> None:
    """Open the decide modal, the title pre-filled from the command's text."""
    req.ack()
    cmd = req.cmd
    draft = DecisionDraft(title=cmd.args, verdict="", owner_id=cmd.user_id)
    open_decide_modal(
        req.caller,
        trigger_id=cmd.trigger_id,
        context=ModalContext(channel_id=cmd.channel_id),
        draft=draft,
    )


def decisions(req: CommandRequest) -> None:
    """The first page of the team's decisions, filtered by the command's words."""
    req.ack()
    reader = user_info(req.caller.services, req.caller.client, req.cmd.team_id, req.cmd.user_id)
    with session_scope(req.caller.services.sessions) as session:
        require_reader(session, req.cmd.team_id, reader)
        page = list_page(session, req.cmd.team_id, 1, req.cmd.args)
    req.respond(
        response_type="ephemeral",
        text=list_text(page, req.caller.lang),
        blocks=list_blocks(page, req.caller.lang),
    )


def export(req: CommandRequest) -> None:
    """Admins only (checked here, on the server): the team's decisions as CSV, by DM."""
    req.ack()
    cmd = req.cmd
    require_admin(req.caller)
    reader = user_info(req.caller.services, req.caller.client, cmd.team_id, cmd.user_id)
    with session_scope(req.caller.services.sessions) as session:
        require_reader(session, cmd.team_id, reader)  # an app admin added by hand may be a guest
        exported = export_csv(session, cmd.team_id)
    dm = req.caller.client.conversations_open(users=cmd.user_id)["channel"]["id"]
    req.caller.client.files_upload_v2(
        channel=dm,
        content=exported.content,
        filename=f"decisions-{cmd.team_id}.csv",
        title=t("decisions.export.title", req.caller.lang),
        initial_comment=t("decisions.export.comment", req.caller.lang, count=exported.rows),
    )
    with session_scope(req.caller.services.sessions, write=True) as session:
        audit(
            session,
            cmd.team_id,
            cmd.user_id,
            EXPORTED,
            req.caller.services.clock(),
            rows=exported.rows,
        )
    log.info("export team=%s: %d decisions sent by DM", cmd.team_id, exported.rows)
    req.respond(response_type="ephemeral", text=t("decisions.export.sent", req.caller.lang))
