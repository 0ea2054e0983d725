"""``/buildvsbuy digest``: preview the next digest, subscribe to it, or send it now."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers.digest.command import digest


def register(app: App, services: Services) -> None:
    services.subcommands.add("digest", digest, "digest.help.command")
