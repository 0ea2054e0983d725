"""The settings modal, the "Delete all data" confirmation, and how a change reads to admins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    TimePickerElement,
    UrlInputElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.digest import DeliveryProblem
from bot.i18n import LANGUAGES, has, t
from bot.team_config import form as f
from bot.team_config.store import Change, TeamFeedRef
from bot.text import clip, escape
from bot.views import ids
from bot.views.digest import failure_summary

MAX_CHECKBOXES = 10  # Slack's limit; more feeds than that get a multi-select
CONTEXT_CHARS = 3000
OPTION_CHARS = 75


@dataclass(frozen=True)
class SettingsScreen:
    """What the modal shows; ``llm_default_model`` is None when the operator set no LLM key,
    ``delivery_problems`` the team's recent failed or missed digests (newest first)."""

    config: f.TeamConfig
    lang: str
    feeds: Sequence[TeamFeedRef] = ()
    history: Sequence[Change] = ()
    builtin_feeds: int = 0
    llm_default_model: str | None = None
    llm_models: Sequence[str] = ()  # the models the operator allows
    private_metadata: str = ""
    delivery_problems: Sequence[DeliveryProblem] = ()


def _s(key: str, lang: str, **params: object) -> str:
    return t(f"settings.{key}", lang, **params)


def _option(value: str, text: str) -> Option:
    return Option(value=value, text=clip(text, OPTION_CHARS))


def _switch(name: str, enabled: bool, on: str, off: str, label: str) -> InputBlock:
    options = [_option(f.ON, on), _option(f.OFF, off)]
    return InputBlock(
        block_id=name,
        label=label,
        element=RadioButtonsElement(
            action_id=name, options=options, initial_option=options[0 if enabled else 1]
        ),
    )


def _radio(name: str, label: str, choices: list[tuple[str, str]], current: str) -> InputBlock:
    options = [_option(value, text) for value, text in choices]
    initial = next((o for o in options if o.value == current), options[0])
    return InputBlock(
        block_id=name,
        label=label,
        element=RadioButtonsElement(action_id=name, options=options, initial_option=initial),
    )


def _number(name: str, label: str, hint: str, value: int, bounds: tuple[int, int]) -> InputBlock:
    return InputBlock(
        block_id=name,
        label=label,
        hint=hint,
        element=NumberInputElement(
            action_id=name,
            is_decimal_allowed=False,
            initial_value=str(value),
            min_value=str(bounds[0]),
            max_value=str(bounds[1]),
        ),
    )


def _users(name: str, label: str, hint: str | None, users: Sequence[str], limit: int) -> InputBlock:
    element = UserMultiSelectElement(
        action_id=name, max_selected_items=limit, initial_users=list(users) or None
    )
    return InputBlock(block_id=name, label=label, hint=hint, optional=True, element=element)


def _digest_blocks(screen: SettingsScreen) -> list[Block]:
    c, lang = screen.config, screen.lang
    days = [_option(day, _s(f"day.{day}", lang)) for day in f.WEEKDAYS]
    picked = f.WEEKDAYS if c.digest_days == f.DAILY else tuple(c.digest_days.split(","))
    blocks: list[Block] = [
        HeaderBlock(text=_s("modal.digest_header", lang)),
        _switch(
            f.DIGEST_ENABLED,
            c.digest_enabled,
            _s("value.on", lang),
            _s("value.off", lang),
            _s("field.digest_enabled", lang),
        ),
        InputBlock(
            block_id=f.DIGEST_CHANNEL,
            label=_s("field.digest_channel_id", lang),
            hint=_s("modal.channel_hint", lang),
            optional=True,
            element=ConversationSelectElement(
                action_id=f.DIGEST_CHANNEL,
                initial_conversation=c.digest_channel_id,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
    ]
    problems = failure_summary(screen.delivery_problems, lang)
    if problems:  # beside the channel: most are fixed there (invite me, pick another one)
        blocks.append(
            SectionBlock(
                block_id=ids.SETTINGS_PROBLEMS_BLOCK,
                text=MarkdownTextObject(text=clip(problems, CONTEXT_CHARS)),
            )
        )
    return blocks + [
        InputBlock(
            block_id=f.DIGEST_DAYS,
            label=_s("field.digest_days", lang),
            hint=_s("modal.days_hint", lang),
            element=CheckboxesElement(
                action_id=f.DIGEST_DAYS,
                options=days,
                initial_options=[o for o in days if o.value in picked] or None,
            ),
        ),
        InputBlock(
            block_id=f.DIGEST_TIME,
            label=_s("field.digest_time", lang),
            element=TimePickerElement(action_id=f.DIGEST_TIME, initial_time=c.digest_time),
        ),
        InputBlock(
            block_id=f.TIMEZONE,
            label=_s("field.timezone", lang),
            hint=_s("modal.timezone_hint", lang),
            element=PlainTextInputElement(
                action_id=f.TIMEZONE, initial_value=c.timezone, max_length=64
            ),
        ),
        _number(
            f.DIGEST_ITEMS,
            _s("field.digest_items", lang),
            _s("modal.range_hint", lang, min=f.ITEMS_RANGE[0], max=f.ITEMS_RANGE[1]),
            c.digest_items,
            f.ITEMS_RANGE,
        ),
        _users(
            f.MANAGERS,
            _s("field.managers", lang),
            _s("modal.managers_hint", lang),
            c.managers,
            f.MAX_MANAGERS,
        ),
    ]


def _feed_blocks(screen: SettingsScreen) -> list[Block]:
    lang = screen.lang
    blocks: list[Block] = [
        HeaderBlock(text=_s("modal.feeds_header", lang)),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=_s("modal.builtin_feeds", lang, count=screen.builtin_feeds))
            ]
        ),
        InputBlock(
            block_id=f.FEED_ADD,
            label=_s("modal.feed_add", lang),
            hint=_s("modal.feed_add_hint", lang),
            optional=True,
            element=UrlInputElement(action_id=f.FEED_ADD),
        ),
    ]
    if screen.feeds:
        options = [_option(str(feed.id), feed.title or feed.url) for feed in screen.feeds]
        element = (
            CheckboxesElement(action_id=f.FEED_REMOVE, options=options)
            if len(options) <= MAX_CHECKBOXES
            else StaticMultiSelectElement(action_id=f.FEED_REMOVE, options=options)
        )
        blocks.append(
            InputBlock(
                block_id=f.FEED_REMOVE,
                label=_s("modal.feed_remove", lang),
                optional=True,
                element=element,
            )
        )
    return blocks


