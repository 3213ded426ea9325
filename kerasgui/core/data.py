"""Data sources to model arrays: CSV files, .npy pairs and .npz archives; splits; table previews.

A CSV file is read by pyarrow (the fast path). When pyarrow fails, or the data holds a problem, the
file is read again with Python's csv module, which knows the line of every record, so a message can
name the exact row. Rows are numbered as an editor numbers lines (a header is row 1).
Arrays are loaded with ``allow_pickle=False`` and big float32 .npy files stay memory-mapped.
Keras is never imported here, and pyarrow only when a CSV file is read, so importing this is cheap.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from kerasgui.core import streaming
from kerasgui.core.errors import DataError

if TYPE_CHECKING:
    from kerasgui.core.project import Project

__all__ = [
    "Arrays", "Feature", "Prepared", "Schema", "Table", "load_npy", "load_npz",
    "load_project_data", "load_source", "read_table", "split",
]

# What counts as a number: exactly what pyarrow's float parser accepts once spaces and tabs around
# the cell are trimmed (tests/core/test_data_properties.py checks the two agree).
NUMBER_RE = r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:nan|inf|infinity))"
DECIMAL_COMMA_RE = r"[+-]?[0-9]+,[0-9]+"
_NUMBER = re.compile(NUMBER_RE)
_DECIMAL_COMMA = re.compile(DECIMAL_COMMA_RE)
_WS = " \t"
DELIMITERS = (",", ";", "\t", "|")
BOM = b"\xef\xbb\xbf"
SAMPLE_BYTES = 1 << 16        # read to guess the delimiter, the header and the column types
LONG_SAMPLE_BYTES = 4 << 20   # more, when the first lines are very long
THREADS_BYTES = 4 << 20       # pyarrow uses threads only for files bigger than this
SLOW_CHECK_BYTES = 8 << 20    # the csv-module reading of a bigger file looks for problems first
PIECEWISE_BYTES = 32 << 20    # an all-number CSV bigger than this is read piece by piece ...
PIECE_BYTES = 8 << 20         # ... of this size, each converted at once: less memory
MMAP_BYTES = 16 << 20         # .npy data bigger than this stays on disk (np.memmap)
MAX_CATEGORIES = 1000         # a text feature with more distinct values is refused (one-hot width)
NPY_MAGIC = b"\x93NUMPY"

SourceKind = Literal["csv", "npy", "npz"]


# ---- what travels with a model ----------------------------------------------------------------
@dataclass
class Feature:
    """One CSV feature column: a number, or a category one-hot encoded over ``categories``."""

    name: str
    kind: Literal["number", "category"] = "number"
    categories: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.categories) if self.kind == "category" else 1


@dataclass
class Schema:
    """How raw rows become model arrays. JSON-serialisable; saved with a model so that validation,
    test and prediction files are encoded exactly as the training file was."""

    kind: SourceKind
    features: list[Feature] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    class_names: list[str] | None = None
    input_shape: tuple[int, ...] = ()
    feature_names: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "features": [{"name": f.name, "kind": f.kind, "categories": list(f.categories)}
                         for f in self.features],
            "targets": list(self.targets),
            "class_names": None if self.class_names is None else list(self.class_names),
            "input_shape": list(self.input_shape),
            "feature_names": list(self.feature_names),
        }

    @classmethod
    def from_dict(cls, d: Any) -> Schema:
        def bad(what: str) -> DataError:
            return DataError(f"the saved data schema is damaged: {what}", where="schema")

        if not isinstance(d, dict):
            raise bad("it is not an object")
        kind = d.get("kind")
        if kind not in ("csv", "npy", "npz"):
            raise bad(f"kind is {kind!r}, not 'csv', 'npy' or 'npz'")
        feats = []
        for i, f in enumerate(d.get("features") or []):
            if not (isinstance(f, dict) and isinstance(f.get("name"), str)
                    and f.get("kind", "number") in ("number", "category")
                    and _is_str_list(f.get("categories", []))):
                raise bad(f"features[{i}] is not a feature")
            feats.append(Feature(f["name"], f.get("kind", "number"), list(f.get("categories", []))))
        targets = d.get("targets") or []
        class_names = d.get("class_names")
        shape = d.get("input_shape") or []
        names = d.get("feature_names") or []
        if not _is_str_list(targets):
            raise bad("targets is not a list of column names")
        if class_names is not None and not _is_str_list(class_names):
            raise bad("class_names is not a list of names")
        if not (isinstance(shape, list | tuple)
                and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in shape)):
            raise bad("input_shape is not a list of sizes")
        if not _is_str_list(names):
            raise bad("feature_names is not a list of names")
        return cls(kind, feats, list(targets), None if class_names is None else list(class_names),
                   tuple(shape), list(names))


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(s, str) for s in v)


@dataclass
class Arrays:
    """Model-ready arrays with the names and row numbers that messages and tables need."""

    x: np.ndarray            # float32 (n, *input_shape); an np.memmap for a big float32 .npy
    y: np.ndarray | None     # numbers float32 (n, k) (.npy: shape as stored); text class int32 (n,)
    schema: Schema
    source: str              # the file, as the project names it, for messages
    rows: np.ndarray         # int64 (n,): each sample's row in its file (1-based; header = row 1)

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass
class Prepared:
    train: Arrays
    validation: Arrays | None
    test: Arrays | None
    warnings: list[str] = field(default_factory=list)


# ---- errors ------------------------------------------------------------------------------------
def _cell_error(src: str, row: int, col: str, text: str) -> DataError:
    return DataError(f"{src}: row {row}, column {col!r}: {text}", where=f"{src}:{row}:{col}")


def _row_error(src: str, row: int, text: str) -> DataError:
    return DataError(f"{src}: row {row}: {text}", where=f"{src}:{row}")


def _show(v: str, limit: int = 40) -> str:
    return repr(v if len(v) <= limit else v[:limit] + "…")


def _list_names(names: list[str], limit: int = 30) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def _check_file(path: Path, src: str) -> int:
    """The file's size; DataError when it is missing, a folder or unreadable."""
    try:
        if not path.exists():
            raise DataError(f"{src}: no such file (looked in {path.parent}); check the path, or "
                            "move the file there", where=src)
        if path.is_dir():
            raise DataError(f"{src} is a folder, not a data file; choose a file in it", where=src)
        return path.stat().st_size
    except OSError as e:
        raise DataError(f"{src}: cannot read it ({e.strerror})", where=src) from None


# ---- CSV: sniffing -------------------------------------------------------------------------------
@dataclass
class _Sniff:
    delimiter: str
    header: bool
    names: list[str]          # column names: the header's, or column_0, column_1, ...
    numeric: list[bool]       # the column holds only numbers in the sample (a float32 hint)
    fast_ok: bool             # the first record is line 1, on one line: pyarrow rows map to lines
    has_data: bool            # the sample holds at least one data record
    line_bytes: float = 1.0   # the sample's bytes per line, to guess the number of rows


def _read_head(path: Path, src: str) -> tuple[bytes, bool]:
    try:
        with open(path, "rb") as f:
            head = f.read(SAMPLE_BYTES)
            if len(head) == SAMPLE_BYTES and head.count(b"\n") + head.count(b"\r") < 3:
                head += f.read(LONG_SAMPLE_BYTES)
            whole = not f.read(1)
    except OSError as e:
        raise DataError(f"{src}: cannot read it ({e.strerror})", where=src) from None
    return head, whole


