"""Every benchmark, then one table of every figure (Markdown, as README's "Performance" holds it).

Each benchmark runs in its own process and writes its figures as JSON; this prints them together
with the machine they came from. Runs take a while (about 20-30 minutes on 2 cores); --quick runs
fewer repeats.

    .venv/bin/python benchmarks/run_all.py [--quick] [--only overhead,data,plot,scale,ui_latency]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import ROOT, Row, format_rows, read_json

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "overhead": (["--repeat", "5"], ["--repeat", "1"]),
    "data": (["--repeat", "3"], ["--repeat", "1"]),
    "plot": (["--repeat", "30"], ["--repeat", "10"]),
    "scale": ([], ["--gib", "0.5"]),
    "ui_latency": ([], ["--seconds", "5"]),
}


def machine() -> str:
    """CPU model and count, memory, OS and Python, from lscpu and /proc (no paths)."""
    cpu = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        cpu = fields.get("Model name", cpu).strip()
    except (OSError, subprocess.SubprocessError):
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            kib = int(f.readline().split()[1])
        mem = f", {kib / 2**20:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{os.cpu_count()} cores, {cpu}{mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller files")
    parser.add_argument("--only", default=",".join(BENCHMARKS))
    args = parser.parse_args()
    rows: list[Row] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kerasgui-bench-all-") as tmp:
        for name in args.only.split(","):
            full, quick = BENCHMARKS[name]
            out = Path(tmp) / f"{name}.json"
            print(f"== {name}", flush=True)
            done = subprocess.run([sys.executable, str(HERE / f"{name}.py"),
                                   *(quick if args.quick else full), "--json", str(out)],
                                  cwd=ROOT)
            if done.returncode != 0 or not out.exists():
                rows.append(Row(name, "", "the benchmark failed", None,
                                note=f"exit code {done.returncode}"))
                continue
            rows += read_json(out)
    minutes = (time.perf_counter() - started) / 60
    print()
    print(f"Machine: {machine()}; {minutes:.0f} minutes"
          + (" (--quick)" if args.quick else ""))
    print()
    print(format_rows(rows))
    failed = [r for r in rows if r.met is False]
    print()
    print(f"{len(rows)} figures; goals met: {sum(r.met is True for r in rows)}, "
          f"not met: {len(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
