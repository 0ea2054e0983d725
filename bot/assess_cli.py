"""``assess`` in the terminal: JSON in and out for scripts, numbered questions for people.

    assess --answers FILE|- --format json|text [--lang en|fr]
    assess --answers A.json --answers B.json [...] --format json|text   # a team: pooled
    assess [--format json|text] [--lang en|fr]          # interactive

JSON mode prints exactly one object on stdout. Bad input exits 2 with one line on stderr and
nothing on stdout; Ctrl-C exits 130 and end of input exits 1, both without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, TextIO

from bot.assessment.advice import to_json
from bot.assessment.engine import AnswerError, Assessment, score_answers, validate_answers
from bot.assessment.questions import (
    PAGES,
    QUESTION_IDS,
    options,
    page_title,
    question_text,
)
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

if TYPE_CHECKING:
    from bot.llm import LLMClient

EXIT_OK, EXIT_EOF, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad arguments or bad answers: one line for stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} ({t('advisor.cli.usage', DEFAULT_LANGUAGE)})")


def _parser() -> _Parser:
    parser = _Parser(prog="assess", add_help=False)
    parser.add_argument("--answers", metavar="FILE", action="append")
    parser.add_argument("--format", choices=("json", "text"), default=None)
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    parser.add_argument("-h", "--help", action="store_true")
    return parser


def _read_answers(source: str, stdin: TextIO, lang: str) -> dict[str, str]:
    try:
        if source == "-":
            text = stdin.read()
        else:
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(t("advisor.cli.unreadable", lang, path=source, reason=reason)) from exc
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise UsageError(t("advisor.cli.not_json", lang, reason=str(exc))) from exc
    try:
        return validate_answers(raw)
    except AnswerError as exc:
        raise UsageError(exc.localized(lang)) from exc


def _ask(question: str, number: int, lang: str, stdin: TextIO, out: TextIO) -> str:
    """Ask one question until a valid number comes back; EOF raises EOFError."""
    choices = options(question, lang)
    out.write(
        t(
            "advisor.cli.question",
            lang,
            number=number,
            total=len(QUESTION_IDS),
            text=question_text(question, lang),
        )
        + "\n"
    )
    for i, option in enumerate(choices, start=1):
        out.write(
            t("advisor.cli.option", lang, number=i, label=option.label, hint=option.hint) + "\n"
        )
    while True:
        out.write(t("advisor.cli.prompt", lang, count=len(choices)))
        out.flush()
        line = stdin.readline()
        if not line:
            raise EOFError
        picked = line.strip()
        if picked.isdigit() and 1 <= int(picked) <= len(choices):
            return choices[int(picked) - 1].id
        out.write(t("advisor.cli.invalid", lang, count=len(choices)) + "\n")


def _read_team(sources: list[str], stdin: TextIO, lang: str) -> list[dict[str, str]]:
    """Each member's answers; the one bad file is named on the error line."""
    members = []
    for source in sources:
        try:
            members.append(_read_answers(source, stdin, lang))
        except UsageError as exc:
            raise UsageError(t("team.cli.bad_file", lang, path=source, reason=exc)) from exc
    return members


def _interview(lang: str, stdin: TextIO, out: TextIO) -> dict[str, str]:
    out.write(t("advisor.cli.title", lang, count=len(QUESTION_IDS)) + "\n")
    answers: dict[str, str] = {}
    number = 0
    for index, page in enumerate(PAGES):
        out.write("\n" + t("advisor.cli.page", lang, title=page_title(index, lang)) + "\n")
        for question in page:
            number += 1
            answers[question] = _ask(question, number, lang, stdin, out)
            out.write("\n")
    return answers


def render_text(assessment: Assessment, lang: str, advice: str | None = None) -> str:
    """The terminal report in plain text (no Slack marks): one line per score saying why it is
    what it is ("Buy 0.00: ruled out..."), then the narrative."""
    from bot.assessment.advice import narrative, plain, score_lines

    if not assessment.answers:
        return t("advisor.cli.nothing_answered", lang) + "\n"
    head = [t("advisor.cli.scores", lang)]
    head += [t("advisor.cli.score_line", lang, line=line) for line in score_lines(assessment, lang)]
    body = advice if advice is not None else narrative(assessment, lang, with_scores=False)
    return plain("\n".join(head) + f"\n\n{body}\n")


def _advice(assessment: Assessment, lang: str, llm: LLMClient | None, err: TextIO) -> str | None:
    if llm is None:
        return None
    from bot.llm import advise

    result = advise(assessment, lang, llm)
    if result.fallback_notice:
        err.write(t("advisor.cli.fallback", lang, notice=result.fallback_notice) + "\n")
    return result.text


def main(
    argv: list[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    llm: LLMClient | None = None,
) -> int:
    """Run ``assess``; returns the exit status (0, 1 on end of input, 2 bad input, 130 Ctrl-C).

    ``llm`` is optional: without it the advice is the offline narrative.
    """
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    lang = DEFAULT_LANGUAGE
    try:
        args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
        lang = args.lang
        if args.help:
            stdout.write(t("advisor.cli.usage", lang) + "\n\n" + t("advisor.cli.help", lang) + "\n")
            return EXIT_OK
        fmt = args.format or ("json" if args.answers else "text")
        if args.answers is not None and len(args.answers) > 1:
            return _team(_read_team(args.answers, stdin, lang), fmt, lang, llm, stdout, stderr)
        if args.answers is not None:
            answers = _read_answers(args.answers[0], stdin, lang)
        else:
            # Keep stdout for the one JSON object when the result is machine-read.
            answers = _interview(lang, stdin, stderr if fmt == "json" else stdout)
    except UsageError as exc:
        stderr.write(f"assess: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        stderr.write("\n" + t("advisor.cli.cancelled", lang) + "\n")
        return EXIT_INTERRUPTED
    except EOFError:
        stderr.write("\n" + t("advisor.cli.cancelled", lang) + "\n")
        return EXIT_EOF

    assessment = score_answers(answers)
    advice = _advice(assessment, lang, llm, stderr)
    if fmt == "json":
        stdout.write(
            json.dumps(to_json(assessment, lang, advice=advice), ensure_ascii=False) + "\n"
        )
    else:
        stdout.write(render_text(assessment, lang, advice))
    stdout.flush()
    return EXIT_OK


def _team(
    members: list[dict[str, str]],
    fmt: str,
    lang: str,
    llm: LLMClient | None,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """The team report: the pooled result with its ``team`` object (contract: "Team
    assessments"), or in text the pooled report followed by the members' verdicts and splits."""
    from bot.assessment.team import pool, summary_lines

    team = pool(members)
    advice = _advice(team.pooled, lang, llm, stderr)
    if fmt == "json":
        stdout.write(json.dumps(team.to_json(lang, advice=advice), ensure_ascii=False) + "\n")
    else:
        stdout.write(render_text(team.pooled, lang, advice))
        stdout.write("\n" + "\n".join(summary_lines(team, lang)) + "\n")
    stdout.flush()
    return EXIT_OK