def _line_of(data: bytes, offset: int) -> int:
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _not_csv(src: str, head: bytes) -> DataError | None:
    """A DataError when the head of a file shows it is not CSV text at all."""
    what = None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return DataError(f"{src} is saved as UTF-16 text; save it as UTF-8 (in Excel: 'CSV UTF-8 "
                         "(Comma delimited)')", where=src)
    if head.startswith(NPY_MAGIC):
        return DataError(f"{src} is a NumPy .npy file, not CSV; give it as "
                         f"{{\"inputs\": \"{src}\", \"targets\": ...}}", where=src)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return DataError(f"{src} is a zip archive (an .npz file, or an Excel workbook?), not a "
                         "text CSV file; save a workbook as CSV UTF-8, or give an .npz file as "
                         "{\"path\": ..., \"inputs\": ..., \"targets\": ...}", where=src)
    nul = head.find(b"\x00")
    if nul >= 0:
        what = f"a zero byte at byte {nul}, row {_line_of(head, nul)}"
    else:
        text = head.decode("utf-8", errors="replace")
        bad = text.count("\ufffd") + sum(1 for c in text if c < " " and c not in "\t\n\r\f")
        if text and bad > max(2, len(text) // 20):
            what = f"{bad} of its first {len(text)} characters are not text"
    if what:
        return DataError(f"{src} is not a text CSV file (it holds binary data: {what}); choose a "
                         "CSV text file, or give NumPy arrays as .npy/.npz", where=src)
    return None


def _utf8_error(src: str, data: bytes, offset: int) -> DataError:
    row = _line_of(data, offset)
    return DataError(_utf8_text(src, row, offset, data[offset]), where=f"{src}:{row}")


def _utf8_text(src: str, row: int, offset: int, byte: int) -> str:
    return (f"{src}: row {row}: byte {offset} (0x{byte:02x}) is not UTF-8 text; save the file as "
            "UTF-8 (in Excel: 'CSV UTF-8'; in LibreOffice: character set 'Unicode (UTF-8)')")


def _records(text: str, delimiter: str, limit: int | None = None
             ) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of each record; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, int, list[str]]] = []
    prev = 0
    for rec in reader:
        start, prev = prev + 1, reader.line_num
        if rec:
            out.append((start, prev, rec))
            if limit is not None and len(out) >= limit:
                break
    return out


def _is_number(cell: str) -> bool:
    return _NUMBER.fullmatch(cell.strip(_WS)) is not None


def _detect_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the same number (2 or more) of fields most
    consistently; ties go to the one whose cells look most like numbers (a cell like '1,5' counts
    for ';', '\\t' and '|': a decimal comma), then to the order ',', ';', tab, '|'."""
    best: tuple[tuple[float, float, int], str] | None = None
    for prio, d in enumerate(DELIMITERS):
        try:
            recs = _records(text, d, limit=100)
        except csv.Error:
            continue
        counts = [len(r) for _, _, r in recs]
        if not counts:
            continue
        mode = Counter(counts).most_common(1)[0][0]
        if mode < 2:
            continue
        cells = [c.strip(_WS) for _, _, r in recs for c in r]
        numeric = sum(1 for c in cells
                      if _NUMBER.fullmatch(c) or (d != "," and _DECIMAL_COMMA.fullmatch(c)))
        score = (counts.count(mode) / len(counts), numeric / max(1, len(cells)), -prio)
        if best is None or score > best[0]:
            best = (score, d)
    return best[1] if best else ","


def _detect_header(recs: list[tuple[int, int, list[str]]]) -> bool:
    """A header when the first row has a non-numeric cell in a column whose later rows are numbers.
    A file without any numeric column is taken to have a header (it is all text)."""
    first = recs[0][2]
    later = [r for _, _, r in recs[1:21]]
    if not later:
        return not all(_is_number(c) for c in first)
    numeric_cols = []
    for j in range(len(first)):
        vals = [r[j].strip(_WS) for r in later if j < len(r) and r[j].strip(_WS)]
        if vals and all(_NUMBER.fullmatch(v) for v in vals):
            numeric_cols.append(j)
    if not numeric_cols:
        return True
    return any(first[j].strip(_WS) and not _is_number(first[j]) for j in numeric_cols)


def _column_names(first: list[str], header: bool, src: str) -> list[str]:
    if not header:
        return [f"column_{i}" for i in range(len(first))]
    names = [c.strip(_WS) or f"column_{i}" for i, c in enumerate(first)]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in seen:
            raise DataError(f"{src}: the header (row 1) names column {n!r} twice (columns "
                            f"{seen[n] + 1} and {i + 1}); rename one so that every column has its "
                            "own name", where=f"{src}:1:{n}")
        seen[n] = i
    return names


def _sniff(path: Path, src: str, delimiter: str | None, header: bool | None) -> _Sniff:
    size = _check_file(path, src)
    if size == 0:
        raise DataError(f"{src} is empty (0 bytes); choose a CSV file with a header row and rows "
                        "of data", where=src)
    head, whole = _read_head(path, src)
    problem = _not_csv(src, head)
    if problem:
        raise problem
    bom = 3 if head.startswith(BOM) else 0
    body = head[bom:]
    if not whole:
        cut = max(body.rfind(b"\n"), body.rfind(b"\r"))
        if cut >= 0:
            body = body[:cut + 1]
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(body, final=whole)
    except UnicodeDecodeError as e:
        raise _utf8_error(src, head, e.start + bom) from None
    if delimiter is not None:
        if len(delimiter) != 1 or len(delimiter.encode()) != 1 or delimiter in "\"\r\n":
            raise DataError(f"{src}: the delimiter must be one plain character such as ',' ';' "
                            f"or a tab, not {delimiter!r}", where=src)
    else:
        delimiter = _detect_delimiter(text)
    try:
        recs = _records(text, delimiter, limit=200)
    except csv.Error as e:
        raise DataError(f"{src}: cannot be read as CSV ({e})", where=src) from None
    if not recs:
        raise DataError(f"{src} holds no data (only blank lines); choose a CSV file with a header "
                        "row and rows of data", where=src)
    if header is None:
        header = _detect_header(recs)
    names = _column_names(recs[0][2], header, src)
    data = [r for _, _, r in recs[1 if header else 0:]]
    if header and len(recs) == 1 and whole:
        raise DataError(f"{src} has a header row but no data rows; add rows of data below the "
                        "header", where=src)
    numeric = []
    for j in range(len(names)):
        vals = [r[j].strip(_WS) for r in data if j < len(r) and r[j].strip(_WS)]
        numeric.append(bool(vals) and all(_NUMBER.fullmatch(v) for v in vals))
    fast_ok = recs[0][0] == 1 and recs[0][1] == 1
    return _Sniff(delimiter, header, names, numeric, fast_ok, bool(data) or not whole,
                  len(body) / max(1, _line_of(body, len(body)) - 1))


# ---- CSV: reading --------------------------------------------------------------------------------
class _Slow(Exception):
    """The fast path cannot give an exact answer; read the file with the csv module."""


def _scan_lines(path: Path) -> tuple[bool, int]:
    """(whether the file holds a double quote, its number of physical lines when it does)."""
    quoted = False
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            if b'"' in chunk:
                quoted = True
                break
    if not quoted:
        return False, 0
    lf = cr = crlf = 0
    last = b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            lf += chunk.count(b"\n")
            cr += chunk.count(b"\r")
            crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
    return True, lf + cr - crlf + (last not in (b"\n", b"\r", b""))


def _arrow_read(path: Path, sn: _Sniff, include: list[str], types: dict[str, str],
                threads: bool) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    kinds = {"float32": pa.float32(), "float64": pa.float64(), "string": pa.string()}
    # a small file is cheaper to hand over as bytes than to open through pyarrow's file layer
    source = path if threads else pa.BufferReader(path.read_bytes())
    return pcsv.read_csv(
        source,
        read_options=pcsv.ReadOptions(column_names=sn.names, skip_rows=1 if sn.header else 0,
                                      use_threads=threads),
        parse_options=pcsv.ParseOptions(delimiter=sn.delimiter, ignore_empty_lines=False,
                                        newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types={n: kinds[types[n]] for n in include}, include_columns=include,
            null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=True))


def _arrow_read_typed(path: Path, sn: _Sniff, include: list[str], types: dict[str, str],
                      threads: bool) -> Any:
    """_arrow_read with `types`; a column numeric in the sample that holds text further down is
    read as text (every column then is, and the caller finds the bad cell)."""
    import pyarrow as pa

    try:
        return _arrow_read(path, sn, include, types, threads)
    except pa.ArrowInvalid as e:
        if "conversion error" not in str(e):
            raise
        return _arrow_read(path, sn, include, dict.fromkeys(include, "string"), threads)


def _fast_columns(path: Path, src: str, sn: _Sniff, include: list[str], types: dict[str, str]
                  ) -> tuple[dict[str, Any], np.ndarray]:
    """Columns by pyarrow and their rows, or _Slow when rows would not map to lines exactly."""
    import pyarrow as pa

    if not sn.fast_ok:
        raise _Slow
    threads = path.stat().st_size > THREADS_BYTES
    try:
        table = _arrow_read_typed(path, sn, include, types, threads)
    except (pa.ArrowException, OSError):
        raise _Slow from None
    n = table.num_rows
    if n == 0:
        raise _Slow
    quoted, lines = _scan_lines(path)
    first = 2 if sn.header else 1
    if quoted and lines != n + first - 1:
        raise _Slow  # a quoted value spans lines
    cols = {name: table.column(name) for name in include}
    del table
    rows = np.arange(first, first + n, dtype=np.int64)
    missing = _first_missing(cols, include)
    if missing is not None:
        # pyarrow reads a blank line as a row of empty cells; without one, rows are exact
        if _all_blank_row(cols) is not None:
            raise _Slow
        raise _missing_error(src, int(rows[missing[0]]), missing[1])
    return cols, rows


def _slow_records(path: Path, src: str, sn: _Sniff) -> Any:
    """(row, fields) of each data record, read with Python's csv module; raises the first problem
    (not UTF-8, a record with the wrong number of fields, broken CSV) with its exact row."""
    try:
        _check_utf8(path, src)
        with open(path, encoding="utf-8-sig", newline="") as f:
            yield from _records_of(csv.reader(f, delimiter=sn.delimiter), src, sn)
    except OSError as e:
        raise DataError(f"{src}: cannot read it ({e.strerror})", where=src) from None


def _check_utf8(path: Path, src: str) -> None:
    """DataError naming the row and byte of the first byte that is not UTF-8 (read in pieces)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0      # bytes before this chunk
    breaks = 0      # line breaks before this chunk
    last = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 24)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as e:
                before = bytes(e.object[:e.start])
                row = breaks + _line_of(before, len(before)) - (last == b"\r" and
                                                                before[:1] == b"\n")
                at = offset - pending + e.start
                raise DataError(_utf8_text(src, row, at, e.object[e.start]),
                                where=f"{src}:{row}") from None
            if not chunk:
                return
            breaks += _line_of(chunk, len(chunk)) - 1 - (last == b"\r" and chunk[:1] == b"\n")
            offset += len(chunk)
            last = chunk[-1:]


