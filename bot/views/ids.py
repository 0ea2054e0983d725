"""Every action, callback and block id our surfaces put in Slack, each defined once.

The views write them into Block Kit; ``handlers`` registers listeners on them. A button shown
on one surface but handled by another's listeners (Start an assessment on the Home tab, Save
as decision on a result) uses the id of the surface that handles it.
"""

from __future__ import annotations

# The assessment modal and its result.
ASSESSMENT_PAGE = "assessment.page"  # callback id of every page of the modal
ASSESSMENT_BACK = "assessment.back"
ASSESSMENT_SHARE = "assessment.share"
ASSESSMENT_RETAKE = "assessment.retake"
ASSESSMENT_START = "assessment.start"  # on the Home tab, the revisit modal, mention answers
ASSESSMENT_SHORTCUT = "assessment.shortcut"  # global shortcut "Start an assessment"
ASSESSMENT_FROM_MESSAGE = "assessment.from_message"  # message shortcut "Assess this idea"

# Team rounds (a team assessment).
TEAM_OPEN_SETUP = "team.open_setup"  # page 1's "Ask my team instead"
TEAM_SETUP = "team.setup"  # callback id of the setup modal
TEAM_ANSWER = "team.answer"  # on the invitation, the status and the Home tab
TEAM_NUDGE = "team.nudge"
TEAM_CLOSE = "team.close"
TEAM_DISCUSS = "team.discuss"
TEAM_RERUN = "team.rerun"
TEAM_EMPTY_RESULT = (
    "team.empty_result"  # block id prefix (+ ".<round id>") of a result nobody answered
)

# The decision log.
DECISION_SAVE = "decisions.save"  # callback id of the decide modal
DECISION_ENTRY = "decisions.entry"  # the overflow menu on each listed decision
DECISION_NEXT, DECISION_PREVIOUS = "decisions.page.next", "decisions.page.previous"
DECISION_LOG = "decisions.log"  # on the Home tab and under mention answers
DECISION_FROM_MESSAGE = "decisions.from_message"  # message shortcut "Log as decision"
DECISION_FROM_ASSESSMENT = "decision.from_assessment"  # on the assessment result
DECISION_STILL_RIGHT = "decisions.reminder.still_right"
DECISION_REVISIT = "decisions.reminder.revisit"  # on reminders and digests
DECISION_SNOOZE = "decisions.reminder.snooze"

# The digest: every block of a digest message starts with this prefix.
DIGEST_BLOCK_PREFIX = "digest."

# Settings.
SETTINGS_SAVE = "settings"  # callback id of the settings modal
SETTINGS_PURGE = "settings.purge"  # callback id of the delete-everything confirmation
SETTINGS_DELETE = "settings.delete_all"
SETTINGS_PROBLEMS_BLOCK = "settings.delivery_problems"

# Pushed over a modal submitted while its workspace had its share of work in flight.
BUSY = "busy"
