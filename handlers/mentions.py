"""``@Build-vs-Buy <question>`` in a channel or a thread: answered in the thread under the
mention by the same advisor as ``/buildvsbuy ask``, with the thread (bounded) as context, and
buttons to run the assessment or log a decision.

Never answers a bot (itself included). The event is handled once (``handled_once``); an
answer that fails after the mention was read says so in the thread rather than leaving it
silent, and is not retried (a retry would answer twice).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.ask.language import detect
from bot.decisions.threads import plain, transcript
from bot.i18n import t
from bot.llm import LLMClient, answer_question
from bot.text import escape
from bot.views.assessment import ask_text
from bot.views.mentions import mention_blocks
from handlers.context import Caller, handled_once
from handlers.conversations import read_thread
from handlers.errors import user_message

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
CONTEXT_HEADING = "The Slack thread this question was asked in:"  # for the advisor, not people


def app_mention(event: dict[str, Any], caller: Caller) -> None:
    if event.get("bot_id") or event.get("subtype") == "bot_message" or not event.get("user"):
        log.info("mention by a bot in %s ignored", event.get("channel"))
        return
    channel, ts = str(event.get("channel") or ""), str(event.get("ts") or "")
    thread_ts = str(event.get("thread_ts") or "")
    reply = Reply(caller.client, channel, thread_ts or ts)
    lang = caller.lang
    try:
        question = " ".join(plain(_MENTION.sub(" ", str(event.get("text") or ""))).split())
        context = ""
        if thread_ts:
            earlier = [m for m in read_thread(caller.client, channel, thread_ts) if m.ts != ts]
            context = transcript(earlier)
        if not question and not context:
            reply.post(t("advisor.mention.usage", lang))
            return
        # As ``ask``: the question's language.
        lang = detect(question, lang) if question else lang
        shown = question or t("advisor.mention.about_thread", lang)
        asked = f"{question}\n\n{CONTEXT_HEADING}\n{context}" if context else question
        llm = caller.services.team_llm(caller.team_id)
        if llm is None:  # offline: instant
            _answer(reply, shown, asked, lang, None, question)
            return
        reply.post(t("advisor.slack.thinking", lang, question=escape(shown)))
        caller.services.after_ack.submit(
            lambda: _answer(reply, shown, asked, lang, llm, question),
            lambda error: reply.tell(error, lang),
            team_id=caller.team_id,  # without it, every workspace's mentions shared one share
        )
    except Exception as error:  # noqa: BLE001 - the person is told in the thread, once
        reply.tell(error, lang)


class Reply:
    """The thread under the mention: where the answer, or the news that it failed, goes."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.placeholder: str | None = None  # the "thinking" reply, replaced by the answer

    def post(self, text: str, blocks: list | None = None) -> None:
        if self.placeholder is not None:
            self.client.chat_update(
                channel=self.channel, ts=self.placeholder, text=text, blocks=blocks or []
            )
            return
        response = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=text, blocks=blocks
        )
        if blocks is None:
            self.placeholder = str(response.get("ts") or "") or None

    def tell(self, error: BaseException, lang: str) -> None:
        """One sentence in the thread (an unknown error is logged with its id)."""
        text = user_message(error if isinstance(error, Exception) else RuntimeError(), lang)
        try:  # a reply of its own: the write that failed may have been the placeholder's update
            self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=text)
        except Exception as exc:  # noqa: BLE001 - nothing more can be done; say so in the log
            log.warning("could not tell the thread about a failure: %s", type(exc).__name__)


def _answer(
    reply: Reply, shown: str, asked: str, lang: str, llm: LLMClient | None, question: str
) -> None:
    """``question`` (the person's words, "" for a bare mention in a thread) titles the
    assessment that Run the assessment opens."""
    answer = answer_question(asked, lang, llm)  # any LLM failure: the offline answer, noted
    text = ask_text(shown, answer.text, lang, by_llm=answer.used_llm, notice=answer.fallback_notice)
    reply.post(text, mention_blocks(text, lang, question))


def register(app: App) -> None:
    app.event("app_mention")(handled_once(app_mention))
