"""The assessment's shortcuts: "Start an assessment" (global) and "Assess this idea" (on a
message: the message becomes the assessment's title)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.assessment.store import TITLE_MAX
from bot.decisions.threads import plain
from bot.text import truncate_words
from bot.views.assessment import ModalState
from handlers.assessment.common import channel_of, open_modal
from handlers.context import Caller


def start(ack: Ack, body: dict[str, Any], caller: Caller) -> None:
    ack()
    open_modal(caller, body["trigger_id"], ModalState())


def assess_message(ack: Ack, body: dict[str, Any], caller: Caller) -> None:
    ack()
    text = " ".join(plain(str((body.get("message") or {}).get("text") or "")).split())
    state = ModalState(title=truncate_words(text, TITLE_MAX), channel_id=channel_of(body))
    open_modal(caller, body["trigger_id"], state)
