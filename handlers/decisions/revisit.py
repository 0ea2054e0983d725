"""What "Revisit" opens: for now a modal with the original answers and a button that hands
them to ``assessment.start``. Swap ``open_revisit`` for the assessment's own pre-filled modal
(``bot.views.assessment.assessment_modal``) once it exists; nothing else needs to change."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.views.decisions import revisit_modal


def open_revisit(client: WebClient, trigger_id: str, title: str, answers: dict[str, Any],
                 lang: str) -> None:
    client.views_open(trigger_id=trigger_id, view=revisit_modal(title, answers, lang))
