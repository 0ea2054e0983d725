"""The Home tab."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.i18n import t


def home_view(lang: str) -> View:
    return View(type="home", blocks=[
        HeaderBlock(text=t("home.title", lang)),
        SectionBlock(text=MarkdownTextObject(text=t("home.intro", lang))),
        ContextBlock(elements=[MarkdownTextObject(text=t("home.commands", lang))]),
    ])
