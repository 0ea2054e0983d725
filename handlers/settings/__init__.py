"""Admin settings: ``/buildvsbuy settings``, its modal, and deleting all of a team's data."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.views import ids
from handlers.settings.command import open_settings
from handlers.settings.purge import confirm_purge, open_purge_confirmation
from handlers.settings.submit import submit_settings


def register(app: App, services: Services) -> None:
    services.subcommands.add("settings", open_settings, "settings.command.help", admin_only=True)
    app.view(ids.SETTINGS_SAVE)(submit_settings)
    app.action(ids.SETTINGS_DELETE)(open_purge_confirmation)
    app.view(ids.SETTINGS_PURGE)(confirm_purge)
