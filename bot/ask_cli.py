"""``python -m bot ask "QUESTION" [--format text|json] [--lang en|fr]``: ``ask`` in the terminal.

The same code as ``/buildvsbuy ask`` (``bot.llm.answer_question`` over ``bot.ask.answer``):
the answer is in the question's language (``--lang`` only breaks a tie), and the JSON shows
what was read from the question, what the engine says on it, and the passages used.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from bot.ask.answer import TERMINAL_COMMAND
from bot.ask.answer import answer as answer_offline
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from bot.llm import LLMClient, answer_question

EXIT_OK, EXIT_USAGE = 0, 2


class UsageError(Exception):
    """Bad arguments: one line for stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} ({t('ask.cli.usage', DEFAULT_LANGUAGE)})")


def _parser() -> _Parser:
    parser = _Parser(prog="ask", add_help=False)
    parser.add_argument("question", nargs="*")
    parser.add_argument("--format", choices=("json", "text"), default="text")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    parser.add_argument("-h", "--help", action="store_true")
    return parser


def main(
    argv: list[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    llm: LLMClient | None = None,
) -> int:
    """Answer one question; 0, or 2 (with one line on stderr) for bad arguments."""
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    try:
        args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as exc:
        stderr.write(f"ask: {exc}\n")
        return EXIT_USAGE
    lang = args.lang
    if args.help:
        stdout.write(t("ask.cli.usage", lang) + "\n\n" + t("ask.cli.help", lang) + "\n")
        return EXIT_OK
    question = " ".join(" ".join(args.question).split())
    if not question:
        stderr.write(f"ask: {t('ask.cli.empty', lang)}\n")
        return EXIT_USAGE
    offline = answer_offline(question, lang, TERMINAL_COMMAND)
    advice = answer_question(question, lang, llm, TERMINAL_COMMAND)
    if advice.fallback_notice:
        stderr.write(t("advisor.cli.fallback", offline.lang, notice=advice.fallback_notice) + "\n")
    if args.format == "json":
        payload = offline.to_json() | {"text": advice.text, "by_llm": advice.used_llm}
        stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(advice.text.replace("*", "") + "\n")
    return EXIT_OK
