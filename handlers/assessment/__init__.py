"""The advisor's listeners: ``assess`` and its modal, the result's buttons, ``ask``, and team
rounds (``assess team``: setup, Answer, Nudge, Close, Discuss, Rerun)."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.views import ids
from handlers.assessment import ask, modal, pages, result, shortcut, team


def register(app: App, services: Services) -> None:
    services.subcommands.add("assess", modal.assess, "advisor.help.assess")
    services.subcommands.add("ask", ask.ask, "advisor.help.ask")
    app.view(ids.ASSESSMENT_PAGE)(pages.submit_page)
    app.action(ids.ASSESSMENT_BACK)(pages.go_back)
    app.action(ids.ASSESSMENT_START)(modal.start)
    app.action(ids.ASSESSMENT_RETAKE)(modal.retake)
    app.action(ids.ASSESSMENT_SHARE)(result.share)
    app.shortcut(ids.ASSESSMENT_SHORTCUT)(shortcut.start)
    app.shortcut(ids.ASSESSMENT_FROM_MESSAGE)(shortcut.assess_message)
    app.view(ids.TEAM_SETUP)(team.submit_setup)
    app.action(ids.TEAM_OPEN_SETUP)(team.open_setup)
    app.action(ids.TEAM_ANSWER)(team.answer)
    app.action(ids.TEAM_NUDGE)(team.nudge_pending)
    app.action(ids.TEAM_CLOSE)(team.close_now)
    app.action(ids.TEAM_DISCUSS)(team.discuss)
    app.action(ids.TEAM_RERUN)(team.rerun)