def _advisor_blocks(screen: SettingsScreen) -> list[Block]:
    c, lang = screen.config, screen.lang
    blocks: list[Block] = [
        HeaderBlock(text=_s("modal.advisor_header", lang)),
        _radio(
            f.LANGUAGE,
            _s("field.language", lang),
            [(code, _s(f"language.{code}", lang)) for code in LANGUAGES],
            c.language,
        ),
        _switch(
            f.PERSONAL_LANGUAGE,
            c.personal_language,
            _s("modal.personal_language_on", lang),
            _s("modal.personal_language_off", lang),
            _s("field.personal_language", lang),
        ),
    ]
    if screen.llm_default_model is None:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=_s("modal.llm_unavailable", lang))])
        )
    else:
        blocks.append(
            _switch(
                f.LLM_ENABLED,
                c.llm_enabled,
                _s("modal.llm_on", lang),
                _s("modal.llm_off", lang),
                _s("field.llm_enabled", lang),
            )
        )
        blocks.append(
            InputBlock(
                block_id=f.LLM_MODEL,
                label=_s("field.llm_model", lang),
                optional=True,
                hint=_s(
                    "modal.llm_model_hint",
                    lang,
                    model=screen.llm_default_model,
                    models=", ".join(screen.llm_models or (screen.llm_default_model,)),
                ),
                element=PlainTextInputElement(
                    action_id=f.LLM_MODEL, initial_value=c.llm_model, max_length=f.MAX_MODEL_CHARS
                ),
            )
        )
    blocks += [
        _radio(
            f.RESULT_VISIBILITY,
            _s("field.result_visibility", lang),
            [(v, _s(f"value.{v}", lang)) for v in f.VISIBILITIES],
            c.result_visibility,
        ),
        _number(
            f.REVIEW_PERIOD,
            _s("field.review_period_days", lang),
            _s("modal.range_hint", lang, min=f.REVIEW_DAYS_RANGE[0], max=f.REVIEW_DAYS_RANGE[1]),
            c.review_period_days,
            f.REVIEW_DAYS_RANGE,
        ),
        HeaderBlock(text=_s("modal.admins_header", lang)),
        _users(
            f.ADMINS,
            _s("field.admins", lang),
            _s("modal.admins_hint", lang),
            c.admins,
            f.MAX_ADMINS,
        ),
        _switch(
            f.GUESTS_READ,
            c.guests_read_decisions,
            _s("modal.guests_on", lang),
            _s("modal.guests_off", lang),
            _s("field.guests_read_decisions", lang),
        ),
    ]
    return blocks