def _records_of(reader: Any, src: str, sn: _Sniff) -> Any:
    m = len(sn.names)
    expect = "like the header (row 1)" if sn.header else "like the first row"
    pending_header = sn.header
    first = True
    prev = 0
    try:
        for rec in reader:
            start, prev = prev + 1, reader.line_num
            if not rec:
                continue
            if pending_header:
                pending_header = False
                if len(rec) != m:
                    raise _row_error(src, start, f"the header has {len(rec)} fields, expected {m}")
                expect = f"like the header (row {start})"
                continue
            if len(rec) != m:
                raise _row_error(
                    src, start, f"has {len(rec)} fields, expected {m} {expect}; look for a "
                    f"missing or extra delimiter ({_delim_name(sn.delimiter)}) or an unclosed "
                    "quote on that row")
            if first and not sn.header:
                expect = f"like the first row (row {start})"
            first = False
            yield start, rec
    except csv.Error as e:
        raise _row_error(src, reader.line_num, f"cannot be read as CSV ({e})") from None


def _missing_error(src: str, row: int, name: str) -> DataError:
    return _cell_error(src, row, name, "the cell is empty (a missing value); fill it in or "
                       "remove the row")


def _slow_check(path: Path, src: str, sn: _Sniff, include: list[str]) -> None:
    """What _slow_columns raises before it encodes anything, without keeping the records (for
    big files): problems in reading order first, then the first empty cell."""
    index = {n: i for i, n in enumerate(sn.names)}
    wanted = list(zip(include, [index[n] for n in include], strict=True))
    missing: DataError | None = None
    found = False
    for start, rec in _slow_records(path, src, sn):
        found = True
        if missing is None:
            for name, j in wanted:
                if not rec[j].strip(_WS):
                    missing = _missing_error(src, start, name)
                    break
    if not found:
        raise DataError(f"{src} has a header row but no data rows; add rows of data below the "
                        "header", where=src)
    if missing is not None:
        raise missing


def _slow_columns(path: Path, src: str, sn: _Sniff, include: list[str],
                  allow_missing: bool = False) -> tuple[dict[str, Any], np.ndarray]:
    """Columns read with Python's csv module: exact rows, exact messages."""
    import pyarrow as pa

    index = {n: i for i, n in enumerate(sn.names)}
    wanted = [index[n] for n in include]
    rows: list[int] = []
    records: list[list[str]] = []
    for start, rec in _slow_records(path, src, sn):
        rows.append(start)
        records.append([rec[j] for j in wanted])
    if not rows and not allow_missing:
        raise DataError(f"{src} has a header row but no data rows; add rows of data below the "
                        "header", where=src)
    columns = list(zip(*records, strict=True)) if records else [() for _ in wanted]
    del records
    cols = {name: pa.chunked_array([pa.array(list(c), type=pa.string())])
            for name, c in zip(include, columns, strict=True)}
    row_arr = np.asarray(rows, dtype=np.int64)
    missing = None if allow_missing else _first_missing(cols, include)
    if missing is not None:
        i, name = missing
        raise _missing_error(src, int(row_arr[i]), name)
    return cols, row_arr


