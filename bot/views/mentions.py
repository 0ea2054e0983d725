"""A mention's answer in its thread: the advisor's text, then Run the assessment and Log a
decision (the buttons of the Home tab, handled by the same listeners)."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import t
from bot.text import clip, json_object, truncate_words
from bot.views import ids

SECTION_MAX = 3000  # Slack's limit on a section's text
TITLE_MAX = 150  # an assessment's title


def start_value(title: str) -> str:
    """The Run the assessment button's value: the question, as the assessment's title."""
    return json.dumps({"title": truncate_words(" ".join(title.split()), TITLE_MAX)})


def title_from_value(raw: str | None) -> str:
    """The title a Run the assessment button carries ("" for any other value)."""
    title = json_object(raw).get("title")
    return truncate_words(" ".join(title.split()), TITLE_MAX) if isinstance(title, str) else ""


def mention_blocks(text: str, lang: str, question: str = "") -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX))),
        ActionsBlock(
            block_id="mention",
            elements=[
                ButtonElement(
                    action_id=ids.ASSESSMENT_START,
                    style="primary",
                    text=t("advisor.mention.assess", lang),
                    value=start_value(question) if question else None,
                ),
                ButtonElement(action_id=ids.DECISION_LOG, text=t("advisor.mention.decide", lang)),
            ],
        ),
    ]
