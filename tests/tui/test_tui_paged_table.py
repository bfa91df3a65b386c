"""The paged table over a long query: a bounded window of rows around the cursor, pages read by
key in either direction, and a jump to either end in one query (issue 30)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tui.widgets.paged_table import PAGE, WINDOW, Column, PagedTable, Position, Row

ROWS = 5_000


class Numbers:
    """A query of ROWS rows keyed 1..ROWS, listed from ROWS down (newest first), and a log of
    the pages asked for."""

    def __init__(self, rows: int = ROWS) -> None:
        self.keys = list(range(rows, 0, -1))
        self.asked: list[tuple[Position | None, int, bool]] = []

    def __call__(
        self, anchor: Position | None, limit: int, *, backward: bool = False
    ) -> Sequence[Row]:
        self.asked.append((anchor, limit, backward))
        if anchor is None:
            keys = self.keys[-limit:] if backward else self.keys[:limit]
        elif backward:
            keys = [k for k in self.keys if k > anchor[0]][-limit:]
        else:
            keys = [k for k in self.keys if k < anchor[0]][:limit]
        return [Row(k, [Text(str(k)), Text(f"row {k}")], (k,)) for k in keys]


class TableApp(App[None]):
    def __init__(self, fetch: Numbers) -> None:
        super().__init__()
        self.fetch = fetch

    def compose(self) -> ComposeResult:
        yield PagedTable([Column("id", "#", 8), Column("text", "text", None)], id="t")

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.total = len(self.fetch.keys)
        table.load(self.fetch)
        table.focus()


@asynccontextmanager
async def opened_table() -> AsyncIterator[tuple[Pilot, PagedTable, Numbers]]:
    """The table over a fresh Numbers in a 60 x 30 app, mounted and settled once."""
    fetch = Numbers()
    app = TableApp(fetch)
    async with app.run_test(size=(60, 30)) as pilot:
        table = app.query_one(PagedTable)
        await pilot.pause()
        yield pilot, table, fetch


def held(table: PagedTable) -> list[int]:
    """The keys in the table, checked against the rows the DataTable itself holds."""
    keys = table.keys()
    assert [int(r.key.value) for r in table.ordered_rows if r.key.value] == keys
    return keys


async def test_ctrl_end_jumps_to_the_last_row_in_one_query():
    async with opened_table() as (pilot, table, fetch):
        fetch.asked.clear()
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.current_key == 1  # the oldest: the list's last row
        assert fetch.asked == [(None, PAGE, True)]
        assert held(table) == list(range(PAGE, 0, -1))
        assert table.window == (ROWS - PAGE + 1, ROWS)
        assert table.window_note() == f"rows {ROWS - PAGE + 1:,}–{ROWS:,}"
        await pilot.press("ctrl+home")
        await pilot.pause()
        assert table.current_key == ROWS and table.window == (1, PAGE)


async def test_scrolling_down_holds_a_bounded_window_and_loses_no_row():
    async with opened_table() as (pilot, table, fetch):
        visited = [table.current_key]
        for _ in range(2 * WINDOW // 25):  # pages of the screen, well past the window
            await pilot.press("pagedown")
            visited.append(table.current_key)
            assert table.loaded <= WINDOW
        assert table.current_key is not None and table.current_key < ROWS - WINDOW
        keys = held(table)
        assert keys == list(range(keys[0], keys[0] - len(keys), -1))  # contiguous, in order
        assert table.current_key in keys
        assert visited == sorted(visited, reverse=True)  # every page further down
        assert all(anchor is not None for anchor, _, _ in fetch.asked[1:])  # by key, not offset
        first, last = table.window or (0, 0)
        assert (first, last) == (ROWS - keys[0] + 1, ROWS - keys[-1] + 1)


async def test_scrolling_up_from_the_end_reads_the_pages_before_it():
    async with opened_table() as (pilot, table, fetch):
        await pilot.press("ctrl+end")
        seen = []
        for _ in range(3 * PAGE):
            await pilot.press("up")
            seen.append(table.current_key)
        assert seen == list(range(2, 3 * PAGE + 2))  # one row at a time, none skipped
        keys = held(table)
        assert keys == list(range(keys[0], keys[0] - len(keys), -1))
        assert table.loaded <= WINDOW
        # The cursor's row stays where it was on screen as pages come in above it.
        row = table.cursor_row - round(table.scroll_y)
        assert 0 <= row < table.scrollable_content_region.height


async def test_a_reload_keeps_the_cursor_on_its_row_far_down():
    async with opened_table() as (pilot, table, fetch):
        await pilot.press("ctrl+end")
        for _ in range(5):
            await pilot.press("up")
        key = table.current_key
        table.load(fetch, keep=key)
        await pilot.pause()
        assert table.current_key == key == 6
        assert key in held(table)
        table.go_to(ROWS // 2, (ROWS // 2,))  # a row far from the window
        await pilot.pause()
        assert table.current_key == ROWS // 2
        assert table.loaded <= WINDOW and table.window is None  # its index is not known
        assert table.window_note() == f"showing {table.loaded:,} around the cursor"