def _delim_name(d: str) -> str:
    return {"\t": "a tab", ",": "','", ";": "';'", "|": "'|'"}.get(d, repr(d))


def _trim(arr: Any) -> Any:
    import pyarrow.compute as pc

    return pc.utf8_trim(arr, characters=_WS)


def _first_missing(cols: dict[str, Any], order: list[str]) -> tuple[int, str] | None:
    """(index, column) of the first empty cell, by row and then by column; None if there is none."""
    import pyarrow as pa
    import pyarrow.compute as pc

    best: tuple[int, int, str] | None = None
    for pos, name in enumerate(order):
        arr = cols[name]
        if pa.types.is_string(arr.type):
            mask = pc.equal(_trim(arr), "")
            if not pc.any(mask).as_py():
                continue
        elif arr.null_count:
            mask = pc.is_null(arr)
        else:
            continue
        i = int(np.argmax(mask.to_numpy(zero_copy_only=False)))
        if best is None or (i, pos) < best[:2]:
            best = (i, pos, name)
    return None if best is None else (best[0], best[2])


def _read_columns(path: Path, src: str, sn: _Sniff, include: list[str],
                  types: dict[str, str], force_slow: bool = False
                  ) -> tuple[dict[str, Any], np.ndarray]:
    if not sn.has_data:
        raise DataError(f"{src} has a header row but no data rows; add rows of data below the "
                        "header", where=src)
    if not force_slow:
        try:
            return _fast_columns(path, src, sn, include, types)
        except _Slow:
            pass
    if path.stat().st_size > SLOW_CHECK_BYTES:
        _slow_check(path, src, sn, include)  # a message costs less memory than all the records
    return _slow_columns(path, src, sn, include)


# ---- CSV: encoding -------------------------------------------------------------------------------
@dataclass
class _Col:
    name: str
    kind: Literal["number", "category"]
    values: Any                       # number: arrow float array; category: int32 indices
    categories: list[str] = field(default_factory=list)


def _mask(arr: Any, pattern: str) -> np.ndarray:
    import pyarrow.compute as pc

    out = pc.match_substring_regex(arr, f"^(?:{pattern})$").to_numpy(zero_copy_only=False)
    return np.asarray(out, dtype=bool)


