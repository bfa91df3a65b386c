"""What the screens that list runs in a PagedTable share (History, Grade): the app's database,
the table, a reload when shown again, j/k, and the run under the cursor opened or its id copied.
Each screen keeps its own BINDINGS (their order is the Footer's) and its own query (`reload`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.screen import Screen

from tui.screens.fast_mount import mark_styles_current
from tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    import sqlite_utils

    from tui.app import PonderApp


class RunTableScreen(Screen[None]):
    """A mode screen whose runs are the rows of the PagedTable `#{TABLE_ID}`."""

    TABLE_ID: ClassVar[str]

    def __init__(self, id: str) -> None:
        super().__init__(id=id)
        mark_styles_current(self)
        self._left = False  # suspended since last shown

    @property
    def ponder(self) -> PonderApp:
        return self.app  # type: ignore[return-value]

    @property
    def db(self) -> sqlite_utils.Database | None:
        return self.ponder.db

    @property
    def table(self) -> PagedTable:
        return self.query_one(f"#{self.TABLE_ID}", PagedTable)

    def reload(self, keep: int | None = None) -> None:
        """Query the runs again, the cursor kept on the run `keep` if it is still listed."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.reload()

    def on_screen_suspend(self) -> None:
        self._left = True

    def on_screen_resume(self) -> None:
        # Back from another screen (a run finished in Solve, graded, a bench): show what changed.
        if self._left:
            self._left = False
            self.reload(keep=self.table.current_key)

    def action_move(self, step: int) -> None:
        if step > 0:
            self.table.action_cursor_down()
        else:
            self.table.action_cursor_up()

    async def action_open(self) -> None:
        from tui.screens.history import open_in_solve

        run_id = self.table.current_key
        if run_id is not None:
            await open_in_solve(self.ponder, run_id)

    def action_copy_id(self) -> None:
        """The id of the run under the cursor to the clipboard (for `ponder show ID`, a report…)."""
        run_id = self.table.current_key
        if run_id is not None:
            self.app.copy_to_clipboard(str(run_id))
            self.notify(f"Copied run id {run_id} to the clipboard.", timeout=3)
