"""What the benchmark scripts share: fresh child processes, medians, peak memory, one table format.

Every figure is a ratio of two things measured in the same run, interleaved, several times; a
benchmark prints the median. Each script can also write its rows as JSON (--json FILE) for
run_all.py, which prints them as one table.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One figure: `value` (a ratio, usually) against `goal` (the most it may be)."""

    benchmark: str
    case: str
    what: str
    value: float | None
    goal: float | None = None
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None or self.goal is None:
            return None
        return self.value <= self.goal


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "QT_QPA_PLATFORM": "offscreen",
           "KERASGUI_SETTINGS": os.devnull, "PYTHONPATH": str(ROOT)}
    env.update(extra)
    return env


def run_child(args: list[str], *, timeout: float = 1200, cwd: Path | None = None,
              env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run `python args...` in a fresh process; (wall seconds, stdout). Exits on failure."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                         env=env or child_env(), cwd=cwd or ROOT, timeout=timeout)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"benchmark child {args[:2]} failed ({out.returncode}):\n"
                         f"{out.stdout[-1500:]}\n{out.stderr[-3000:]}")
    return wall, out.stdout


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def runs_text(values: list[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def max_abs_diff(a: dict[str, list[float]], b: dict[str, list[float]]) -> float:
    """The largest difference between two Histories; inf when their keys or lengths differ."""
    if sorted(a) != sorted(b) or any(len(a[k]) != len(b[k]) for k in a):
        return float("inf")
    return max((abs(x - y) for k in a for x, y in zip(a[k], b[k], strict=True)), default=0.0)


def format_rows(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| benchmark | case | figure | value | goal | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        value = "not measured" if r.value is None else f"{r.value:.3g}"
        goal = "" if r.goal is None else f"≤ {r.goal:g}"
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        what = r.what + (f" ({r.note})" if r.note else "")
        lines.append(f"| {r.benchmark} | {r.case} | {what} | {value} | {goal} | {met} |")
    return "\n".join(lines)


def write_json(path: str | None, rows: list[Row], extra: dict[str, Any] | None = None) -> None:
    if path:
        Path(path).write_text(json.dumps({"rows": [asdict(r) for r in rows], **(extra or {})},
                                         indent=1), encoding="utf-8")


def read_json(path: str | Path) -> list[Row]:
    return [Row(**r) for r in json.loads(Path(path).read_text(encoding="utf-8"))["rows"]]


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak_rss() -> None:
    """Start measuring the peak resident memory from now (Linux: clear_refs 5 resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mib() -> float:
    """This process's peak resident memory (since reset_peak_rss). VmHWM on Linux: ru_maxrss would
    carry the parent's peak over fork and exec."""
    hwm = _status_mib("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / (1024 * 1024) if sys.platform == "darwin" else kib / 1024


def rss_mib() -> float:
    """This process's resident memory now."""
    rss = _status_mib("VmRSS")
    return rss if rss is not None else peak_rss_mib()
