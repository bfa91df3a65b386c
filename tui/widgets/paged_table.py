"""A row-cursor DataTable filled a page at a time from a query, so a huge store opens instantly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable

PAGE = 100
PREFETCH = 20  # rows left below the cursor when the next page is fetched


@dataclass(frozen=True)
class Column:
    """A column: its key, its header and its width (None: whatever room the others leave)."""

    key: str
    label: str
    width: int | None = None


# A page of rows: (row key, one Text per column), fetched from (offset, limit).
Row = tuple[int, Sequence[Text]]
Fetch = Callable[[int, int], Sequence[Row]]


@dataclass(frozen=True)
class _Pending:
    fetch: Fetch
    keep: int | None
    first: Sequence[Row] | None


class PagedTable(DataTable[Any]):
    """Rows come from `fetch(offset, limit)`; the next page loads as the cursor nears the end.

    Cells are `Text`, never `str`: a str cell would be read as markup.
    """

    class Loaded(Message):
        """A query's first page is on the table (posted after each `load`)."""

        def __init__(self, table: PagedTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.table_columns = tuple(columns)
        self._fetch: Fetch | None = None
        self._loaded = 0
        self._exhausted = True
        self._sized = False
        self._pending: _Pending | None = None

    def on_mount(self) -> None:
        self._ensure_columns()

    def _ensure_columns(self) -> None:
        # The screen may load rows before this widget's own Mount handler has run.
        if not self.columns:
            for c in self.table_columns:
                self.add_column(Text(c.label), key=c.key, width=c.width or self._flex_width())

    def _flex_width(self) -> int:
        """The room left for the flexible column(s) once the fixed ones are laid out."""
        fixed = sum(c.width or 0 for c in self.table_columns)
        padding = 2 * self.cell_padding * len(self.table_columns)
        flexible = sum(1 for c in self.table_columns if c.width is None) or 1
        room = self.scrollable_content_region.width - fixed - padding
        return max(10, room // flexible)

    def on_resize(self, event: events.Resize) -> None:
        width = self._flex_width()
        changed = False
        for c in self.table_columns:
            column = self.columns.get(c.key)  # type: ignore[call-overload]
            if c.width is None and column is not None and column.width != width:
                column.width = width
                changed = True
        if changed:
            # DataTable has no public call to re-lay its columns out after a width change.
            self._require_update_dimensions = True
            self.refresh()
        if not self._sized:
            # A resize re-renders every visible cell, so the first rows wait for the first
            # size: one render of the first page instead of two (a third of the screen's cost).
            self._sized = True
            pending, self._pending = self._pending, None
            if pending is not None:
                self._load_now(pending)

    @property
    def loaded(self) -> int:
        """How many rows are in the table now."""
        return self._loaded

    @property
    def exhausted(self) -> bool:
        """Every row of the query is loaded."""
        return self._exhausted

    def load(
        self, fetch: Fetch, *, keep: int | None = None, first: Sequence[Row] | None = None
    ) -> None:
        """Show a new query from its first page (`first`, if already fetched off the UI thread);
        keep the cursor on row `keep` if it is there. Posts `Loaded` once the rows are in."""
        self._ensure_columns()
        pending = _Pending(fetch, keep, first)
        if self._sized:
            self._load_now(pending)
        else:
            self._pending = pending
            self._fetch = fetch  # load_more before the first size still reads this query

    def _load_now(self, pending: _Pending) -> None:
        self.clear()
        self._fetch = pending.fetch
        self._loaded = 0
        self._exhausted = False
        if pending.first is None:
            self.load_more()
        else:
            self._add(pending.first)
        if pending.keep is not None:
            self.select_key(pending.keep)
        self.post_message(self.Loaded(self))

    def load_more(self) -> int:
        """Append the next page; return how many rows came."""
        if self._fetch is None or self._exhausted:
            return 0
        rows = self._fetch(self._loaded, PAGE)
        self._add(rows)
        return len(rows)

    def _add(self, rows: Sequence[Row]) -> None:
        for key, cells in rows:
            if str(key) in self.rows:  # a row inserted meanwhile shifted the pages
                continue
            self.add_row(*cells, key=str(key))
        self._loaded += len(rows)
        self._exhausted = len(rows) < PAGE

    @property
    def current_key(self) -> int | None:
        """The key of the row under the cursor, or None for an empty table."""
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return int(row_key.value) if row_key.value is not None else None

    def keys(self) -> list[int]:
        """Keys of the loaded rows, in order."""
        return [int(r.key.value) for r in self.ordered_rows if r.key.value is not None]

    def select_key(self, key: int) -> bool:
        """Move the cursor to the row with this key, if it is loaded."""
        if str(key) not in self.rows:
            return False
        self.move_cursor(row=self.get_row_index(str(key)), animate=False)
        return True

    def set_row(self, key: int, cells: Sequence[Text]) -> None:
        """Replace a loaded row's cells (after a grade, say)."""
        if str(key) not in self.rows:
            return
        for column, cell in zip(self.table_columns, cells, strict=True):
            self.update_cell(str(key), column.key, cell)

    def drop_row(self, key: int) -> None:
        """Remove a loaded row; the cursor stays at the same position."""
        if str(key) in self.rows:
            self.remove_row(str(key))
            self._loaded = max(0, self._loaded - 1)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Not stopped: the screen shows the highlighted row too.
        if not self._exhausted and event.cursor_row >= self.row_count - PREFETCH:
            self.load_more()
