"""Training from an .npy file bigger than the memory it may use: peak resident memory vs file size.

A float32 .npy file of --gib GiB (rows of 1024 features; the targets a small second file) is made in
a temporary folder and trained for one epoch with a 10 % shuffled validation split by the core
Session, as `kerasgui train` does, in a fresh process. The file stays memory-mapped and is read
batch by batch (kerasgui/core/streaming.py). Measured without any memory limit (no RLIMIT, no
cgroup): the process's peak resident memory while it loads, splits and trains, above what it held
before (Python, Keras and TensorFlow imported: about a gigabyte of libraries that any Keras process
holds). Goal: that peak under a quarter of the file's size, so a file four times larger than the
memory allowed trains. A small file trained the same way shows the part that does not grow with the
file (TensorFlow's own buffers for fitting). The files are deleted afterwards.

    .venv/bin/python benchmarks/scale.py [--gib 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import Row, child_env, format_rows, run_child, write_json

FEATURES = 1024
CHUNK_ROWS = 16_384

CHILD = '''\
import json, sys, time
sys.path.insert(0, {bench!r})
from _bench import peak_rss_mib, reset_peak_rss, rss_mib
import keras  # the libraries every Keras process holds: before the baseline
from kerasgui.core import streaming
from kerasgui.core.project import Project
from kerasgui.core.training import Session

session = Session(Project.load(sys.argv[1]))
before = rss_mib()
reset_peak_rss()
start = time.perf_counter()
session.prepare()
prepared = time.perf_counter() - start
session.fit()
seconds = time.perf_counter() - start
train = session.data.train
print(json.dumps({{"before_mib": before, "peak_mib": peak_rss_mib(), "after_mib": rss_mib(),
                  "seconds": seconds, "prepare_seconds": prepared,
                  "fit_seconds": session.fit_seconds, "rows": len(train),
                  "streamed": streaming.should_stream(train.x, train.y),
                  "x_type": type(train.x).__name__, "history": session.history}}))
'''


def make_files(folder: Path, gib: float) -> tuple[Path, int]:
    """x.npy (rows x 1024 float32, about `gib` GiB) and y.npy, written in chunks."""
    rows = int(gib * 2**30 // (FEATURES * 4))
    rng = np.random.default_rng(0)
    w = rng.normal(size=(8, 1)).astype(np.float32)
    x = np.lib.format.open_memmap(folder / "x.npy", mode="w+", dtype=np.float32,
                                  shape=(rows, FEATURES))
    y = np.empty((rows, 1), dtype=np.float32)
    for lo in range(0, rows, CHUNK_ROWS):
        hi = min(rows, lo + CHUNK_ROWS)
        block = rng.standard_normal((hi - lo, FEATURES), dtype=np.float32)
        x[lo:hi] = block
        y[lo:hi] = block[:, :8] @ w
    x.flush()
    del x
    np.save(folder / "y.npy", y)
    project = {
        "kerasgui_project": 1, "name": "bigger than memory",
        "model": {"layers": [{"class_name": "Dense", "config": {"units": 16,
                                                                "activation": "relu"}},
                             {"class_name": "Dense", "config": {"units": 1}}]},
        "compile": {"optimizer": "adam", "loss": "mean_squared_error", "metrics": []},
        "data": {"train": {"inputs": "x.npy", "targets": "y.npy"},
                 "validation": {"split": 0.1, "shuffle": True}, "test": None},
        "fit": {"epochs": 1, "batch_size": 1024, "shuffle": True, "seed": 0, "callbacks": []},
    }
    path = folder / "big.kgproj"
    path.write_text(json.dumps(project), encoding="utf-8")
    return path, rows


def train_child(gib: float) -> tuple[dict[str, object], float, int]:
    """Make a file of `gib` GiB, train on it in a fresh process, delete it."""
    with tempfile.TemporaryDirectory(prefix="kerasgui-bench-scale-") as tmp:
        started = time.perf_counter()
        project, rows = make_files(Path(tmp), gib)
        size_mib = (Path(tmp) / "x.npy").stat().st_size / 2**20
        print(f"x.npy: {rows:,} x {FEATURES} float32, {size_mib:,.0f} MiB, made in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        code = CHILD.format(bench=str(Path(__file__).resolve().parent))
        # the small reference file is streamed too: the same code path, a lower threshold
        _, out = run_child(["-c", code, str(project)],
                           env=child_env(KERASGUI_STREAM_BYTES=str(1 << 20)))
    r = json.loads(out.strip().splitlines()[-1])
    grew = r["peak_mib"] - r["before_mib"]
    print(f"  streamed: {r['streamed']} (training inputs: {r['x_type']}, {r['rows']:,} rows)")
    print(f"  prepare {r['prepare_seconds']:.1f} s, fit {r['fit_seconds']:.1f} s; loss "
          f"{r['history']['loss'][-1]:.4g}, val_loss {r['history']['val_loss'][-1]:.4g}")
    print(f"  resident before loading {r['before_mib']:,.0f} MiB; peak {r['peak_mib']:,.0f} MiB "
          f"(+{grew:,.0f} MiB); file {size_mib:,.0f} MiB", flush=True)
    return r, size_mib, rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=2.0, help="size of the inputs file")
    parser.add_argument("--reference-gib", type=float, default=1 / 16,
                        help="a small file trained the same way: what does not grow with size")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    ref, ref_mib, _ = train_child(args.reference_gib)
    big, size_mib, _ = train_child(args.gib)
    grew = float(big["peak_mib"]) - float(big["before_mib"])  # type: ignore[arg-type]
    ref_grew = float(ref["peak_mib"]) - float(ref["before_mib"])  # type: ignore[arg-type]
    case = f"{size_mib / 1024:.1f} GiB float32 .npy, 1 epoch"
    rows_out = [
        Row("scale", case, "peak memory growth / file size", grew / size_mib, 0.25,
            note=f"+{grew:,.0f} MiB over {float(big['before_mib']):,.0f} MiB of Python+Keras "
                 f"(+{ref_grew:,.0f} MiB for a {ref_mib:,.0f} MiB file); "
                 f"fit {float(big['fit_seconds']):.0f} s"),  # type: ignore[arg-type]
        Row("scale", case, "whole process peak / file size",
            float(big["peak_mib"]) / size_mib, None,  # type: ignore[arg-type]
            note="TensorFlow's libraries alone are ~0.9 GiB"),
    ]
    print()
    print(format_rows(rows_out))
    write_json(args.json, rows_out)
    return rows_out


if __name__ == "__main__":
    main()
