"""The decision log's listeners: subcommands, the decide modal, list menus, reminders, Home."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.views import ids
from handlers.context import handled_once
from handlers.decisions import buttons, commands, entries, home, modal, reminders, shortcut


def register(app: App, services: Services) -> None:
    services.subcommands.add("decide", commands.decide, "decisions.help.decide")
    services.subcommands.add("decisions", commands.decisions, "decisions.help.decisions")
    services.subcommands.add("export", commands.export, "decisions.help.export", admin_only=True)
    app.view(ids.DECISION_SAVE)(modal.save_decision)
    app.action(ids.DECISION_NEXT)(entries.turn_page)
    app.action(ids.DECISION_PREVIOUS)(entries.turn_page)
    app.action(ids.DECISION_ENTRY)(entries.entry_menu)
    app.action(ids.DECISION_LOG)(buttons.log_decision)
    app.shortcut(ids.DECISION_FROM_MESSAGE)(shortcut.log_message)
    app.action(ids.DECISION_FROM_ASSESSMENT)(buttons.save_assessment_as_decision)
    app.action(ids.DECISION_STILL_RIGHT)(reminders.still_right)
    app.action(ids.DECISION_REVISIT)(reminders.revisit)
    app.action(ids.DECISION_SNOOZE)(reminders.snooze)
    app.event("app_home_opened")(handled_once(home.app_home_opened))
