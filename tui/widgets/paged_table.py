"""A row-cursor DataTable over a query of any length: it holds a window of at most WINDOW rows
around the cursor, read a page at a time by key (keyset pagination), so a store of 100,000 runs
opens at once, jumps to its end in one query, and scrolls through in flat memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, Protocol

from rich.text import Text
from textual import events
from textual._two_way_dict import TwoWayDict
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, RowKey

PAGE = 100
PREFETCH = 20  # rows left above or below the cursor when the next page is fetched
WINDOW = 1_000  # rows held at most; the farthest from the cursor are let go

# A row's values of the list's sort columns: where the next page starts (store.keyset).
Position = tuple[Any, ...]


@dataclass(frozen=True)
class Column:
    """A column: its key, its header and its width (None: whatever room the others leave);
    on a narrow screen (`fit_columns`) it narrows to `least`, then the columns of lowest
    `priority` are left out."""

    key: str
    label: str
    width: int | None = None
    least: int | None = None
    priority: int = 0


FLEX_LEAST = 12  # a flexible column's narrowest


def fit_columns(columns: Sequence[Column], width: int, cell_padding: int = 1) -> list[Column]:
    """The columns that fit a table `width` cells wide (ponder.columns decides), narrowed
    where they must be; a flexible column stays flexible."""
    from ponder.columns import Fit
    from ponder.columns import fit_columns as fit

    wanted = [
        Fit(
            c.key,
            c.width or width,
            c.least or (c.width or FLEX_LEAST),
            c.priority,
        )
        for c in columns
    ]
    kept = fit(wanted, width, gap=0, pad=2 * cell_padding)
    return [
        replace(c, width=None if c.width is None else kept[c.key]) for c in columns if c.key in kept
    ]


class Row(NamedTuple):
    """A row: its key (a run id), one Text per column, and its position in the list's order."""

    key: int
    cells: Sequence[Text]
    position: Position = ()


class Fetch(Protocol):
    """A page of the query: the `limit` rows after `anchor` (None: from the start), or with
    `backward` the `limit` rows just before it (None: the last page); always in list order."""

    def __call__(
        self, anchor: Position | None, limit: int, *, backward: bool = False
    ) -> Sequence[Row]: ...


def no_rows(anchor: Position | None, limit: int, *, backward: bool = False) -> Sequence[Row]:
    """The Fetch of an empty list."""
    return []


@dataclass(frozen=True)
class _Pending:
    fetch: Fetch
    keep: int | None
    first: Sequence[Row] | None


