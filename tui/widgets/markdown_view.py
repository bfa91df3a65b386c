"""One widget showing a Markdown document line by line, growing cheaply as text streams in.

Textual's Markdown widget makes a widget per block (a list item is four), and every layout
pass walks them all: a 20,000-token run made thousands and fell seconds behind the stream.
Here a whole step is one widget; complete blocks are parsed once (`append`), the block still
arriving is re-parsed alone (`set_tail`), and lines are wrapped per width and cached.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.selection import Selection
from textual.strip import Strip
from textual.visual import RenderOptions
from textual.widget import Widget

from tui.widgets.md_render import Block, parse_blocks


class MarkdownView(Widget):
    """Markdown rendered as text: emphasis, lists, quotes, code, tables; links are inert."""

    ALLOW_SELECT = True

    COMPONENT_CLASSES = {
        "md--code",
        "md--code-block",
        "md--bullet",
        "md--quote",
        "md--rule",
        "md--link",
        "md--h1",
        "md--h2",
        "md--h3",
        "md--table-header",
    }

    DEFAULT_CSS = """
    MarkdownView {
        height: auto;
        width: 1fr;
    }
    MarkdownView > .md--code { background: $warning 10%; color: $text-warning; }
    MarkdownView > .md--code-block { background: $surface-darken-1; }
    MarkdownView > .md--bullet { color: $text-primary; }
    MarkdownView > .md--quote { color: $text-primary 60%; }
    MarkdownView > .md--rule { color: $text-muted; }
    MarkdownView > .md--link { color: $text-accent; }
    MarkdownView > .md--h1 { color: $text-accent; }
    MarkdownView > .md--h2 { color: $text-accent; }
    MarkdownView > .md--h3 { text-style: bold; }
    MarkdownView > .md--table-header { text-style: bold; }
    """

    def __init__(
        self, markdown: str = "", *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._source: list[str] = [markdown] if markdown else []
        self._blocks: list[Block] = parse_blocks(markdown) if markdown else []
        self._tail_source = ""
        self._tail: list[Block] = []
        self._lines: list[Content] = []
        self._lines_width = -1  # the width self._lines were made for; -1: stale

    # -- content -------------------------------------------------------------------------

    @property
    def source(self) -> str:
        """The Markdown shown: complete blocks, then the tail."""
        return "".join(self._source) + self._tail_source

    def update(self, markdown: str) -> None:
        """Show this document instead (the tail is dropped)."""
        self._source = [markdown] if markdown else []
        self._blocks = parse_blocks(markdown) if markdown else []
        self._tail_source, self._tail = "", []
        self._changed()

    def append(self, markdown: str) -> None:
        """Add complete blocks (text ending in a blank line): parsed now, never again."""
        if not markdown:
            return
        self._source.append(markdown)
        self._blocks.extend(parse_blocks(markdown))
        self._changed()

    def set_tail(self, markdown: str) -> None:
        """Show the block still arriving after the complete ones (replaces the previous tail)."""
        if markdown == self._tail_source:
            return
        self._tail_source = markdown
        self._tail = parse_blocks(markdown) if markdown.strip() else []
        self._changed()

    def _changed(self) -> None:
        self._lines_width = -1
        width = self.size.width
        if self.is_mounted and width > 0 and len(self._layout(width)) == self.size.height:
            self.refresh()  # the same height: a repaint, no layout pass
        else:
            self.refresh(layout=True)

    # -- lines ---------------------------------------------------------------------------

    def _layout(self, width: int) -> list[Content]:
        if width != self._lines_width:
            lines: list[Content] = []
            blocks = [*self._blocks, *self._tail]
            for n, block in enumerate(blocks):
                lines += block.lines(width)
                if n < len(blocks) - 1:
                    lines += [Content("")] * block.gap_after
            self._lines = lines
            self._lines_width = width
        return self._lines

    @property
    def plain_lines(self) -> list[str]:
        """The lines on screen as plain text."""
        width = self.size.width or 80
        return [line.plain for line in self._layout(width)]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._layout(width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self._layout(width)
        rich_style = self.rich_style
        if y >= len(lines):
            return Strip.blank(width, rich_style)
        line = lines[y]
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            start, end = span
            end = line.cell_length if end == -1 else end
            line = line.stylize("reverse", start, end)
        options = RenderOptions(self._get_style, self.styles)  # type: ignore[arg-type]
        strips = line.render_strips(width, 1, self.visual_style, options)
        strip = strips[0] if strips else Strip.blank(width, rich_style)
        return strip.crop_extend(0, width, rich_style).apply_offsets(0, y)

    # -- selection -----------------------------------------------------------------------

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract("\n".join(self.plain_lines)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()
