"""The assistant panel (Slack's Agents & AI Apps surface), with Bolt's ``Assistant``.

When a person opens the app's thread: the suggested prompts. Each message they send: the
status ("thinking…"), then the answer in the thread, from ``bot.assistant`` (the ``ask``
engine, told the thread so far and the team's decisions and news). With an LLM the answer
streams (``chat.startStream`` / ``appendStream`` / ``stopStream``) after the ack; offline it
is posted whole. An answer that breaks off says so in the thread. Each event runs once: its
claim (``handlers.middleware``) is marked done when the listener's work is over.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Assistant
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import assistant as advisor
from bot.i18n import t
from bot.llm import LLMClient, LLMError, notice
from bot.messaging.client import error_code
from bot.services import Services
from bot.text import escape, truncate_words
from bot.views.assistant import (
    answer_blocks,
    answer_text,
    findings_text,
    notes_for_llm,
    start_button,
    suggested_prompts,
)
from handlers.context import Caller, once, person_language
from handlers.conversations import read_thread

log = logging.getLogger(__name__)

STREAM_BUFFER = 200  # characters gathered before each streaming call (Slack's rate limits)
TITLE_CHARS = 60


def _thread(payload: dict[str, Any]) -> tuple[str, str]:
    """The assistant thread's channel (the person's DM with the app) and ts ("" if absent)."""
    thread = payload.get("assistant_thread")
    thread = thread if isinstance(thread, dict) else {}
    channel = str(thread.get("channel_id") or payload.get("channel") or "")
    ts = str(thread.get("thread_ts") or payload.get("thread_ts") or "")
    return channel, ts


def thread_started(body: dict[str, Any], payload: dict[str, Any], caller: Caller) -> None:
    channel, thread_ts = _thread(payload)
    if not channel or not thread_ts:  # not a thread Slack could have opened: nothing to set
        once(caller.services, body, lambda: None)
        return
    # Bolt finds no user in this event (it sits in ``assistant_thread``): their language here.
    user = str((payload.get("assistant_thread") or {}).get("user_id") or "")[:32]
    lang = caller.lang
    if user:
        lang = person_language(caller.services, caller.client, caller.team_id, user, lang)

    def prompts() -> None:
        caller.client.assistant_threads_setSuggestedPrompts(
            channel_id=channel, thread_ts=thread_ts, prompts=suggested_prompts(lang)
        )

    once(caller.services, body, prompts)


def thread_context_changed(body: dict[str, Any], payload: dict[str, Any], caller: Caller) -> None:
    """Nothing to keep: answers draw on the whole team's records, not on the channel in view
    (Bolt's default would store the context in the thread's first message)."""
    channel, thread_ts = _thread(payload)
    log.info("assistant thread %s in %s: context changed, nothing kept", thread_ts, channel)
    once(caller.services, body, lambda: None)


def other_message(body: dict[str, Any], event: dict[str, Any], caller: Caller) -> None:
    """``message.im`` also brings what people type in the app's Messages tab, outside an
    assistant thread: pointed to the panel and ``ask`` in a reply. Other bots' messages and
    edits are acknowledged and left alone (Slack would otherwise retry them)."""
    person = event.get("user") and not (event.get("bot_id") or event.get("subtype"))
    if not (person and event.get("channel_type") == "im" and not event.get("thread_ts")):
        log.info("message event %s not for the assistant: acknowledged", body.get("event_id"))
        once(caller.services, body, lambda: None)
        return

    def point() -> None:
        caller.client.chat_postMessage(
            channel=str(event.get("channel")),
            thread_ts=str(event.get("ts")),
            text=t("assistant.plain_dm", caller.lang),
        )

    once(caller.services, body, point)


def user_message(body: dict[str, Any], payload: dict[str, Any], caller: Caller) -> None:
    services = caller.services
    question = str(payload.get("text") or "").strip()
    channel, thread_ts = _thread(payload)
    if not question or not channel or not thread_ts:
        once(caller.services, body, lambda: None)
        return
    reply = Reply(caller.client, channel, thread_ts, caller.team_id, caller.user_id, caller.lang)
    llm = services.team_llm(caller.team_id)
    if llm is None:
        once(caller.services, body, lambda: reply.whole(services, question, str(payload.get("ts"))))
        return
    reply.thinking()

    # Done before it is queued: Slack has its ack and will not retry, and from here a failure
    # is told in the thread (``broke_off``), so a retry must never answer a second time.
    once(caller.services, body, lambda: None)
    services.after_ack.submit(
        lambda: reply.streamed(services, question, payload, llm),
        reply.broke_off,
        team_id=caller.team_id,
    )


class Reply:
    """One answer in one assistant thread: its status, then the answer whole or streamed."""

    def __init__(
        self, client: WebClient, channel: str, thread_ts: str, team_id: str, user_id: str, lang: str
    ) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.team_id, self.user_id, self.lang = team_id, user_id, lang
        self.told = False  # the person was told the answer broke off

    def thinking(self) -> None:
        self.client.assistant_threads_setStatus(
            channel_id=self.channel,
            thread_ts=self.thread_ts,
            status=t("assistant.thinking", self.lang),
        )

    def _title(self, question: str, turns: list[advisor.Turn]) -> None:
        """The thread's title, from its first question (best effort: a title is a nicety)."""
        if any(not turn.by_app for turn in turns):  # not the person's first question
            return
        title = t("assistant.title", self.lang, question=truncate_words(question, TITLE_CHARS))
        try:
            self.client.assistant_threads_setTitle(
                channel_id=self.channel, thread_ts=self.thread_ts, title=title
            )
        except (SlackApiError, OSError) as error:
            log.info("assistant thread title not set: %s", error_code(error))

    def whole(self, services: Services, question: str, ts: str) -> None:
        """Offline: the answer at once, posted in the thread; a failure told there."""
        try:
            self._whole(services, question, ts)
        except Exception as error:  # noqa: BLE001 - told in the thread, logged
            self.broke_off(error)

    def _whole(self, services: Services, question: str, ts: str) -> None:
        self.thinking()
        turns = advisor.history(read_thread(self.client, self.channel, self.thread_ts), ts)
        self._title(question, turns)
        found = advisor.find(services, self.team_id, question)
        answer = advisor.answer(question, turns, "", self.lang, None, has_records=found.any)
        shown = findings_text(found.decisions, found.news, answer.lang, wants_news=found.wants_news)
        text = answer_text(answer.text, shown, by_llm=False)
        self.client.chat_postMessage(
            channel=self.channel,
            thread_ts=self.thread_ts,
            text=text,
            blocks=answer_blocks(text, answer.lang, assess=found.wants_assessment),
        )

    def streamed(
        self, services: Services, question: str, payload: dict[str, Any], llm: LLMClient
    ) -> None:
        """With the LLM: its answer (an ``ask`` completion, told the thread and the team's
        records) appended to Slack's stream as the model writes it, ``STREAM_BUFFER``
        characters per call, then the records themselves."""
        turns = advisor.history(
            read_thread(self.client, self.channel, self.thread_ts), str(payload.get("ts"))
        )
        self._title(question, turns)
        found = advisor.find(services, self.team_id, question)
        notes = notes_for_llm(found.decisions, found.news)
        answer = advisor.answer_streamed(
            question, turns, notes, self.lang, llm, has_records=found.any
        )
        stream = self.client.chat_stream(
            channel=self.channel,
            thread_ts=self.thread_ts,
            recipient_team_id=self.team_id,
            recipient_user_id=self.user_id,
            buffer_size=STREAM_BUFFER,
        )
        try:
            if isinstance(answer, advisor.Streamed):
                self._pour(stream, answer)
            else:
                text = answer_text(answer.text, "", by_llm=False, notice=answer.notice)
                _paragraphs(stream, text)
            shown = findings_text(
                found.decisions, found.news, answer.lang, wants_news=found.wants_news
            )
            stream.stop(
                markdown_text=shown or None,
                blocks=start_button(answer.lang, assess=found.wants_assessment) or None,
            )
        except BaseException:
            self._stopped(stream)
            raise

    def _pour(self, stream: Any, answer: advisor.Streamed) -> None:
        """The LLM's pieces into the stream (escaped: they must not ping or link). A failure
        before the first piece shows the offline answer with the notice; after it, the
        failure propagates and the stream is closed with the apology (``_stopped``)."""
        written = False
        try:
            for piece in answer.pieces:
                stream.append(markdown_text=escape(piece))
                written = True
        except LLMError as error:
            if written:
                raise
            notice_text = notice(error, answer.lang)
            _paragraphs(stream, answer_text(answer.offline, "", by_llm=False, notice=notice_text))
        else:
            stream.append(markdown_text="\n\n")
        finally:
            answer.pieces.close()  # Slack failing mid-way must not leave the model's stream open

    def _stopped(self, stream: Any) -> None:
        """A stream that broke off is closed with the apology in it, if Slack still takes it."""
        if stream.ts is None:
            return
        try:
            stream.stop(markdown_text="\n\n" + t("assistant.failed", self.lang))
        except Exception as error:  # noqa: BLE001 - broke_off posts the apology instead
            log.info("broken stream not closed: %s", type(error).__name__)
        else:
            self.told = True

    def broke_off(self, error: BaseException) -> None:
        """Tell the person in the thread that the answer broke off (once)."""
        log.warning("assistant answer failed team=%s: %s", self.team_id, type(error).__name__)
        if self.told:
            return
        try:
            self.client.chat_postMessage(
                channel=self.channel,
                thread_ts=self.thread_ts,
                text=t("assistant.failed", self.lang),
            )
        except (SlackApiError, OSError) as exc:
            log.warning("could not tell the person the answer failed: %s", error_code(exc))


def _paragraphs(stream: Any, text: str) -> None:
    """Text that is whole already, into the stream paragraph by paragraph."""
    for paragraph in text.split("\n\n"):
        if paragraph:
            stream.append(markdown_text=paragraph + "\n\n")


def register(app: App, services: Services) -> None:
    panel = Assistant(logger=logging.getLogger("slack_bolt.assistant"))
    panel.thread_started(thread_started)
    panel.thread_context_changed(thread_context_changed)
    panel.user_message(user_message)
    app.assistant(panel)
    app.event("message")(other_message)
