"""Reading a SQLite file page by page, without SQLite, for what SQLite itself refuses to open: a
file whose first bytes (the header) are destroyed reads as "file is not a database" although
every table page is intact.

The file format (sqlite.org/fileformat.html): pages of one size; page 1 holds the schema table
(`sqlite_master`) after the 100-byte header; a table is a b-tree of interior pages (children and
the rowid keys between them) and leaf pages (rows, each a record, a long one continued on
overflow pages). Committed pages still in the `-wal` file are read over the main file's. A page
that does not parse is skipped, and the rowids it held are known from its parent's keys.
"""

from __future__ import annotations

import mmap
import os
import sqlite3
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAGIC = b"SQLite format 3\x00"
PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)
_INTERIOR_TABLE, _LEAF_TABLE = 0x05, 0x0D
_BTREE_TYPES = (0x02, 0x05, 0x0A, 0x0D)
_MAX_DEPTH = 20


def looks_like_sqlite(path: str | Path) -> bool:
    """Is the file a SQLite database, its header destroyed or not (a page 1 that parses)?"""
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
        size = Path(path).stat().st_size
    except OSError:
        return False
    if head.startswith(MAGIC):
        return True
    return any(
        size % ps == 0 and size >= ps and _plausible(head[:ps], 100, ps, need_cells=True)
        for ps in PAGE_SIZES
        if len(head) >= ps
    )


def _plausible(page: bytes, off: int, usable: int, *, need_cells: bool = False) -> bool:
    """Does a b-tree page header start at `off`, with its cell pointers inside the page?"""
    if len(page) < off + 8 or page[off] not in _BTREE_TYPES:
        return False
    header = 12 if page[off] in (0x02, 0x05) else 8
    cells = _u16(page, off + 3)
    start = _u16(page, off + 5) or 65536
    if need_cells and cells == 0:
        return False
    end = off + header + 2 * cells
    if end > start or start > usable:
        return False
    return all(start <= _u16(page, end - 2 * (i + 1)) < usable for i in range(cells))


def _u16(b: bytes | mmap.mmap, i: int) -> int:
    return int.from_bytes(b[i : i + 2], "big")


def _u32(b: bytes | mmap.mmap, i: int) -> int:
    return int.from_bytes(b[i : i + 4], "big")


def _varint(b: bytes, i: int) -> tuple[int, int]:
    """A SQLite varint at `i`: (value, the index after it)."""
    value = 0
    for k in range(8):
        byte = b[i + k]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + k + 1
    return (value << 8) | b[i + 8], i + 9


class PageError(Exception):
    """A page (or a row on it) that does not parse."""


@dataclass
class TableScan:
    """What a walk of one table's b-tree read: its rows, and the rowids it could not read."""

    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    # Unreadable parts as rowid ranges (low exclusive, high inclusive; None: unbounded).
    lost: list[tuple[int | None, int | None]] = field(default_factory=list)


