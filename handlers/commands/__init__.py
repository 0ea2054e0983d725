"""``/buildvsbuy``: one command, routed to the subcommands features registered."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.commands import SlashCommand
from bot.services import Services
from bot.views.help import help_blocks, help_text
from handlers.context import Caller, CommandRequest

COMMAND = "/buildvsbuy"


def buildvsbuy(ack: Ack, body: dict[str, Any], respond: Respond, caller: Caller) -> None:
    cmd = SlashCommand.parse(body)
    sub = caller.services.subcommands.get(cmd.subcommand)
    if sub is None:
        unknown = cmd.subcommand if cmd.subcommand not in ("", "help") else None
        ack(
            response_type="ephemeral",
            text=help_text(caller.services.subcommands, caller.lang, COMMAND),
            blocks=help_blocks(caller.services.subcommands, caller.lang, unknown, COMMAND),
        )
        return
    sub.run(CommandRequest(cmd, ack, respond, caller))


def register(app: App, services: Services) -> None:
    app.command(COMMAND)(buildvsbuy)