class PagedTable(DataTable[Any]):
    """Rows come from a `Fetch`, a page at a time as the cursor nears either end of the window.

    At most WINDOW rows are held: past it, the rows farthest from the cursor are let go and
    fetched again by key when the cursor comes back. Ctrl+End and Ctrl+Home jump to the query's
    last and first rows in one query each. Cells are `Text`, never `str`: a str cell would be
    read as markup.
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
        self.total: int | None = None  # the query's row count, when the screen knows it
        self._fetch: Fetch | None = None
        self._window: list[Row] = []  # the rows in the table, in order
        self._at_start = True  # no row of the query before the window
        self._at_end = True  # no row after it
        self._first_index: int | None = 0  # the window's first row's index in the query
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
        """How many rows are in the table now (at most WINDOW)."""
        return len(self._window)

    @property
    def exhausted(self) -> bool:
        """The window reaches the query's last row."""
        return self._at_end

    @property
    def window(self) -> tuple[int, int] | None:
        """The query's rows in the table, as (first, last) 1-based indexes; None when unknown
        (after a reload around a row far down) or the table is empty."""
        if self._first_index is None or not self._window:
            return None
        return self._first_index + 1, self._first_index + len(self._window)

    def load(
        self, fetch: Fetch, *, keep: int | None = None, first: Sequence[Row] | None = None
    ) -> None:
        """Show a new query from its first page (`first`, if already fetched off the UI thread),
        or around the row `keep` when the table holds it (a reload keeps the cursor there).
        Posts `Loaded` once the rows are in."""
        self._ensure_columns()
        pending = _Pending(fetch, keep, first)
        if self._sized:
            self._load_now(pending)
        else:
            self._pending = pending
            self._fetch = fetch  # load_more before the first size still reads this query

    def _load_now(self, pending: _Pending) -> None:
        self._fetch = pending.fetch
        position = self.position_of(pending.keep) if pending.first is None else None
        if position is not None:
            self._show_around(position, pending.keep)
        else:
            rows = list(pending.first if pending.first is not None else pending.fetch(None, PAGE))
            self._at_start, self._at_end, self._first_index = True, len(rows) < PAGE, 0
            self._show(rows, pending.keep)
        self.post_message(self.Loaded(self))

    def position_of(self, key: int | None) -> Position | None:
        """The position of a row in the window (None: not there, or no position known)."""
        for row in self._window:
            if row.key == key:
                return row.position or None
        return None

    def go_to(self, key: int, position: Position) -> None:
        """Put the cursor on a row of the query, fetching the rows around it if need be."""
        if not self.select_key(key):
            self._show_around(position, key)

    def _show_around(self, position: Position, key: int | None) -> None:
        """The window around the row at `position` (it included, if still in the query)."""
        assert self._fetch is not None
        half = PAGE // 2
        above = list(self._fetch(position, half, backward=True))
        below = list(self._fetch(above[-1].position if above else None, PAGE))
        self._at_start, self._at_end = len(above) < half, len(below) < PAGE
        self._first_index = 0 if self._at_start else None
        self._show(above + below, key)
        if key is not None and str(key) not in self.rows and self.row_count:
            # The row is gone (deleted meanwhile): the cursor where it was.
            self.move_cursor(row=min(len(above), self.row_count - 1), animate=False)

    def _show(self, rows: Sequence[Row], cursor_key: int | None) -> None:
        """Replace the table's rows; the cursor on `cursor_key` if given, else the first row."""
        self.clear()
        self._window = []
        self._append(rows)
        if cursor_key is not None and str(cursor_key) in self.rows:
            self.move_cursor(row=self.get_row_index(str(cursor_key)), animate=False)

    def _append(self, rows: Sequence[Row]) -> None:
        for row in rows:
            if str(row.key) in self.rows:  # a row inserted meanwhile shifted the pages
                continue
            self.add_row(*row.cells, key=str(row.key))
            self._window.append(row)

    def load_more(self) -> int:
        """Append the next page below the window; return how many rows came. Past WINDOW rows,
        as many are let go at the top (the cursor stays on its row, and where it was on screen)."""
        if self._fetch is None or self._at_end:
            return 0
        anchor = self._window[-1].position if self._window else None
        if self._window and not anchor:
            return 0  # rows without positions cannot be paged by key
        rows = [r for r in self._fetch(anchor, PAGE) if str(r.key) not in self.rows]
        self._at_end = len(rows) < PAGE
        self._append(rows)
        over = len(self._window) - WINDOW
        if over > 0:
            row, scroll_y = self.cursor_row, self.scroll_y
            self._let_go(over, from_top=True)
            self._at_start = False
            if self._first_index is not None:
                self._first_index += over
            self.move_cursor(row=max(0, row - over), animate=False, scroll=False)
            self.scroll_to(y=max(0, scroll_y - over), animate=False, immediate=True)
        return len(rows)

    def load_previous(self) -> int:
        """Put the page before the window above it; return how many rows came. Past WINDOW
        rows, as many are let go at the bottom."""
        if self._fetch is None or self._at_start or not self._window:
            return 0
        anchor = self._window[0].position
        if not anchor:
            return 0
        rows = [r for r in self._fetch(anchor, PAGE, backward=True) if str(r.key) not in self.rows]
        self._at_start = len(rows) < PAGE
        if self._first_index is not None:
            self._first_index = max(0, self._first_index - len(rows))
        if self._at_start:
            self._first_index = 0
        if not rows:
            return 0
        row, scroll_y = self.cursor_row, self.scroll_y
        kept = self._window[:]
        self._append(rows)  # at the bottom of the DataTable, then put above the others
        self._window = rows + kept
        self._reorder([str(r.key) for r in self._window])
        over = len(self._window) - WINDOW
        if over > 0:
            self._let_go(over, from_top=False)
            self._at_end = False
        self.move_cursor(row=row + len(rows), animate=False, scroll=False)
        # The new rows are measured at the next refresh: scroll once the table has grown.
        self.call_after_refresh(
            self.scroll_to, y=scroll_y + len(rows), animate=False, immediate=True
        )
        return len(rows)

    # DataTable re-indexes every row for each row removed, and inserts only at the bottom: these
    # two do it once for many rows (as DataTable.sort does), so a page that comes or goes costs
    # the rows it moves, not a rebuild of the window (which measured every cell again).

    def _let_go(self, count: int, *, from_top: bool) -> None:
        """Remove `count` rows at the top or the bottom of the table in one pass."""
        ordered = [row.key for row in self.ordered_rows]
        gone, kept = (
            (ordered[:count], ordered[count:])
            if from_top
            else (ordered[len(ordered) - count :], ordered[: len(ordered) - count])
        )
        for key in gone:
            for column_key in self._data[key]:
                self._updated_cells.discard(CellKey(key, column_key))
            del self.rows[key]
            del self._data[key]
        self._row_locations = TwoWayDict({key: index for index, key in enumerate(kept)})
        self._window = self._window[count:] if from_top else self._window[: len(kept)]
        self._require_update_dimensions = True
        self._update_count += 1
        self.hover_coordinate = self.hover_coordinate  # clamped to the rows left, as remove_row
        self.refresh(layout=True)

    def _reorder(self, keys: Sequence[str]) -> None:
        """Put the table's rows in this order (every row's key, once)."""
        by_value: dict[str, RowKey] = {str(k.value): k for k in self.rows}
        self._row_locations = TwoWayDict({by_value[key]: i for i, key in enumerate(keys)})
        self._update_count += 1
        self.refresh()

    def action_scroll_bottom(self) -> None:
        """Ctrl+End: the query's last row, in one query however far it is."""
        if not self._at_end and self._fetch is not None:
            rows = list(self._fetch(None, PAGE, backward=True))
            self._at_end, self._at_start = True, len(rows) < PAGE
            self._first_index = (
                0 if self._at_start else None if self.total is None else self.total - len(rows)
            )
            self._show(rows, rows[-1].key if rows else None)
        super().action_scroll_bottom()

    def action_scroll_top(self) -> None:
        """Ctrl+Home: the query's first row."""
        if not self._at_start and self._fetch is not None:
            rows = list(self._fetch(None, PAGE))
            self._at_start, self._at_end, self._first_index = True, len(rows) < PAGE, 0
            self._show(rows, None)
        super().action_scroll_top()

    @property
    def current_key(self) -> int | None:
        """The key of the row under the cursor, or None for an empty table."""
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return int(row_key.value) if row_key.value is not None else None

    @property
    def current_position(self) -> Position | None:
        """The position of the row under the cursor in the query's order."""
        return self.position_of(self.current_key)

    def keys(self) -> list[int]:
        """Keys of the rows in the window, in order."""
        return [row.key for row in self._window]

    def select_key(self, key: int) -> bool:
        """Move the cursor to the row with this key, if it is in the window."""
        if str(key) not in self.rows:
            return False
        self.move_cursor(row=self.get_row_index(str(key)), animate=False)
        return True

    def set_row(self, key: int, cells: Sequence[Text]) -> None:
        """Replace a row's cells (after a grade, say), if it is in the window."""
        if str(key) not in self.rows:
            return
        for column, cell in zip(self.table_columns, cells, strict=True):
            self.update_cell(str(key), column.key, cell)
        self._window = [
            row._replace(cells=cells) if row.key == key else row for row in self._window
        ]

    def drop_row(self, key: int) -> None:
        """Remove a row; the cursor stays at the same position."""
        if str(key) in self.rows:
            self.remove_row(str(key))
            self._window = [row for row in self._window if row.key != key]

    def window_note(self) -> str:
        """Which of the query's rows the table holds, when it does not hold them all."""
        if self.total is None or (self._at_start and self._at_end):
            return ""
        window = self.window
        if window is None:
            return f"showing {len(self._window):,} around the cursor"
        return f"rows {window[0]:,}–{window[1]:,}"

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Not stopped: the screen shows the highlighted row too. The cursor read now, not the
        # event's: a window replaced since it was posted moved the cursor.
        row = self.cursor_row
        if not self._at_end and row >= self.row_count - PREFETCH:
            self.load_more()
        elif not self._at_start and row < PREFETCH:
            self.load_previous()
