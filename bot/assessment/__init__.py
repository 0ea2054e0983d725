"""The build-vs-buy assessment: questions, the deterministic engine, and the offline advisor.

Slack, the terminal and the JSON interface all call :func:`score_answers`; none re-implements it.
"""

from bot.assessment.engine import (
    ENGINE_VERSION,
    AnswerError,
    Assessment,
    Contribution,
    Reason,
    score_answers,
    validate_answers,
)
from bot.assessment.questions import PAGES, PRINCIPLES, QUESTIONS, RED_FLAGS
from bot.vocabulary import VERDICTS

__all__ = [
    "ENGINE_VERSION",
    "PAGES",
    "PRINCIPLES",
    "QUESTIONS",
    "RED_FLAGS",
    "VERDICTS",
    "AnswerError",
    "Assessment",
    "Contribution",
    "Reason",
    "score_answers",
    "validate_answers",
]