def _prepare(arr: Any, name: str, rows: np.ndarray, src: str, *, kind: str | None = None,
             categories: list[str] | None = None, role: str = "feature") -> _Col:
    """Decide a column's kind (or take the training schema's) and check its cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_floating(arr.type):
        return _Col(name, "number", arr)
    t = _trim(arr)
    if pc.any(pc.match_substring(t, "\x00")).as_py():
        i = int(np.argmax(np.asarray(pc.match_substring(t, "\x00").to_numpy(
            zero_copy_only=False), dtype=bool)))
        raise _cell_error(src, int(rows[i]), name, "the cell holds a zero byte: this part of the "
                          "file is binary data, not CSV text; save the file again as CSV text")
    if kind != "category":
        num = _mask(t, NUMBER_RE)
        if num.all():
            return _Col(name, "number", pc.cast(t, pa.float32()))
        dc = _mask(t, DECIMAL_COMMA_RE)
        if kind == "number" or 2 * (int(num.sum()) + int(dc.sum())) > len(num):
            i = int(np.argmin(num))
            v = t[i].as_py()
            if dc[i]:
                msg = (f"{_show(v)} looks like a number with a decimal comma; write decimals with "
                       f"a dot ({v.replace(',', '.')}), or, if ',' separates the columns, set the "
                       "delimiter to ','")
            else:
                msg = (f"{_show(v)} is not a number, but the column holds numbers"
                       f"{' in training' if kind == 'number' else ' in other rows'}; fix the cell "
                       "or remove the row")
            raise _cell_error(src, int(rows[i]), name, msg)
    if categories is None:
        categories = sorted(pc.unique(t).to_pylist())
        if role == "feature" and len(categories) > MAX_CATEGORIES:
            raise DataError(
                f"{src}: column {name!r} holds {len(categories):,} different text values; as a "
                f"feature it would become {len(categories):,} one-hot inputs. Leave it out of the "
                "features if it is a name or an id; if it should hold numbers, fix its text cells",
                where=f"{src}::{name}")
    idx = pc.index_in(t, value_set=pa.array(categories, type=pa.string()))
    if idx.null_count:
        i = int(np.argmax(pc.is_null(idx).to_numpy(zero_copy_only=False)))
        what = "class" if role == "target" else "category"
        raise _cell_error(src, int(rows[i]), name,
                          f"the {what} {_show(t[i].as_py())} was not in the training data "
                          f"(it had {_list_names(categories, 12)}); fix the cell, remove the row, "
                          "or train with data that has it")
    return _Col(name, "category", np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int32),
                categories)


def _fill(dst: np.ndarray, arr: Any) -> None:
    o = 0
    for chunk in getattr(arr, "chunks", [arr]):
        k = len(chunk)
        dst[o:o + k] = chunk.to_numpy(zero_copy_only=False)
        o += k


def _check_finite(col: np.ndarray, rows: np.ndarray, name: str, src: str) -> None:
    ok = np.isfinite(col)
    if not ok.all():
        i = int(np.argmin(ok))
        what = "NaN (not a number)" if np.isnan(col[i]) else "infinite (or too big for float32)"
        raise _cell_error(src, int(rows[i]), name, f"the value is {what}; replace it with a real "
                          "number or remove the row")


def _resolve(spec_cols: Any, names: list[str], src: str, what: str) -> list[str]:
    if spec_cols is None:
        return []
    if isinstance(spec_cols, str | int):
        spec_cols = [spec_cols]
    if not isinstance(spec_cols, list | tuple):
        raise DataError(f"{src}: {what} must be a list of column names, not {spec_cols!r}",
                        where=src)
    out = []
    for c in spec_cols:
        if isinstance(c, bool) or not isinstance(c, str | int):
            raise DataError(f"{src}: {what} must name columns (names, or 0-based numbers), "
                            f"not {c!r}", where=src)
        if isinstance(c, int):
            if not 0 <= c < len(names):
                raise DataError(f"{src} has no column number {c}: its {len(names)} columns are "
                                f"numbered 0 to {len(names) - 1}", where=src)
            out.append(names[c])
        elif c in names:
            out.append(c)
        else:
            near = difflib.get_close_matches(c, names, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise DataError(f"{src} has no column {c!r}{hint}; its columns are "
                            f"{_list_names(names)}", where=f"{src}::{c}")
    if len(set(out)) != len(out):
        twice = next(c for c in out if out.count(c) > 1)
        raise DataError(f"{src}: column {twice!r} is named twice in {what}", where=src)
    return out


def _load_csv(spec: dict[str, Any], path: Path, src: str, schema: Schema | None,
              need_targets: bool, force_slow: bool = False) -> Arrays:
    sn = _sniff(path, src, spec.get("delimiter"), spec.get("header"))
    names = sn.names
    if schema is not None:
        if schema.kind != "csv":
            raise DataError(f"{src}: the model was trained on NumPy arrays "
                            f"(input shape {schema.input_shape}); give an .npy or .npz file",
                            where=src)
        feats = _resolve([f.name for f in schema.features], names, src, "features")
        have = [t for t in schema.targets if t in names]
        if need_targets or have:
            targets = _resolve(list(schema.targets), names, src, "targets")
        else:
            targets = []
    else:
        targets = _resolve(spec.get("targets"), names, src, "targets")
        if need_targets and not targets:
            raise DataError(f"{src}: say which column(s) the model should predict: set 'targets' "
                            f"(the columns are {_list_names(names)})", where=src)
        if spec.get("features") is None:
            feats = [n for n in names if n not in targets]
        else:
            feats = _resolve(spec.get("features"), names, src, "features")
            both = [f for f in feats if f in targets]
            if both:
                raise DataError(f"{src}: column {both[0]!r} is both a target and a feature; a "
                                "model may not see its answer: remove it from the features",
                                where=f"{src}::{both[0]}")
        if not feats:
            raise DataError(f"{src}: no feature columns are left once the targets "
                            f"({_list_names(targets)}) are set aside; the model needs inputs",
                            where=src)
    include = [n for n in names if n in feats or n in targets]
    types: dict[str, str] = {}
    for n, numeric in zip(names, sn.numeric, strict=True):
        if schema is None:
            types[n] = "float32" if numeric else "string"
    if schema is not None:
        for f in schema.features:
            types[f.name] = "float32" if f.kind == "number" else "string"
        for t in targets:
            types[t] = "string" if schema.class_names is not None else "float32"
    if (not force_slow and sn.fast_ok and sn.has_data
            and all(types[n] == "float32" for n in include)
            and path.stat().st_size >= PIECEWISE_BYTES):
        arrays = _numbers_by_piece(path, src, sn, feats, targets, schema)
        if arrays is not None:
            return arrays
    cols, rows = _read_columns(path, src, sn, include, types, force_slow)
    return _encode(cols, rows, feats, targets, schema, src)


def _numbers_by_piece(path: Path, src: str, sn: _Sniff, feats: list[str], targets: list[str],
                      schema: Schema | None) -> Arrays | None:
    """An all-number CSV read piece by piece straight into x and y, so that peak memory stays
    near the size of x. None when anything is unusual: the general path then gives the answer
    (or the exact message)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    include = [n for n in sn.names if n in feats or n in targets]
    m, k = len(feats), len(targets)
    cap = int(path.stat().st_size / max(sn.line_bytes, 1.0) * 1.02) + 1024
    x = np.empty((cap, m), dtype=np.float32)
    y = np.empty((cap, k), dtype=np.float32)
    n = 0
    first = True
    buf = bytearray(PIECE_BYTES)
    carry = 0
    with open(path, "rb") as f:
        while True:
            if carry == len(buf):
                if carry >= 4 * PIECE_BYTES:
                    return None  # no line breaks ('\r' only?): the general path copes
                buf = buf + bytes(len(buf))  # a line longer than the buffer
            got = f.readinto(memoryview(buf)[carry:])
            end = carry + got
            if buf.find(b'"', carry, end) >= 0:
                return None  # a quoted value may hold a line break: rows would not map to lines
            if got == 0 and end == 0:
                break
            cut = end if got == 0 else buf.rfind(b"\n", 0, end) + 1
            if cut == 0:
                carry = end
                continue
            try:
                # small blocks keep every core busy on one piece; the system allocator gives
                # the parser's buffers back (pyarrow's pool keeps them per thread)
                table = pcsv.read_csv(
                    pa.BufferReader(pa.py_buffer(memoryview(buf)[:cut])),
                    memory_pool=pa.system_memory_pool(),
                    read_options=pcsv.ReadOptions(column_names=sn.names, block_size=1 << 19,
                                                  skip_rows=1 if sn.header and first else 0),
                    parse_options=pcsv.ParseOptions(delimiter=sn.delimiter,
                                                    ignore_empty_lines=False),
                    convert_options=pcsv.ConvertOptions(
                        column_types=dict.fromkeys(include, pa.float32()),
                        include_columns=include, null_values=[""],
                        quoted_strings_can_be_null=True))
            except pa.ArrowException:
                return None
            first = False
            rows = table.num_rows
            if n + rows > cap:
                cap = max(2 * cap, n + rows)
                x.resize((cap, m), refcheck=False)  # realloc: no copy where the OS can remap
                y.resize((cap, k), refcheck=False)
            for dst, names in ((x, feats), (y, targets)):
                for j, name in enumerate(names):
                    col = table.column(name)
                    if col.null_count:
                        return None
                    _fill(dst[n:n + rows, j], col)
            n += rows
            del table
            if got == 0:
                break
            buf[:end - cut] = buf[cut:end]
            carry = end - cut
    if n == 0:
        return None
    x.resize((n, m), refcheck=False)
    y.resize((n, k), refcheck=False)
    for j in range(m):
        if not np.isfinite(x[:, j]).all():
            return None
    for j in range(k):
        if not np.isfinite(y[:, j]).all():
            return None
    start = 2 if sn.header else 1
    names = list(feats)
    features = [Feature(f, "number") for f in feats]
    out = Schema("csv", features, list(targets), None, (m,), names)
    if schema is not None:
        out = Schema("csv", [Feature(f.name, f.kind, list(f.categories)) for f in schema.features],
                     list(schema.targets), schema.class_names, (m,), names)
    return Arrays(x, y if k else None, out, src, np.arange(start, start + n, dtype=np.int64))


def _encode(cols: dict[str, Any], rows: np.ndarray, feats: list[str], targets: list[str],
            schema: Schema | None, src: str) -> Arrays:
    n = len(rows)
    known = {f.name: f for f in schema.features} if schema else {}
    fcols: list[_Col] = []
    for name in feats:
        f = known.get(name)
        fcols.append(_prepare(cols[name], name, rows, src, kind=f.kind if f else None,
                              categories=f.categories if f and f.kind == "category" else None))
    tcols: list[_Col] = []
    for name in targets:
        if schema is None:
            kind, cats = None, None
        elif schema.class_names is not None:
            kind, cats = "category", schema.class_names
        else:
            kind, cats = "number", None
        tcols.append(_prepare(cols[name], name, rows, src, kind=kind, categories=cats,
                              role="target"))
    text_targets = [c.name for c in tcols if c.kind == "category"]
    if text_targets and len(tcols) > 1:
        raise DataError(f"{src}: target column {text_targets[0]!r} holds text (class names); a "
                        "text target must be the only target: predict it alone, or give the "
                        "other targets as numbers", where=f"{src}::{text_targets[0]}")
    width = sum(len(c.categories) if c.kind == "category" else 1 for c in fcols)
    x = np.empty((n, width), dtype=np.float32)
    features: list[Feature] = []
    feature_names: list[str] = []
    off = 0
    for c in fcols:
        cols.pop(c.name, None)
        if c.kind == "number":
            _fill(x[:, off], c.values)
            _check_finite(x[:, off], rows, c.name, src)
            features.append(Feature(c.name, "number"))
            feature_names.append(c.name)
            off += 1
        else:
            k = len(c.categories)
            x[:, off:off + k] = 0.0
            x[np.arange(n), off + c.values] = 1.0
            features.append(Feature(c.name, "category", list(c.categories)))
            feature_names += [f"{c.name}={v}" for v in c.categories]
            off += k
        c.values = None
    y: np.ndarray | None = None
    class_names = None
    if text_targets:
        y = tcols[0].values
        class_names = list(tcols[0].categories)
    elif tcols:
        y = np.empty((n, len(tcols)), dtype=np.float32)
        for j, c in enumerate(tcols):
            _fill(y[:, j], c.values)
            _check_finite(y[:, j], rows, c.name, src)
    if schema is not None:
        class_names = schema.class_names
        out_schema = Schema("csv", [Feature(f.name, f.kind, list(f.categories))
                                    for f in schema.features],
                            list(schema.targets), class_names, (width,), list(feature_names))
    else:
        out_schema = Schema("csv", features, list(targets), class_names, (width,), feature_names)
    return Arrays(x, y, out_schema, src, rows)


