"""The advisor's listeners: ``assess`` and its modal, the result's buttons, and ``ask``."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.views.assessment import (
    ACTION_BACK,
    ACTION_RETAKE,
    ACTION_SHARE,
    ACTION_START,
    CALLBACK_PAGE,
)
from handlers.assessment import ask, modal, pages, result


def register(app: App, services: Services) -> None:
    services.subcommands.add("assess", modal.assess, "advisor.help.assess")
    services.subcommands.add("ask", ask.ask, "advisor.help.ask")
    app.view(CALLBACK_PAGE)(pages.submit_page)
    app.action(ACTION_BACK)(pages.go_back)
    app.action(ACTION_START)(modal.start)
    app.action(ACTION_RETAKE)(modal.retake)
    app.action(ACTION_SHARE)(result.share)
