"""A mention's answer in its thread: the advisor's text, then Run the assessment and Log a
decision (the buttons of the Home tab, handled by the same listeners)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import t
from bot.text import clip
from bot.views import ids

SECTION_MAX = 3000  # Slack's limit on a section's text


def mention_blocks(text: str, lang: str) -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX))),
        ActionsBlock(
            block_id="mention",
            elements=[
                ButtonElement(
                    action_id=ids.ASSESSMENT_START,
                    style="primary",
                    text=t("advisor.mention.assess", lang),
                ),
                ButtonElement(action_id=ids.DECISION_LOG, text=t("advisor.mention.decide", lang)),
            ],
        ),
    ]
