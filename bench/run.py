"""Run every benchmark in ``bench/`` and print one table: figure, target, same-run baseline.

    python bench/run.py [--database-url URL] [--quick] [--markdown] [--only NAME ...]

``bench_ack`` (ack path, the LLM and the ack, memory) runs in this process through its
``run()`` function. Every other ``bench/bench_*.py`` script present runs as a subprocess from the
repository root, with no arguments, ``TEST_DATABASE_URL`` set to ``--database-url`` when one is
given, ``BENCH_QUICK=1`` with ``--quick`` (a script may honour it with a smaller run), and a
30-minute timeout. The table is printed at the end; ``--markdown`` prints it as the Markdown
table kept in the README under "Performance". The exit status is 1 when a figure misses its
target or a script fails, else 0.

The line format a benchmark script prints (one line per figure, anywhere in its stdout; every
other line is passed through to stderr as progress)::

    BENCH {"figure": "decision page p99", "value": 3.2, "unit": "ms",
           "target": 20, "op": "<=", "on": "value",
           "baseline": 0.21, "baseline_label": "SELECT 1 round trip", "ratio": 15.2,
           "note": "1,000,000 decisions", "pass": true}

on one line: ``BENCH`` and a space, then a JSON object. Only ``figure`` (text), ``value``
(number) and ``unit`` (text) are required. ``target`` is the threshold, checked with ``op``
(``"<="``, the default, or ``">="``) against ``value`` (``"on": "value"``, the default) or
against ``ratio`` (``"on": "ratio"``). ``baseline`` is the reference measured in the same run,
named by ``baseline_label``; ``ratio`` defaults to value / baseline. ``pass`` defaults to the
target check (a row without a target neither passes nor misses); give it to override, e.g. to
fail a figure whose requests errored. ``note`` is printed under the table. From Python,
``bench.emit(bench.Row(...))`` prints exactly this line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import PREFIX, Row  # noqa: E402

SCRIPT_TIMEOUT = 30 * 60
IN_PROCESS = "bench_ack"


def scripts(only: list[str] | None) -> list[Path]:
    found = sorted((ROOT / "bench").glob("bench_*.py"))
    return [path for path in found if not only or path.stem in only]


def run_script(path: Path, database_url: str | None, quick: bool) -> list[Row]:
    """Run one benchmark script; its ``BENCH`` lines become rows, the rest goes to stderr."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if database_url:
        env["TEST_DATABASE_URL"] = database_url
    if quick:
        env["BENCH_QUICK"] = "1"
    rows: list[Row] = []
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(path)], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.startswith(PREFIX):
                try:
                    rows.append(Row.from_json(line[len(PREFIX) :]))
                except (ValueError, TypeError) as exc:
                    rows.append(
                        Row(
                            f"{path.stem}: unreadable BENCH line",
                            float("nan"),
                            "",
                            note=f"{type(exc).__name__}: {line.strip()[:150]}",
                            passed=False,
                        )
                    )
            else:
                print(f"[{path.stem}] {line}", end="", file=sys.stderr, flush=True)
            if time.monotonic() - began > SCRIPT_TIMEOUT:
                process.kill()
                break
        code = process.wait(timeout=max(1.0, SCRIPT_TIMEOUT - (time.monotonic() - began)))
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    if not rows:
        rows.append(
            Row(
                f"{path.stem} reported no figures",
                float("nan"),
                "",
                passed=False,
                note=f"exit status {code}; no BENCH lines (format: bench/run.py)",
            )
        )
    return rows


def run_ack(database_url: str | None, quick: bool) -> list[Row]:
    from bench import bench_ack

    sys.setswitchinterval(0.0005)  # the load generator's 16 threads hand over the GIL promptly
    if quick:
        return bench_ack.run(database_url, rounds=1, scale=0.25)
    return bench_ack.run(database_url)


# ----------------------------------------------------------------------------- the table


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if value != value:  # NaN: the figure could not be measured
        return "n/a"
    magnitude = abs(value)
    text = (
        f"{value:,.0f}"
        if magnitude >= 100
        else f"{value:.1f}"
        if magnitude >= 10
        else f"{value:.2f}"
        if magnitude >= 0.1
        else f"{value:.3g}"
    )
    return f"{text} {unit}".strip()


def cells(row: Row) -> list[str]:
    if row.target is None:
        target = ""
    elif row.on == "ratio":
        target = f"{row.op} {row.target:g}x baseline"
    else:
        target = f"{row.op} {row.target:g} {row.unit}".rstrip()
    baseline = number(row.baseline, row.unit)
    if baseline and row.baseline_label:
        baseline += f" ({row.baseline_label})"
    ratio = f"{row.ratio:.2f}x" if row.ratio is not None and row.ratio == row.ratio else ""
    verdict = {True: "pass", False: "MISS", None: "-"}[row.passed]
    return [row.figure, number(row.value, row.unit), target, baseline, ratio, verdict]


HEADER = ["figure", "measured", "target", "baseline (same run)", "ratio", "pass/miss"]


def table(rows: list[Row], markdown: bool) -> str:
    lines = [cells(row) for row in rows]
    notes = [(n, row.note) for n, row in enumerate(rows, 1) if row.note]
    marked = {n for n, _ in notes}
    for n, line in enumerate(lines, 1):
        if n in marked:
            line[0] += f" [{n}]"
    if markdown:
        out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in lines]
    else:
        widths = [max(len(c) for c in column) for column in zip(HEADER, *lines, strict=True)]
        out = [
            "  ".join(c.ljust(w) for c, w in zip(HEADER, widths, strict=True)).rstrip(),
            "  ".join("-" * w for w in widths),
        ]
        out += [
            "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
            for line in lines
        ]
    if notes:
        out.append("")
        out += [f"[{n}] {note}" for n, note in notes]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL"),
        help="PostgreSQL for the benchmarks that use it (default: "
        "$TEST_DATABASE_URL; bench_ack falls back to SQLite)",
    )
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="e.g. bench_ack bench_digest")
    args = parser.parse_args(argv)
    began = time.monotonic()
    rows: list[Row] = []
    for path in scripts(args.only):
        print(f"== {path.stem}", file=sys.stderr, flush=True)
        if path.stem == IN_PROCESS:
            rows += run_ack(args.database_url, args.quick)
        else:
            rows += run_script(path, args.database_url, args.quick)
    print(
        f"\n{len(rows)} figures in {time.monotonic() - began:.0f} s "
        f"({os.cpu_count()} CPUs; ratios are to baselines measured in this same run)\n"
    )
    print(table(rows, args.markdown))
    return 1 if any(row.passed is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