class PageFile:
    """A database file (and its `-wal`) read page by page."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with open(self.path, "rb") as f:
            if os.fstat(f.fileno()).st_size < 512:
                raise PageError("the file is too small to hold a page")
            self.data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self.page_size = self._page_size()
        self.usable = self.page_size - (self.data[20] if self.data[:16] == MAGIC else 0)
        self.pages: dict[int, bytes] = {}
        self._read_wal()

    def _page_size(self) -> int:
        if self.data[:16] == MAGIC:
            ps = _u16(self.data, 16)
            return 65536 if ps == 1 else ps
        # The header is gone: the size whose pages parse best, page 1 first.
        best, best_score = 0, -1
        for ps in PAGE_SIZES:
            if len(self.data) < ps or len(self.data) % ps:
                continue
            score = 1000 * _plausible(self.data[:ps], 100, ps, need_cells=True)
            score += sum(
                _plausible(self.data[n : n + ps], 0, ps, need_cells=True)
                for n in range(ps, min(len(self.data), 64 * ps), ps)
            )
            if score > best_score:
                best, best_score = ps, score
        if best_score <= 0:
            raise PageError("no page of this file reads as a SQLite page")
        return best

    def _read_wal(self) -> None:
        """Committed frames of the -wal file (their latest version) over the main file's pages."""
        try:
            wal = Path(f"{self.path}-wal").read_bytes()
        except OSError:
            return
        if len(wal) < 32 or _u32(wal, 0) not in (0x377F0682, 0x377F0683):
            return
        ps = _u32(wal, 8) or self.page_size
        if ps != self.page_size:
            return
        salts = wal[16:24]
        frame, pending = 32, {}
        while frame + 24 + ps <= len(wal):
            if wal[frame + 8 : frame + 16] != salts:
                break
            pending[_u32(wal, frame)] = wal[frame + 24 : frame + 24 + ps]
            if _u32(wal, frame + 4):  # a commit frame: what came before it counts
                self.pages.update(pending)
                pending = {}
            frame += 24 + ps

    def page(self, number: int) -> bytes:
        if number in self.pages:
            return self.pages[number]
        start = (number - 1) * self.page_size
        if number < 1 or start + self.page_size > len(self.data):
            raise PageError(f"page {number} is past the end of the file")
        return self.data[start : start + self.page_size]

    # ---- b-trees ---------------------------------------------------------------------------

    def walk(self, root: int) -> TableScan:
        """Every row of the table b-tree at `root` that reads; the rowid ranges that do not."""
        scan = TableScan()
        self._walk(root, None, None, scan, set(), 0)
        return scan

    def _walk(
        self,
        number: int,
        low: int | None,
        high: int | None,
        scan: TableScan,
        seen: set[int],
        depth: int,
    ) -> None:
        try:
            if number in seen or depth > _MAX_DEPTH:
                raise PageError(f"page {number} is reached twice")
            seen.add(number)
            page = self.page(number)
            off = 100 if number == 1 else 0
            if not _plausible(page, off, self.usable) or page[off] not in (
                _INTERIOR_TABLE,
                _LEAF_TABLE,
            ):
                raise PageError(f"page {number} is not a table page")
        except PageError:
            scan.lost.append((low, high))
            return
        header = 12 if page[off] == _INTERIOR_TABLE else 8
        cells = [_u16(page, off + header + 2 * i) for i in range(_u16(page, off + 3))]
        if page[off] == _LEAF_TABLE:
            for at in cells:
                try:
                    scan.rows.append(self._row(page, at))
                except (PageError, IndexError, ValueError, struct.error):
                    rowid = _rowid_of(page, at)
                    scan.lost.append((None if rowid is None else rowid - 1, rowid))
            return
        before = low
        for at in cells:
            child = _u32(page, at)
            key, _ = _varint(page, at + 4)
            self._walk(child, before, key, scan, seen, depth + 1)
            before = key
        self._walk(_u32(page, off + 8), before, high, scan, seen, depth + 1)

    def _row(self, page: bytes, at: int) -> tuple[int, list[Any]]:
        size, i = _varint(page, at)
        rowid, i = _varint(page, i)
        if rowid >= 1 << 63:
            rowid -= 1 << 64
        payload = self._payload(page, i, size)
        return rowid, _record(payload)

    def _payload(self, page: bytes, i: int, size: int) -> bytes:
        u = self.usable
        most = u - 35
        if size <= most:
            return page[i : i + size]
        least = (u - 12) * 32 // 255 - 23
        local = least + (size - least) % (u - 4)
        if local > most:
            local = least
        parts = [page[i : i + local]]
        got, nxt, hops = local, _u32(page, i + local), 0
        while got < size:
            if nxt == 0 or hops > len(self.data) // self.page_size + len(self.pages):
                raise PageError("an overflow chain ends early")
            over = self.page(nxt)
            take = min(size - got, u - 4)
            parts.append(over[4 : 4 + take])
            got += take
            nxt, hops = _u32(over, 0), hops + 1
        return b"".join(parts)

    # ---- the schema ------------------------------------------------------------------------

    def schema(self) -> dict[str, tuple[int, str]]:
        """Each table's root page and CREATE statement, from the schema table on page 1."""
        tables: dict[str, tuple[int, str]] = {}
        for _, values in self.walk(1).rows:
            if len(values) >= 5 and values[0] == "table" and isinstance(values[3], int):
                tables[str(values[1])] = (values[3], str(values[4] or ""))
        return tables


def _rowid_of(page: bytes, at: int) -> int | None:
    try:
        _, i = _varint(page, at)
        return _varint(page, i)[0]
    except IndexError:
        return None


def _record(payload: bytes) -> list[Any]:
    """The values of a record (SQLite's serial types)."""
    header, i = _varint(payload, 0)
    types = []
    while i < header:
        t, i = _varint(payload, i)
        types.append(t)
    if i != header:
        raise PageError("a record header runs past its end")
    values: list[Any] = []
    at = header
    for t in types:
        if t == 0:
            values.append(None)
        elif 1 <= t <= 6:
            n = (1, 2, 3, 4, 6, 8)[t - 1]
            if at + n > len(payload):
                raise PageError("a record ends early")
            values.append(int.from_bytes(payload[at : at + n], "big", signed=True))
            at += n
        elif t == 7:
            values.append(struct.unpack(">d", payload[at : at + 8])[0])
            at += 8
        elif t in (8, 9):
            values.append(t - 8)
        elif t >= 12:
            n = (t - 12) // 2
            raw = payload[at : at + n]
            if len(raw) < n:
                raise PageError("a record ends early")
            values.append(raw if t % 2 == 0 else raw.decode("utf-8", "replace"))
            at += n
        else:
            raise PageError(f"serial type {t} is reserved")
    return values


def columns_of(create_sql: str) -> tuple[list[str], str | None]:
    """A table's columns in stored order, and its rowid alias (an INTEGER PRIMARY KEY), read by
    SQLite itself from the CREATE statement."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(create_sql)
        name = conn.execute("select name from sqlite_master where type = 'table'").fetchone()[0]
        info = conn.execute(f'pragma table_info("{name}")').fetchall()
    finally:
        conn.close()
    alias = [r[1] for r in info if r[5] == 1 and str(r[2]).upper() == "INTEGER"]
    pks = [r for r in info if r[5]]
    return [r[1] for r in info], alias[0] if len(pks) == 1 and alias else None
