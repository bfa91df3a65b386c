"""Reading a table of cells out of .xlsx, .csv, .jsonl, .json and .parquet files, with clear errors."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HEADER_SCAN_ROWS = 30  # the header row may sit under a title or notes
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, or an encrypted .xlsx
_CSV_DELIMITERS = ",;\t|"
JSON_LIST_KEYS = ("data", "problems", "rows")  # where a .json object keeps its list
EXTENSIONS = (".xlsx", ".csv", ".jsonl", ".json", ".parquet")

IsHeader = Callable[[list[str]], bool]


class ImportProblem(Exception):
    """A file that cannot be imported; the message is one line naming the file and the problem."""


@dataclass(frozen=True)
class Table:
    """Header names and data rows; each row is (position under the header, cells)."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    unit: str = "row"  # what a position counts, for messages: row, line, item
    header_row: int = 0  # where the header sits, so messages show the file's own row numbers

    def where(self, position: int) -> str:
        return f"{self.unit} {self.header_row + position}"


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(rows: list[list[Any]], is_header: IsHeader, unit: str) -> Table | None:
    """Find the header in the first rows and cut the trailing blank rows."""
    for h, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        headers = ["" if c is None else str(c) for c in row]
        if is_header(headers):
            body = rows[h + 1 :]
            while body and all(_blank(c) for c in body[-1]):
                body.pop()
            return Table(headers, list(enumerate(body, 1)), unit, header_row=h + 1)
    return None