# ---- NumPy files ---------------------------------------------------------------------------------
def _npy_header(fh: Any, src: str) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    import warnings

    from numpy.lib import format as npf

    try:
        with warnings.catch_warnings():   # numpy warns about odd (old or damaged) headers
            warnings.simplefilter("ignore")
            version = npf.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = npf.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, fortran, dtype = npf.read_array_header_2_0(fh)
            else:
                reader = getattr(npf, "_read_array_header", None)
                if reader is None:
                    raise ValueError(f"format version {version} is not supported")
                shape, fortran, dtype = reader(fh, version)
    except DataError:
        raise
    except Exception as e:  # damaged headers fail in many ways inside numpy
        raise DataError(f"{src}: its .npy header is damaged ({' '.join(str(e).split())[:120]}); "
                        "save the array again with numpy.save", where=src) from None
    if any(d < 0 for d in shape):
        raise DataError(f"{src}: its .npy header gives a negative size {shape}; the file is "
                        "damaged: save the array again with numpy.save", where=src)
    return tuple(shape), bool(fortran), dtype


def _check_dtype(dtype: np.dtype[Any], src: str) -> None:
    if dtype.hasobject:
        raise DataError(f"{src} holds Python objects (dtype object), not plain numbers; kerasgui "
                        "will not unpickle it, for safety (unpickling can run code). Save plain "
                        "numbers: numpy.save(path, numpy.asarray(x, dtype='float32'))", where=src)
    what = {"c": "complex numbers", "U": "text", "S": "bytes", "M": "dates", "m": "time spans",
            "V": "raw or structured records"}.get(dtype.kind)
    if what or dtype.kind not in "biuf":
        raise DataError(f"{src} holds {what or dtype} (dtype {dtype}), not plain numbers; save an "
                        "array of numbers (e.g. float32)", where=src)


def _not_npy(src: str, head: bytes) -> DataError:
    if head[:1] == b"\x80":
        return DataError(f"{src} holds pickled Python data, not a .npy array; kerasgui will not "
                         "unpickle it, for safety (unpickling can run code). Save the array with "
                         "numpy.save", where=src)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return DataError(f"{src} is a zip archive (an .npz?), not an .npy file; give it as "
                         "{\"path\": ..., \"inputs\": <array name>}", where=src)
    return DataError(f"{src} is not a NumPy .npy file (it does not begin with the .npy "
                     "signature); save arrays with numpy.save, or give a CSV file as "
                     "{\"path\": ..., \"targets\": [...]}", where=src)


def _short(src: str, shape: tuple[int, ...], dtype: np.dtype[Any], need: int, have: int
           ) -> DataError:
    return DataError(f"{src} is cut short or damaged: its header promises an array of shape "
                     f"{shape} ({dtype}), {need:,} bytes of data, but the file holds "
                     f"{max(0, have):,}; it was probably not copied or saved completely: save it "
                     "again",
                     where=src)


def load_npy(path: str | Path) -> np.ndarray:
    """An .npy array without pickle. Data bigger than MMAP_BYTES stays on disk as a read-only
    np.memmap; the dtype is left as stored (numbers only)."""
    return _load_npy(Path(path), str(path))


def _load_npy(p: Path, src: str) -> np.ndarray:
    size = _check_file(p, src)
    try:
        with open(p, "rb") as fh:
            head = fh.read(len(NPY_MAGIC))
            if head != NPY_MAGIC:
                raise _not_npy(src, head)
            fh.seek(0)
            shape, fortran, dtype = _npy_header(fh, src)
            offset = fh.tell()
            _check_dtype(dtype, src)
            count = math.prod(shape)
            need = count * dtype.itemsize
            if size - offset < need:
                raise _short(src, shape, dtype, need, size - offset)
            order: Literal["C", "F"] = "F" if fortran else "C"
            if need >= MMAP_BYTES:
                mm: np.ndarray = np.memmap(p, dtype=dtype, mode="r", offset=offset, shape=shape,
                                           order=order)
                return mm
            a = np.fromfile(fh, dtype=dtype, count=count)
    except OSError as e:
        raise DataError(f"{src}: cannot read it ({e.strerror})", where=src) from None
    if a.size != count:
        raise _short(src, shape, dtype, need, a.size * dtype.itemsize)
    return a.reshape(shape, order=order)


def _npz_members(zf: zipfile.ZipFile) -> dict[str, str]:
    return {n[:-4] if n.endswith(".npy") else n: n for n in zf.namelist()}


def npz_names(path: str | Path, src: str | None = None) -> list[str]:
    """The array names in an .npz file (for a chooser)."""
    p = Path(path)
    src = str(path) if src is None else src
    _check_file(p, src)
    return sorted(_with_zip(p, src, lambda zf: list(_npz_members(zf))))


def _with_zip(p: Path, src: str, fn: Any) -> Any:
    try:
        with zipfile.ZipFile(p) as zf:
            return fn(zf)
    except DataError:
        raise
    except MemoryError:
        raise DataError(f"{src}: an array in it is too big for this computer's memory",
                        where=src) from None
    except Exception as e:  # a damaged archive fails in many ways inside zipfile/zlib/numpy
        head = b""
        try:
            with open(p, "rb") as f:
                head = f.read(8)
        except OSError:
            pass
        if head.startswith(NPY_MAGIC):
            raise DataError(f"{src} is an .npy file, not an .npz archive; give it as "
                            f"{{\"inputs\": \"{src}\"}}", where=src) from None
        raise DataError(f"{src} is not a readable .npz archive: it is damaged, cut short, or not "
                        f"an .npz file ({type(e).__name__}: {str(e)[:120]}); save the arrays "
                        "again with numpy.savez", where=src) from None


def load_npz(path: str | Path, name: str) -> np.ndarray:
    """One named array from an .npz file, without pickle."""
    return _load_npz(Path(path), name, str(path))