def _history_blocks(history: Sequence[Change], lang: str) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text=_s("modal.history_header", lang))]
    if not history:
        return blocks + [
            ContextBlock(elements=[MarkdownTextObject(text=_s("modal.history_empty", lang))])
        ]
    for change in history:
        when = (
            f"<!date^{int(change.at.timestamp())}^{{date_short_pretty}} {{time}}|"
            f"{change.at:%Y-%m-%d %H:%M} UTC>"
        )
        text = _s(
            "modal.history_entry",
            lang,
            who=f"<@{change.user_id}>",
            when=when,
            changes=change_summary(change.changes, lang),
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(text, CONTEXT_CHARS))]))
    return blocks


def settings_view(screen: SettingsScreen) -> View:
    lang = screen.lang
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=_s("modal.intro", lang)))]
    blocks += _digest_blocks(screen)
    blocks += _feed_blocks(screen)
    blocks += _advisor_blocks(screen)
    blocks += [
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=_s("modal.danger", lang))),
        ActionsBlock(
            block_id="danger",
            elements=[
                ButtonElement(
                    text=_s("modal.delete_all", lang),
                    action_id=ids.SETTINGS_DELETE,
                    style="danger",
                    value="delete",
                )
            ],
        ),
    ]
    blocks += _history_blocks(screen.history, lang)
    return View(
        type="modal",
        callback_id=ids.SETTINGS_SAVE,
        title=_s("modal.title", lang),
        submit=_s("modal.submit", lang),
        close=_s("modal.close", lang),
        private_metadata=screen.private_metadata,
        blocks=blocks,
    )


def purge_view(counts: dict[str, int], lang: str, private_metadata: str = "") -> View:
    """Names what will go, table by table, with counts, before anything is deleted."""
    lines = [f"• {_table_line(name, count, lang)}" for name, count in counts.items()]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=_s("purge.intro", lang))),
        SectionBlock(
            text=MarkdownTextObject(text=clip("\n".join(lines) or _s("purge.nothing", lang), 3000))
        ),
    ]
    if {"slack_installations", "slack_bots"} & counts.keys():
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_s("purge.tokens", lang))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_s("purge.outro", lang))]))
    return View(
        type="modal",
        callback_id=ids.SETTINGS_PURGE,
        title=_s("purge.title", lang),
        submit=_s("purge.submit", lang),
        close=_s("purge.close", lang),
        private_metadata=private_metadata,
        blocks=blocks,
    )


def _table_line(table: str, count: int, lang: str) -> str:
    key = f"settings.purge.table.{table}"
    if has(key, lang):
        return t(key, lang, count=count)
    return _s("purge.table_other", lang, table=table, count=count)


def notice_view(text: str, lang: str) -> View:
    """A modal that only says something (what a refused submission turns into)."""
    return View(
        type="modal",
        title=_s("modal.title", lang),
        close=_s("modal.done", lang),
        blocks=[SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))],
    )


# ----------------------------------------------------------------------- how a change reads


def _value(name: str, value: Any, lang: str) -> str:
    if value is None or value == "":
        return _s("value.none", lang)
    if isinstance(value, bool):
        return _s("value.on" if value else "value.off", lang)
    if name == "digest_channel_id":
        return f"<#{value}>"
    if name == "digest_days":
        if value == f.DAILY:
            return _s("value.daily", lang)
        return ", ".join(
            _s(f"day.{d}", lang) if d in f.WEEKDAYS else escape(d) for d in str(value).split(",")
        )
    if name == "language" and value in LANGUAGES:
        return _s(f"language.{value}", lang)
    if name == "result_visibility" and value in f.VISIBILITIES:
        return _s(f"value.{value}", lang)
    return escape(str(value))


def _list_change(name: str, before: list, after: list, lang: str) -> str:
    show = (lambda v: f"<@{v}>") if name in ("managers", "admins") else escape
    added = [f"+{show(v)}" for v in after if v not in before]
    removed = [f"−{show(v)}" for v in before if v not in after]
    return ", ".join(added + removed) or _s("value.none", lang)


def change_summary(changes: dict[str, dict[str, Any]], lang: str) -> str:
    """``*Language*: English → Français; …``: each field before and after, in the audit order."""
    parts = []
    for name, change in changes.items():
        known = has(f"settings.field.{name}", lang)
        label = _s(f"field.{name}", lang) if known else escape(name)
        before, after = change.get("before"), change.get("after")
        if isinstance(before, list) or isinstance(after, list):
            text = _list_change(name, list(before or []), list(after or []), lang)
        else:
            text = f"{_value(name, before, lang)} → {_value(name, after, lang)}"
        parts.append(_s("modal.change", lang, label=label, text=text))
    return _s("modal.separator", lang).join(parts)


def saved_line(changes: dict[str, dict[str, Any]], lang: str) -> str:
    """The one ephemeral line an admin gets after saving."""
    if not changes:
        return _s("saved.nothing", lang)
    return clip(_s("saved.done", lang, changes=change_summary(changes, lang)), 3000)
