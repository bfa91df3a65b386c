"""A row-cursor DataTable filled a page at a time from a query, so a huge store opens instantly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

PAGE = 100
PREFETCH = 20  # rows left below the cursor when the next page is fetched


@dataclass(frozen=True)
class Column:
    """A column: its key, its header and its width (None: as wide as its content)."""

    key: str
    label: str
    width: int | None = None


# A page of rows: (row key, one Text per column), fetched from (offset, limit).
Row = tuple[int, Sequence[Text]]
Fetch = Callable[[int, int], Sequence[Row]]


class PagedTable(DataTable[Any]):
    """Rows come from `fetch(offset, limit)`; the next page loads as the cursor nears the end.

    Cells are `Text`, never `str`: a str cell would be read as markup.
    """

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.table_columns = tuple(columns)
        self._fetch: Fetch | None = None
        self._loaded = 0
        self._exhausted = True

    def on_mount(self) -> None:
        self._ensure_columns()

    def _ensure_columns(self) -> None:
        # The screen may load rows before this widget's own Mount handler has run.
        if not self.columns:
            for c in self.table_columns:
                self.add_column(Text(c.label), key=c.key, width=c.width)

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
        keep the cursor on row `keep` if it is there."""
        self._ensure_columns()
        self.clear()
        self._fetch = fetch
        self._loaded = 0
        self._exhausted = False
        if first is None:
            self.load_more()
        else:
            self._add(first)
        if keep is not None:
            self.select_key(keep)

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