def _load_npz(p: Path, name: str, src: str) -> np.ndarray:
    _check_file(p, src)

    def read(zf: zipfile.ZipFile) -> np.ndarray:
        members = _npz_members(zf)
        if name not in members:
            raise DataError(f"{src} has no array named {name!r}; it has "
                            f"{_list_names(sorted(members)) or 'no arrays'}", where=f"{src}:{name}")
        where = f"{src}[{name}]"
        info = zf.getinfo(members[name])
        with zf.open(info) as fh:
            if fh.read(len(NPY_MAGIC)) != NPY_MAGIC:
                raise DataError(f"{where} is not a NumPy array (no .npy signature); save the "
                                "arrays again with numpy.savez", where=where)
            fh.seek(0)
            shape, fortran, dtype = _npy_header(fh, where)
            _check_dtype(dtype, where)
            count = math.prod(shape)
            need = count * dtype.itemsize
            have = info.file_size - fh.tell()
            if have < need:
                raise _short(where, shape, dtype, need, have)
            a = np.empty(count, dtype=dtype)
            buf = memoryview(a.view(np.uint8).data) if need else memoryview(b"")
            got = 0
            while got < need:
                k = fh.readinto(buf[got:])  # type: ignore[attr-defined]
                if not k:
                    raise _short(where, shape, dtype, need, got)
                got += k
        return a.reshape(shape, order="F" if fortran else "C")

    result: np.ndarray = _with_zip(p, src, read)
    return result


