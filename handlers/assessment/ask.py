"""``/buildvsbuy ask <question>``: acked at once; the LLM, if any, answers after the ack.

The reply speaks the question's language (``bot.ask.language.detect``; the workspace's
language only breaks a tie), the wrapper lines included."""

from __future__ import annotations

from bot.after_ack import Busy
from bot.ask.answer import usage
from bot.ask.language import detect
from bot.i18n import t
from bot.llm import LLMClient, answer_question
from bot.text import escape
from bot.views.assessment import ask_text
from handlers.assessment.common import telling
from handlers.context import CommandRequest


def ask(req: CommandRequest) -> None:
    question = req.cmd.args.strip()
    if not question:
        req.ack(response_type="ephemeral", text=usage(req.caller.lang))
        return
    lang = detect(question, req.caller.lang)
    llm = req.caller.services.team_llm(req.cmd.team_id)
    if llm is None:  # offline: instant, so the ack itself carries the answer
        answer = answer_question(question, lang, None)
        req.ack(response_type="ephemeral", text=ask_text(question, answer.text, lang, by_llm=False))
        return
    after_ack = req.caller.services.after_ack
    if not after_ack.has_room(req.cmd.team_id):  # said in the ack, not in a second message
        req.ack(response_type="ephemeral", text=t(Busy.key, lang))
        return
    req.ack(
        response_type="ephemeral",
        text=t("advisor.slack.thinking", lang, question=escape(" ".join(question.split()))),
    )
    tell = telling(lambda text: req.respond(text=text, response_type="ephemeral"), lang)
    after_ack.submit(lambda: _answer(req, question, lang, llm), tell, team_id=req.cmd.team_id)


def _answer(req: CommandRequest, question: str, lang: str, llm: LLMClient) -> None:
    answer = answer_question(question, lang, llm)  # any LLM failure: the offline answer
    req.respond(
        response_type="ephemeral",
        replace_original=False,
        text=ask_text(
            question, answer.text, lang, by_llm=answer.used_llm, notice=answer.fallback_notice
        ),
    )
