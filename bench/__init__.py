"""Benchmarks of issue 7; ``python bench/run.py`` runs them all and prints one table.

Every figure is a :class:`Row`. A benchmark run as a script prints each row as one line
``BENCH {json}`` (see :func:`emit` and the format described at the top of ``bench/run.py``), so
``run.py`` can collect rows from any script without importing it.
"""

from __future__ import annotations

import json
import math
import operator
from dataclasses import asdict, dataclass, field
from typing import Any

PREFIX = "BENCH "
_OPS = {"<=": operator.le, ">=": operator.ge}


@dataclass
class Row:
    """One measured figure, its target and the baseline measured in the same run.

    ``target`` applies to ``value`` (``on="value"``) or to ``ratio`` (``on="ratio"``), with
    ``op`` ``"<="`` or ``">="``; a row without a target is informative and neither passes nor
    misses. ``ratio`` is ``value / baseline`` unless the benchmark gives its own.
    """

    figure: str
    value: float
    unit: str
    target: float | None = None
    op: str = "<="
    on: str = "value"
    baseline: float | None = None
    baseline_label: str = ""
    ratio: float | None = None
    note: str = ""
    passed: bool | None = field(default=None)

    def __post_init__(self) -> None:
        if self.op not in _OPS or self.on not in ("value", "ratio"):
            raise ValueError(f"bad row {self.figure!r}: op {self.op!r}, on {self.on!r}")
        if self.ratio is None and self.baseline not in (None, 0) and _finite(self.value):
            self.ratio = self.value / self.baseline  # type: ignore[operator]
        if self.passed is None and self.target is not None:
            measured = self.value if self.on == "value" else self.ratio
            self.passed = (
                measured is not None and _finite(measured) and _OPS[self.op](measured, self.target)
            )

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, "")}
        if "passed" in data:
            data["pass"] = data.pop("passed")
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Row:
        data: dict[str, Any] = json.loads(text)
        if "pass" in data:
            data["passed"] = data.pop("pass")
        return cls(**data)


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def emit(row: Row) -> None:
    """Print ``row`` in the machine-readable form ``bench/run.py`` collects."""
    print(PREFIX + row.to_json(), flush=True)
