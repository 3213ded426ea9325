"""Loading a big numeric CSV: kerasgui's loader against pandas (pyarrow engine) and numpy.loadtxt.

A 1,000,000-row CSV of 20 numeric columns (19 features and the target) is made once; each loader
then runs in a fresh process (interleaved, --repeat times, the file already in the page cache), and
reports its time and its peak memory above what the process held before loading (the peak
resident size, VmHWM reset after the imports, minus the resident size then). Goals: kerasgui at
most 1.2x the fastest loader's time, and at most twice the float32 array's size in peak memory.

kerasgui's time is to model-ready float32 arrays (x, y) with every check done; pandas' is
read_csv alone (its float64 DataFrame, not yet arrays); numpy.loadtxt gives a float32 array.
numpy.loadtxt is slow: with --loadtxt-rows below the file's rows it reads that many rows and the
time is scaled up to the whole file (memory is not scaled: its row says so). Without pandas
installed, its row is skipped with a note.

    .venv/bin/python benchmarks/data.py [--rows 1000000] [--repeat 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import Row, format_rows, median, run_child, runs_text, write_json

COLUMNS = 20

CHILD = '''\
import json, sys, time
sys.path.insert(0, {bench!r})
from _bench import peak_rss_mib, reset_peak_rss, rss_mib
import numpy as np
loader, path, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
if loader == "kerasgui":
    from pathlib import Path
    import pyarrow, pyarrow.compute, pyarrow.csv  # imported at first use: not a cost per file
    from kerasgui.core.data import load_source
elif loader == "pandas":
    import pandas as pd
    import pyarrow, pyarrow.csv  # its engine
before = rss_mib()
reset_peak_rss()
start = time.perf_counter()
if loader == "kerasgui":
    a = load_source({{"path": Path(path).name, "targets": ["y"]}}, Path(path).parent)
    shape, dtype, n = a.x.shape, str(a.x.dtype), len(a.x)
elif loader == "pandas":
    df = pd.read_csv(path, engine="pyarrow")
    shape, dtype, n = df.shape, str(df.dtypes.iloc[0]), len(df)
else:
    x = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32, max_rows=rows)
    shape, dtype, n = x.shape, str(x.dtype), len(x)
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "peak_mib": peak_rss_mib() - before, "rows": n,
                  "shape": list(shape), "dtype": dtype}}))
'''


def make_csv(path: Path, rows: int) -> None:
    """`rows` rows of 19 features and a target, 5 decimals, written with pyarrow (fast)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(0)
    names = [f"f{i}" for i in range(COLUMNS - 1)] + ["y"]
    with pcsv.CSVWriter(str(path), pa.schema([(n, pa.string()) for n in names])) as writer:
        for lo in range(0, rows, 100_000):
            k = min(100_000, rows - lo)
            block = np.round(rng.normal(size=(k, COLUMNS)), 5)
            cols = [pa.array(np.char.mod("%.5f", block[:, j])) for j in range(COLUMNS)]
            writer.write_table(pa.table(cols, names=names))
    # pyarrow quotes strings: take the quotes out so that the file is plain numbers
    plain = path.with_suffix(".tmp")
    with open(path, "rb") as src, open(plain, "wb") as dst:
        while chunk := src.read(1 << 24):
            dst.write(chunk.replace(b'"', b""))
    plain.replace(path)


def run_loader(loader: str, path: Path, rows: int) -> dict[str, float]:
    code = CHILD.format(bench=str(Path(__file__).resolve().parent))
    _, out = run_child(["-c", code, loader, str(path), str(rows)])
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loadtxt-rows", type=int, default=200_000,
                        help="rows numpy.loadtxt reads (its time is scaled to the whole file)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    have_pandas = importlib.util.find_spec("pandas") is not None
    loaders = ["kerasgui"] + (["pandas"] if have_pandas else []) + ["loadtxt"]
    array_mib = args.rows * COLUMNS * 4 / 2**20
    with tempfile.TemporaryDirectory(prefix="kerasgui-bench-data-") as tmp:
        path = Path(tmp) / "big.csv"
        make_csv(path, args.rows)
        size_mib = path.stat().st_size / 2**20
        print(f"{path.name}: {args.rows:,} rows x {COLUMNS} columns, {size_mib:.0f} MiB; "
              f"float32 array {array_mib:.0f} MiB")
        with open(path, "rb") as f:  # into the page cache: no loader pays for the disk
            while f.read(1 << 24):
                pass
        results: dict[str, list[dict[str, float]]] = {k: [] for k in loaders}
        for n in range(args.repeat):
            for loader in loaders:
                rows = min(args.loadtxt_rows, args.rows) if loader == "loadtxt" else args.rows
                r = run_loader(loader, path, rows)
                r["seconds_full"] = r["seconds"] * args.rows / r["rows"]
                results[loader].append(r)
                print(f"  run {n + 1}: {loader:<9} {r['seconds_full']:7.2f} s   peak "
                      f"{r['peak_mib']:7.0f} MiB   {r['shape']} {r['dtype']}", flush=True)
    seconds = {k: [r["seconds_full"] for r in rs] for k, rs in results.items()}
    peak = {k: median([r["peak_mib"] for r in rs]) for k, rs in results.items()}
    print()
    for k in loaders:
        scaled = (f" (read {args.loadtxt_rows:,} rows, time scaled to {args.rows:,})"
                  if k == "loadtxt" and args.loadtxt_rows < args.rows else "")
        print(f"  {k:<9} {median(seconds[k]):7.2f} s ({runs_text(seconds[k])})   peak above start "
              f"{peak[k]:6.0f} MiB{scaled}")
    fastest = min((k for k in loaders if k != "kerasgui"), key=lambda k: median(seconds[k]))
    # paired: the median of kerasgui's time over the fastest's, run by run
    ratio = median([a / b for a, b in zip(seconds["kerasgui"], seconds[fastest], strict=True)])
    case = f"{args.rows:,} x {COLUMNS} CSV ({size_mib:.0f} MiB)"
    rows = [Row("data", case, f"kerasgui time / fastest other ({fastest})", ratio, 1.2),
            Row("data", case, "kerasgui peak memory / float32 array", peak["kerasgui"] / array_mib,
                2.0, note=f"{peak['kerasgui']:.0f} MiB")]
    for k in loaders[1:]:
        rows.append(Row("data", case, f"kerasgui time / {k}",
                        median([a / b for a, b in zip(seconds["kerasgui"], seconds[k],
                                                      strict=True)]), None,
                        note=f"{k} {median(seconds[k]):.2f} s, peak {peak[k]:.0f} MiB"
                        + (" over the rows read" if k == "loadtxt" else "")))
    if not have_pandas:
        rows.append(Row("data", case, "kerasgui time / pandas", None,
                        note="pandas is not installed: `.venv/bin/pip install pandas`"))
    print()
    print(format_rows(rows))
    write_json(args.json, rows)
    return rows


if __name__ == "__main__":
    main()