def decode_text(data: bytes, warnings: list[str]) -> str:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 with a warning."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportProblem(f"undecodable UTF-16 text at byte {exc.start}") from None
    if _ZIP_MAGIC in data[:4]:
        raise ImportProblem("is a zip or .xlsx workbook, not text: rename it to .xlsx")
    if b"\x00" in data[:4096]:
        raise ImportProblem("is a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            byte = data[exc.start]
            raise ImportProblem(
                f"undecodable bytes: not UTF-8 or Windows-1252 text"
                f" (byte 0x{byte:02x} at offset {exc.start})"
            ) from None
        warnings.append(
            f"not UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}):"
            " read as Windows-1252; check accented characters"
        )
        return text


def _read_xlsx(data: bytes, is_header: IsHeader) -> Table:
    if not data:
        raise ImportProblem("the file is empty")
    if data.startswith(_OLE_MAGIC):
        raise ImportProblem("is an old .xls or encrypted workbook: save it as .xlsx or .csv")
    if not data.startswith(_ZIP_MAGIC):
        try:
            sample = data[:4096].decode("utf-8")
            looks_text = "\x00" not in sample
        except UnicodeDecodeError:
            looks_text = False
        if looks_text:
            raise ImportProblem("is text, not an .xlsx workbook (a CSV? rename it to .csv)")
        raise ImportProblem("is not an .xlsx workbook")
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken zip or workbook
        raise ImportProblem(f"is not a readable .xlsx workbook ({_one_line(exc)})") from None
    try:
        if not wb.worksheets:
            raise ImportProblem("the workbook has no sheets")
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            table = _table(rows, is_header, "row")
            if table is not None:
                return table
    except ImportProblem:
        raise
    except Exception as exc:
        raise ImportProblem(f"is not a readable .xlsx workbook ({_one_line(exc)})") from None
    finally:
        wb.close()
    raise ImportProblem(
        "no question column in any sheet (looked for a header named question, problem,"
        f" prompt or text in the first {HEADER_SCAN_ROWS} rows)"
    )


def _read_csv(data: bytes, is_header: IsHeader, warnings: list[str]) -> Table:
    text = decode_text(data, warnings)
    if not text.strip():
        raise ImportProblem("the file is empty")
    csv.field_size_limit(1 << 24)  # proofs and long problems can exceed the 128 KiB default
    delimiters = list(_CSV_DELIMITERS)
    try:
        sniffed = csv.Sniffer().sniff(text[:65536], delimiters=_CSV_DELIMITERS).delimiter
        delimiters.remove(sniffed)
        delimiters.insert(0, sniffed)
    except csv.Error:
        pass  # a one-column file gives the sniffer nothing to find
    error: str | None = None
    for delimiter in delimiters:
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            error = _one_line(exc)
            continue
        table = _table(rows, is_header, "row")
        if table is not None:
            return table
    if error:
        raise ImportProblem(f"is not readable CSV ({error})")
    raise ImportProblem(
        "no question column (looked for a header named question, problem, prompt or text"
        f" in the first {HEADER_SCAN_ROWS} rows)"
    )


def _records_table(records: list[tuple[int, Any]], unit: str) -> Table:
    headers: list[str] = []
    index: dict[str, int] = {}
    for number, rec in records:
        if rec is None:
            continue
        if not isinstance(rec, dict):
            raise ImportProblem(f"{unit} {number}: expected an object, found {type(rec).__name__}")
        for k in rec:
            if k not in index:
                index[str(k)] = len(headers)
                headers.append(str(k))
    rows = []
    for number, rec in records:
        cells: list[Any] = [None] * len(headers)
        for k, v in (rec or {}).items():
            cells[index[str(k)]] = v
        rows.append((number, cells))
    while rows and all(_blank(c) for c in rows[-1][1]):
        rows.pop()
    return Table(headers, rows, unit)


def _read_jsonl(data: bytes, warnings: list[str]) -> Table:
    text = decode_text(data, warnings)
    if not text.strip():
        raise ImportProblem("the file is empty")
    records: list[tuple[int, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            records.append((number, None))
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ImportProblem(
                f"line {number}: invalid JSON ({exc.msg} at column {exc.colno})"
            ) from None
        except RecursionError:
            raise ImportProblem(f"line {number}: JSON nested too deeply") from None
    return _records_table(records, "line")


def _read_json(data: bytes, warnings: list[str]) -> Table:
    text = decode_text(data, warnings)
    if not text.strip():
        raise ImportProblem("the file is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportProblem(
            f"line {exc.lineno}: invalid JSON ({exc.msg} at column {exc.colno})"
        ) from None
    except RecursionError:
        raise ImportProblem("JSON nested too deeply") from None
    if isinstance(doc, dict):
        lists = [k for k in JSON_LIST_KEYS if isinstance(doc.get(k), list)]
        if lists:
            doc = doc[lists[0]]
    if not isinstance(doc, list):
        raise ImportProblem(
            'expected a list of objects, or an object with the list under "data", "problems"'
            ' or "rows"'
        )
    return _records_table(list(enumerate(doc, 1)), "item")


def _plain(value: Any) -> Any:
    """A parquet value as plain data: bytes (images) become a note of their size."""
    if isinstance(value, bytes | bytearray | memoryview):
        return f"({len(value)} bytes of binary data, not imported)"
    if isinstance(value, dict):
        if value.keys() >= {"bytes", "path"}:  # Hugging Face's image struct
            return None if value["bytes"] is None and not value["path"] else "(an image)"
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _read_parquet(data: bytes) -> Table:
    if not data:
        raise ImportProblem("the file is empty")
    if not data.startswith(b"PAR1"):
        raise ImportProblem("is not a Parquet file")
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportProblem(
            "reading .parquet needs pyarrow: pip install 'ponder[parquet]' (or pyarrow),"
            " or convert the file to .jsonl"
        ) from None
    try:
        records = pq.read_table(io.BytesIO(data)).to_pylist()
    except Exception as exc:  # pyarrow raises its own kinds for a broken file
        raise ImportProblem(f"is not a readable Parquet file ({_one_line(exc)})") from None
    return _records_table([(n, _plain(r)) for n, r in enumerate(records, 1)], "row")


def read_table(path: Path, data: bytes, warnings: list[str], is_header: IsHeader) -> Table:
    """Read the file's bytes as a table, choosing the reader by extension."""
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        return _read_xlsx(data, is_header)
    if ext in (".csv", ".tsv"):
        return _read_csv(data, is_header, warnings)
    if ext == ".jsonl":
        return _read_jsonl(data, warnings)
    if ext == ".json":
        return _read_json(data, warnings)
    if ext == ".parquet":
        return _read_parquet(data)
    if ext == ".xls":
        raise ImportProblem("the old .xls format is not supported: save it as .xlsx or .csv")
    raise ImportProblem(
        f"unsupported file type {ext or '(no extension)'!r}: use .xlsx, .csv, .jsonl, .json or .parquet"
    )