def _first_nonfinite(a: np.ndarray) -> tuple[int, ...] | None:
    if a.dtype.kind != "f" or a.size == 0:
        return None
    step = max(1, (1 << 22) // max(1, math.prod(a.shape[1:])))
    for i in range(0, a.shape[0], step):
        bad = ~np.isfinite(a[i:i + step])
        if isinstance(a, np.memmap):  # the pages read stay in the page cache, not in this process
            streaming.release(a)
        if bad.any():
            idx = np.argwhere(bad)[0]
            return (int(idx[0]) + i, *(int(v) for v in idx[1:]))
    return None


def _as_float32(a: np.ndarray, src: str) -> np.ndarray:
    if a.ndim == 0:
        raise DataError(f"{src} holds a single number, not one row per sample; save an array "
                        "whose first axis is the samples", where=src)
    if a.dtype != np.float32:
        with np.errstate(over="ignore", invalid="ignore"):  # too big for float32: inf, named below
            a = np.asarray(a, dtype=np.float32)
    bad = _first_nonfinite(a)
    if bad is not None:
        v = a[bad]
        what = "NaN (not a number)" if np.isnan(v) else "infinite (or too big for float32)"
        at = ", ".join(map(str, bad))
        raise DataError(f"{src}: the value at index [{at}] (sample {bad[0]}) is {what}; replace "
                        "NaN and infinite values (numpy.nan_to_num) or remove those samples",
                        where=f"{src}:{bad[0]}")
    return a


def _load_arrays(spec: dict[str, Any], base_dir: Path, schema: Schema | None,
                 need_targets: bool) -> Arrays:
    path = spec.get("path")
    if path is not None and Path(path).suffix.lower() == ".npz":
        p = _resolve_path(base_dir, path)
        kind: SourceKind = "npz"
        names = npz_names(p, path)
        x_name = spec.get("inputs")
        y_name = spec.get("targets")
        if x_name is None:
            if "x" not in names:
                raise DataError(f"{path}: say which array holds the inputs: set 'inputs' (it has "
                                f"{_list_names(names)})", where=str(path))
            x_name = "x"
        if y_name is None and need_targets and "y" in names:
            y_name = "y"
        if not isinstance(x_name, str) or not (y_name is None or isinstance(y_name, str)):
            raise DataError(f"{path}: 'inputs' and 'targets' name arrays in the .npz file "
                            f"(it has {_list_names(names)})", where=str(path))
        x = _load_npz(p, x_name, path)
        y = _load_npz(p, y_name, path) if y_name else None
        xsrc = f"{path}[{x_name}]"
        ysrc = f"{path}[{y_name}]"
        source = str(path)
        missing_targets = (f"{path}: no targets given; set 'targets' to the name of the array of "
                           f"answers (it has {_list_names(names)})")
    else:
        x_path = spec.get("inputs") if path is None else path
        y_path = spec.get("targets")
        if not isinstance(x_path, str) or not (y_path is None or isinstance(y_path, str)):
            raise DataError("an .npy source is {\"inputs\": \"x.npy\", \"targets\": \"y.npy\"}",
                            where=str(x_path))
        kind = "npy"
        x = _load_npy(_resolve_path(base_dir, x_path), x_path)
        y = _load_npy(_resolve_path(base_dir, y_path), y_path) if y_path else None
        xsrc, ysrc, source = x_path, str(y_path), x_path
        missing_targets = (f"{x_path}: no targets given; set 'targets' to the .npy file of the "
                           "answers the model should learn")
    if need_targets and y is None:
        raise DataError(missing_targets, where=source)
    x = _as_float32(x, xsrc)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if y is not None:
        if y.ndim == 0:
            raise DataError(f"{ysrc} holds a single number, not one target per sample",
                            where=ysrc)
        if len(y) != len(x):
            raise DataError(f"inputs {xsrc} have {len(x):,} samples but targets {ysrc} have "
                            f"{len(y):,}; give the same number of samples in both", where=ysrc)
        y = _as_float32(y, ysrc)
    shape = tuple(int(d) for d in x.shape[1:])
    if schema is not None:
        if schema.kind == "csv":
            raise DataError(f"{source}: the model was trained on the columns of a CSV file "
                            f"({_list_names([f.name for f in schema.features], 8)}); give a CSV "
                            "file with those columns", where=source)
        if tuple(schema.input_shape) != shape:
            raise DataError(f"{xsrc}: each sample has shape {shape}, but the model was trained on "
                            f"samples of shape {tuple(schema.input_shape)}", where=xsrc)
    names = [f"column_{i}" for i in range(shape[0])] if len(shape) == 1 else []
    return Arrays(x, y, Schema(kind, [], [], None, shape, names), source,
                  np.arange(1, len(x) + 1, dtype=np.int64))


def _resolve_path(base_dir: Path, name: str) -> Path:
    p = Path(name).expanduser()
    return p if p.is_absolute() else Path(base_dir) / p


# ---- public loading ------------------------------------------------------------------------------
def load_source(spec: dict[str, Any], base_dir: Path, *, schema: Schema | None = None,
                need_targets: bool = True) -> Arrays:
    """Load one data source of a project (DESIGN.md section 4) as model arrays.

    With `schema` (validation, test, prediction files) the columns are encoded exactly as the
    training file's were. need_targets=False: targets are optional and extra columns ignored.
    """
    if not isinstance(spec, dict) or ("path" not in spec and "inputs" not in spec):
        raise DataError("a data source needs 'path' (a CSV or .npz file) or 'inputs' (an .npy "
                        "file)", where="data")
    path = spec.get("path")
    if path is None or Path(str(path)).suffix.lower() in (".npz", ".npy"):
        return _load_arrays(spec, Path(base_dir), schema, need_targets)
    if not isinstance(path, str):
        raise DataError(f"a data source's 'path' must be a file name, not {path!r}", where="data")
    return _load_csv(spec, _resolve_path(Path(base_dir), path), path, schema, need_targets)


def split(arrays: Arrays, fraction: float, shuffle: bool, seed: int | None
          ) -> tuple[Arrays, Arrays]:
    """(train, validation). With shuffle the rows are ordered by
    numpy.random.default_rng(seed).permutation(n) and the first int(fraction * n) are validation;
    without, the last int(fraction * n) rows are validation."""
    if not 0 <= fraction < 1:
        raise DataError(f"the validation split must be at least 0 and below 1, not {fraction}",
                        where="data.validation.split")
    n = len(arrays)
    k = int(fraction * n)
    if shuffle:
        order = np.random.default_rng(seed).permutation(n)
        return _take(arrays, order[k:]), _take(arrays, order[:k])
    return _take(arrays, slice(0, n - k)), _take(arrays, slice(n - k, n))


def _take(a: Arrays, idx: Any) -> Arrays:
    # a big memory-mapped array is not copied: a shuffled part is a streaming.Rows view of it
    return Arrays(streaming.take_rows(a.x, idx),
                  None if a.y is None else streaming.take_rows(a.y, idx),
                  a.schema, a.source, a.rows[idx])


def load_project_data(project: Project) -> Prepared:
    """Training, validation and test arrays for a project, with warnings worth showing."""
    data = project.data or {}
    spec = data.get("train")
    if not spec:
        raise DataError("the project has no training data: choose a file for data.train",
                        where="data.train")
    base = project.base_dir
    train = load_source(spec, base)
    warnings: list[str] = []
    validation: Arrays | None = None
    v = data.get("validation")
    shuffle = True
    if isinstance(v, dict) and "split" in v:
        fraction = float(v["split"])
        shuffle = bool(v.get("shuffle", True))
        if fraction > 0:
            if int(fraction * len(train)) == 0:
                warnings.append(f"a validation split of {fraction} of {len(train)} rows leaves no "
                                "rows for validation; training runs without validation")
            else:
                train, validation = split(train, fraction, shuffle,
                                          (project.fit or {}).get("seed"))
    elif v:
        validation = load_source(v, base, schema=train.schema)
    t = data.get("test")
    test = load_source(t, base, schema=train.schema) if t else None
    if validation is not None:
        w = _single_class_warning(train, validation, shuffle, isinstance(v, dict) and "split" in v)
        if w:
            warnings.append(w)
    return Prepared(train, validation, test, warnings)


def _single_class_warning(train: Arrays, val: Arrays, shuffle: bool, is_split: bool) -> str | None:
    if val.y is None or train.y is None or len(val) == 0:
        return None
    yv = np.asarray(val.y).reshape(len(val), -1)
    yt = np.asarray(train.y).reshape(len(train), -1)
    if (yv != yv[0]).any() or not (yt != yt[0]).any():
        return None
    names = val.schema.class_names
    if names is not None:
        label = repr(names[int(yv[0, 0])])
    else:
        label = ", ".join(f"{v:g}" for v in yv[0])
    what = "split" if is_split else "data"
    text = (f"the validation {what} holds a single class ({label}) in all {len(val):,} rows, so "
            "its scores say little")
    if is_split and not shuffle:
        return text + ("; the file is probably sorted by class: turn on shuffling "
                       "(data.validation.shuffle: true) so that validation takes rows of every "
                       "class")
    if is_split:
        return text + ("; with few rows, or rare classes, that happens by chance: use a larger "
                       "split or add rows")
    return text + "; use validation data that holds every class, or a shuffled split"


# ---- table preview -------------------------------------------------------------------------------
@dataclass
class Table:
    """A CSV file as columns, for the data preview: numbers as float64 (NaN where empty), text as
    str objects. `rows` gives each row's number in the file, as messages count them."""

    path: Path
    columns: list[str]
    data: dict[str, np.ndarray]
    n_rows: int
    delimiter: str
    header: bool
    rows: np.ndarray | None = None

    def stats(self, col: str) -> dict[str, Any]:
        """min/max/mean/std of a number column, or the counts of each value of a text column."""
        if col not in self.data:
            raise DataError(f"{self.path.name} has no column {col!r}; its columns are "
                            f"{_list_names(self.columns)}", where=f"{self.path.name}::{col}")
        a = self.data[col]
        if a.dtype.kind == "f":
            ok = a[~np.isnan(a)]
            finite = ok[np.isfinite(ok)]
            return {"kind": "number", "count": int(ok.size), "missing": int(a.size - ok.size),
                    "min": float(ok.min()) if ok.size else None,
                    "max": float(ok.max()) if ok.size else None,
                    "mean": float(finite.mean()) if finite.size else None,
                    "std": float(finite.std()) if finite.size else None}
        counts = Counter(str(v) for v in a)
        missing = counts.pop("", 0)
        ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return {"kind": "category", "count": int(a.size - missing), "missing": int(missing),
                "classes": len(ordered), "counts": ordered}


def read_table(path: str | Path, delimiter: str | None = None, header: bool | None = None,
               *, force_slow: bool = False) -> Table:
    """Read a CSV file for display. Empty cells are allowed here (NaN or "")."""
    import pyarrow as pa
    import pyarrow.compute as pc

    p = Path(path)
    src = str(path)
    sn = _sniff(p, src, delimiter, header)
    cols: dict[str, Any]
    rows: np.ndarray
    if not sn.has_data:
        cols, rows = {n: pa.chunked_array([], type=pa.string()) for n in sn.names}, np.zeros(0)
    else:
        include = list(sn.names)
        cols = {}
        rows = np.zeros(0, dtype=np.int64)
        done = False
        if sn.fast_ok and not force_slow:
            threads = p.stat().st_size > THREADS_BYTES
            hints = {n: "float64" if num else "string" for n, num in zip(include, sn.numeric,
                                                                             strict=True)}
            try:
                table = _arrow_read_typed(p, sn, include, hints, threads)
                quoted, lines = _scan_lines(p)
                first = 2 if sn.header else 1
                n = table.num_rows
                if n and (not quoted or lines == n + first - 1):
                    cols = {c: table.column(c) for c in include}
                    rows = np.arange(first, first + n, dtype=np.int64)
                    done = bool(n) and _all_blank_row(cols) is None
            except (pa.ArrowException, OSError):
                pass
        if not done:
            cols, rows = _slow_columns(p, src, sn, include, allow_missing=True)
    data: dict[str, np.ndarray] = {}
    for name in sn.names:
        arr = cols.pop(name)
        if pa.types.is_floating(arr.type):   # numbers by pyarrow; empty cells are null
            data[name] = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)
            continue
        t = _trim(arr)
        nonempty = pc.not_equal(t, "")
        num = _mask(t, NUMBER_RE)
        filled = np.asarray(nonempty.to_numpy(zero_copy_only=False), dtype=bool)
        if filled.any() and num[filled].all():
            vals = pc.cast(pc.if_else(nonempty, t, pa.scalar(None, pa.string())), pa.float64())
            data[name] = np.asarray(vals.to_numpy(zero_copy_only=False), dtype=np.float64)
        else:
            data[name] = np.asarray(t.to_numpy(zero_copy_only=False), dtype=object)
    return Table(p, list(sn.names), data, len(rows), sn.delimiter, sn.header,
                 np.asarray(rows, dtype=np.int64))


def _all_blank_row(cols: dict[str, Any]) -> int | None:
    """Index of a row whose cells are all empty (a blank line, for pyarrow); None if none."""
    import pyarrow as pa
    import pyarrow.compute as pc

    blank = None
    for arr in cols.values():
        empty = pc.equal(arr, "") if pa.types.is_string(arr.type) else pc.is_null(arr)
        m = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
        blank = m if blank is None else blank & m
    if blank is None or not blank.any():
        return None
    return int(np.argmax(blank))
