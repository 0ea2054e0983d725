"""``/buildvsbuy``: one command, routed to the subcommands features registered."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.commands import SlashCommand
from bot.services import Services
from bot.views.help import help_blocks, help_text
from handlers.context import CommandRequest

COMMAND = "/buildvsbuy"


def buildvsbuy(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    lang: str,
) -> None:
    cmd = SlashCommand.parse(body)
    sub = services.subcommands.get(cmd.subcommand)
    if sub is None:
        unknown = cmd.subcommand if cmd.subcommand not in ("", "help") else None
        ack(
            response_type="ephemeral",
            text=help_text(services.subcommands, lang, COMMAND),
            blocks=help_blocks(services.subcommands, lang, unknown, COMMAND),
        )
        return
    sub.run(CommandRequest(cmd, ack, respond, client, services, lang))


def register(app: App, services: Services) -> None:
    app.command(COMMAND)(buildvsbuy)
