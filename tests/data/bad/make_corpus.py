"""Write the bad data-file corpus in tests/data/bad/sources/ (the outputs are committed).

Each file holds one problem that kerasgui.core.data must refuse with a message naming the file,
the row and the column; tests/core/test_bad_data.py says which. Run it again after a change here:
    python tests/data/bad/make_corpus.py
The output is the same bytes every time.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "sources"

CSV_TEXT = {
    # a good file, for the problems that are in the project's data source, not in the file
    "ok.csv": "height,weight,color,label\n1.5,60,red,cat\n1.7,72,blue,dog\n1.6,65,red,cat\n",
    "header_only.csv": "height,weight,label\n",
    "blank_lines_only.csv": "\n\n\n",
    "ragged.csv": "a,b,label\n1,2,x\n3,4,y\n5,6,7,z\n8,9,x\n",
    "ragged_short.csv": "a,b,label\n1,2,x\n3,4\n",
    "text_in_number.csv":
        "height,weight,label\n1.5,60,a\n1.7,72,b\n1.6,65,a\n1.8,tall,b\n1.9,80,a\n",
    "decimal_comma.csv": "height;weight;label\n1,5;60;a\n1,7;72;b\n",
    "missing_value.csv": "a,b,label\n1,2,x\n3,4,y\n5,,x\n",
    "missing_class.csv": "a,b,label\n1,2,x\n3,4,\n",
    "nan_value.csv": "a,b,label\n1,2,0\nNaN,4,1\n",
    "inf_value.csv": "a,b,label\n1,2,0\n3,inf,1\n5,6,0\n",
    "too_big_for_float32.csv": "a,b,label\n1,2,0\n3,1e39,1\n",
    "duplicate_header.csv": "a,b,a,label\n1,2,3,x\n",
    "noheader_text.csv": "1,2,0\n3,4,1\n5,oops,0\n7,8,1\n",
    # a blank line (row 3) and a quoted value over two lines (rows 4-5): the bad cell is on row 6
    "rows_after_blank_and_quoted.csv":
        'note,a,label\nfine,1,0\n\n"two\nlines",2,1\nok,x,0\nok,3,1\n',
    # a category the training file (ok.csv) did not have, and a class it did not have
    "new_color.csv": "height,weight,color,label\n1.5,60,red,cat\n1.6,61,purple,dog\n",
    "new_class.csv": "height,weight,color,label\n1.5,60,red,cat\n1.6,61,blue,bird\n",
    "number_in_training_text_here.csv":
        "height,weight,color,label\n1.5,60,red,cat\nunknown,61,blue,dog\n",
}


def npy_bytes(a: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=allow_pickle)
    return buf.getvalue()


def npz_bytes(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    # a fixed date keeps the zip bytes the same on every run
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, a in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2024, 1, 1, 0, 0, 0))
            zf.writestr(info, npy_bytes(a, allow_pickle=a.dtype.hasobject))
    return buf.getvalue()


def binary() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    with_nan = x.copy()
    with_nan[7, 2] = np.nan
    y_inf = y.copy()
    y_inf[42] = np.inf
    good = npy_bytes(x)
    # one harmless list: kerasgui must refuse it without unpickling it
    pickled = pickle.dumps([1, 2, 3], protocol=4)
    header_end = good.index(b"\n") + 1
    member_cut = io.BytesIO()
    with zipfile.ZipFile(member_cut, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(zipfile.ZipInfo("x.npy", date_time=(2024, 1, 1, 0, 0, 0)), good[:300])
        zf.writestr(zipfile.ZipInfo("y.npy", date_time=(2024, 1, 1, 0, 0, 0)), npy_bytes(y))
    return {
        "x_100.npy": good,
        "y_100.npy": npy_bytes(y),
        "y_90.npy": npy_bytes(y[:90]),
        "objects.npy": npy_bytes(np.array([{"a": 1}, [2, 3], "four"], dtype=object),
                                 allow_pickle=True),
        "pickled.npy": pickled,
        "truncated.npy": good[:header_end + 500],
        "damaged_header.npy": good[:10] + b"{'descr': <f4, 'shape': oops}".ljust(
            header_end - 11) + b"\n" + good[header_end:],
        "text.npy": b"1,2,3\n4,5,6\n",
        "nan.npy": npy_bytes(with_nan),
        "y_inf.npy": npy_bytes(y_inf),
        "strings.npy": npy_bytes(np.array(["a", "bc", "def"])),
        "complex.npy": npy_bytes(np.array([1 + 2j, 3j])),
        "scalar.npy": npy_bytes(np.array(3.0)),
        "arrays.npz": npz_bytes(x=x, y=y),
        "objects.npz": npz_bytes(x=x, y=np.array([None] * 100, dtype=object)),
        "truncated.npz": npz_bytes(x=x, y=y)[:700],
        "member_cut.npz": member_cut.getvalue(),
        "not_a_zip.npz": b"x,y\n1,2\n",
        # CSV names on files that are not CSV text
        "binary_garbage.csv": bytes(rng.integers(0, 256, 2048, dtype=np.uint8)),
        "latin1.csv": "name,size,label\nabc,1,x\ncaf\u00e9,2,y\n".encode("latin-1"),
        "utf16.csv": "a,b\n1,2\n".encode("utf-16"),
        "workbook.csv": npz_bytes(x=np.zeros(2)),
        "array.csv": npy_bytes(np.zeros(3)),
        "nul_later.csv": b"a,b\n" + b"1,2\n" * 20000 + b"3,\x00\n",
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in CSV_TEXT.items():
        (OUT / name).write_bytes(text.encode("utf-8"))
    for name, data in binary().items():
        (OUT / name).write_bytes(data)
    print(f"wrote {len(CSV_TEXT) + len(binary())} files to {OUT.name}/")


if __name__ == "__main__":
    main()
