"""The help message: one line per subcommand that is actually registered; the busy modal."""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.commands import Subcommand
from bot.i18n import t
from bot.views.ids import BUSY


def help_text(subcommands: Iterable[Subcommand], lang: str, command: str = "/buildvsbuy") -> str:
    lines = [t("help.intro", lang)]
    for sub in sorted(subcommands, key=lambda s: s.name):
        line = f"• `{command} {sub.name}` {t(sub.help_key, lang)}"
        if sub.admin_only:
            line += f" _{t('help.admins_only', lang)}_"
        lines.append(line)
    lines.append(f"• `{command} help` {t('help.help', lang)}")
    # The doors that are not the command: shortcuts and mentions (manifest.json declares them).
    lines.append(f"\n{t('help.ways_in', lang)}")
    return "\n".join(lines)


def help_blocks(
    subcommands: Iterable[Subcommand],
    lang: str,
    unknown: str | None = None,
    command: str = "/buildvsbuy",
) -> list[Block]:
    blocks: list[Block] = []
    if unknown:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=t("help.unknown", lang, name=unknown[:50])))
        )
    blocks.append(SectionBlock(text=MarkdownTextObject(text=help_text(subcommands, lang, command))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("help.footer", lang))]))
    return blocks


def busy_modal(lang: str) -> dict:
    """Pushed over a modal whose submission came while the workspace had its share of work in
    flight: closing it goes back to the form, the answers still there, to submit again."""
    view = View(
        type="modal",
        callback_id=BUSY,
        title=PlainTextObject(text=t("errors.busy_title", lang)[:24]),
        close=PlainTextObject(text=t("errors.busy_close", lang)[:24]),
        blocks=[SectionBlock(text=MarkdownTextObject(text=t("errors.busy", lang)))],
    )
    return view.to_dict()
