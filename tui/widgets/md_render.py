"""Markdown to wrapped lines of Content: parsed once into blocks, each block wrapped per width.

Model text is only ever text here: no markup is parsed, links carry no actions, HTML is text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from textual.content import Content, Span

# Styles: plain style strings, or ".name" component classes of the MarkdownView widget.
CODE = ".md--code"
CODE_BLOCK = ".md--code-block"
BULLET = ".md--bullet"
QUOTE = ".md--quote"
RULE = ".md--rule"
LINK = ".md--link"
HEADING = {1: ".md--h1", 2: ".md--h2", 3: ".md--h3"}
TABLE_HEADER = ".md--table-header"
BULLETS = ("• ", "◦ ", "▪ ")


def _hard_breaks(state: StateCore) -> None:
    """Models mean a newline as a line break; CommonMark would join the lines."""
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "softbreak":
                child.type = "hardbreak"


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    # html off: a "<tag>" in model text is text to show, not markup to drop.
    md = MarkdownIt("gfm-like", {"html": False, "linkify": False})
    md.core.ruler.push("ponder_hard_breaks", _hard_breaks)
    return md


@dataclass
class Block:
    """Some lines of a document; `render(width)` wraps them, and is cached per width."""

    render_fn: Callable[[int], list[Content]]
    gap_after: int = 1  # blank lines after this block
    _cache: dict[int, list[Content]] = field(default_factory=dict)

    def lines(self, width: int) -> list[Content]:
        width = max(width, 4)
        cached = self._cache.get(width)
        if cached is None:
            if len(self._cache) > 4:  # widths change on resize only: keep a few
                self._cache.clear()
            cached = self._cache[width] = self.render_fn(width)
        return cached


def parse_blocks(markdown: str) -> list[Block]:
    """The top-level blocks of a Markdown text."""
    tokens = parser().parse(markdown)
    blocks, _ = _blocks(tokens, 0, None)
    return blocks


# ---- inline ----------------------------------------------------------------------------------


def inline_content(token: Token) -> Content:
    """An inline token's children as Content: emphasis, code and links styled, nothing live."""
    text: list[str] = []
    spans: list[Span] = []
    stack: list[tuple[str, int]] = []
    pos = 0

    def add(s: str, style: str | None = None) -> None:
        nonlocal pos
        if style:
            spans.append(Span(pos, pos + len(s), style))
        text.append(s)
        pos += len(s)

    for child in token.children or ():
        kind = child.type
        if kind == "text":
            add(child.content)
        elif kind in ("softbreak", "hardbreak"):
            add("\n")
        elif kind == "code_inline":
            add(child.content, CODE)
        elif kind in ("strong_open", "em_open", "s_open", "link_open"):
            stack.append((kind, pos))
        elif kind in ("strong_close", "em_close", "s_close", "link_close"):
            if stack:
                opened, start = stack.pop()
                style = {
                    "strong_open": "bold",
                    "em_open": "italic",
                    "s_open": "strike",
                    "link_open": f"underline {LINK}",
                }[opened]
                for part in style.split():
                    spans.append(Span(start, pos, part))
        elif kind == "image":
            add(f"[image: {child.content or child.attrs.get('alt', '')}]", "italic")
        elif child.content:
            add(child.content)
    return Content("".join(text), spans=spans)


# ---- blocks ----------------------------------------------------------------------------------


def _paragraph(content: Content, style: str | None = None) -> Callable[[int], list[Content]]:
    if style:
        content = content.stylize(style)

    def render(width: int) -> list[Content]:
        return content.wrap(width) or [Content("")]

    return render


def _code(code: str, language: str) -> Callable[[int], list[Content]]:
    highlighted: Content | None = None
    if language:
        try:
            from textual.highlight import highlight

            highlighted = highlight(code, language=language)
        except Exception:  # an unknown or odd language name: plain code
            highlighted = None
    content = highlighted if highlighted is not None else Content(code)
    raw_lines = content.split("\n") if code else [Content("")]

    def render(width: int) -> list[Content]:
        out: list[Content] = []
        inner = max(width - 2, 2)
        for line in raw_lines:
            line = line.expand_tabs(4)
            for part in line.fold(inner) if line.cell_length > inner else [line]:
                padded = Content.assemble(" ", part).extend_right(width - part.cell_length - 1)
                out.append(padded.stylize_before(CODE_BLOCK))
        return out

    return render


def _rule(width: int) -> list[Content]:
    return [Content.styled("─" * width, RULE)]


def _prefixed(block: Block, first: Content, rest: Content) -> Block:
    """The block's lines with a prefix on the first line and another on the others."""

    def render(width: int) -> list[Content]:
        inner = block.lines(max(width - first.cell_length, 4))
        return [(first if i == 0 else rest) + line for i, line in enumerate(inner)]

    return Block(render, block.gap_after)


def _stack(blocks: Sequence[Block], gap_after: int) -> Block:
    """Several blocks as one (a list item, a quote), keeping their gaps."""

    def render(width: int) -> list[Content]:
        out: list[Content] = []
        for i, b in enumerate(blocks):
            out += b.lines(width)
            if i < len(blocks) - 1:
                out += [Content("")] * b.gap_after
        return out

    return Block(render, gap_after)


def _table(header: list[Content], rows: list[list[Content]]) -> Callable[[int], list[Content]]:
    columns = max([len(header), *(len(r) for r in rows)]) if header or rows else 0

    def render(width: int) -> list[Content]:
        if not columns:
            return []
        every = [header, *rows]
        natural = [
            max((r[c].cell_length for r in every if c < len(r)), default=0) for c in range(columns)
        ]
        room = max(width - 3 * (columns - 1), columns)
        widths = natural[:]
        while sum(widths) > room:  # shrink the widest column until it fits
            i = widths.index(max(widths))
            if widths[i] <= 3:
                break
            widths[i] -= 1
        sep = Content.styled(" │ ", RULE)
        out: list[Content] = []
        for n, row in enumerate(every):
            cells = [
                (row[c] if c < len(row) else Content("")).wrap(max(widths[c], 1)) or [Content("")]
                for c in range(columns)
            ]
            height = max(len(cell) for cell in cells)
            for y in range(height):
                parts = []
                for c, cell in enumerate(cells):
                    piece = cell[y] if y < len(cell) else Content("")
                    if n == 0:
                        piece = piece.stylize(TABLE_HEADER)
                    parts.append(piece.extend_right(widths[c] - piece.cell_length))
                out.append(sep.join(parts))
            if n == 0:
                out.append(Content.styled("─┼─".join("─" * w for w in widths), RULE))
        return out

    return render


def _blocks(tokens: list[Token], i: int, close: str | None) -> tuple[list[Block], int]:
    """Blocks from tokens[i:] up to the closing token type `close` (or the end)."""
    out: list[Block] = []
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        kind = tok.type
        if close is not None and kind == close:
            return out, i + 1
        if kind == "paragraph_open":
            inline = tokens[i + 1]
            # A paragraph in a tight list item sits close to what follows it.
            out.append(Block(_paragraph(inline_content(inline)), 0 if tok.hidden else 1))
            i += 3
        elif kind == "heading_open":
            level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 3
            style = HEADING.get(level, "bold")
            content = inline_content(tokens[i + 1])
            if level <= 2:
                content = content.stylize("bold")
            out.append(Block(_paragraph(content, style)))
            i += 3
        elif kind in ("fence", "code_block"):
            language = (tok.info or "").strip().split(" ")[0] if kind == "fence" else ""
            out.append(Block(_code(tok.content.rstrip("\n"), language)))
            i += 1
        elif kind == "hr":
            out.append(Block(_rule))
            i += 1
        elif kind == "blockquote_open":
            inner, i = _blocks(tokens, i + 1, "blockquote_close")
            bar = Content.styled("▌ ", QUOTE)
            out.append(_prefixed(_stack(inner, 1), bar, bar))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            block, i = _list(tokens, i)
            out.append(block)
        elif kind == "table_open":
            block, i = _table_block(tokens, i)
            out.append(block)
        else:
            i += 1  # closing tokens of an outer level, html (off), anything unknown
    return out, i


def _list(tokens: list[Token], i: int) -> tuple[Block, int]:
    open_tok = tokens[i]
    ordered = open_tok.type == "ordered_list_open"
    close = "ordered_list_close" if ordered else "bullet_list_close"
    depth = open_tok.level // 2
    start = int(open_tok.attrs.get("start", 1) or 1) if ordered else 1
    items: list[list[Block]] = []
    i += 1
    while i < len(tokens) and tokens[i].type != close:
        if tokens[i].type == "list_item_open":
            inner, i = _blocks(tokens, i + 1, "list_item_close")
            items.append(inner)
        else:
            i += 1
    markers = [
        f"{start + k}. " if ordered else BULLETS[depth % len(BULLETS)] for k in range(len(items))
    ]
    width = max((len(m) for m in markers), default=2)
    rendered: list[Block] = []
    for marker, inner in zip(markers, items, strict=True):
        body = _stack(inner or [Block(lambda w: [Content("")])], 0)
        first = Content.styled(marker.rjust(width), BULLET)
        rendered.append(_prefixed(body, first, Content(" " * width)))
    loose = any(b.gap_after for item in items for b in item[:1])
    return _stack([Block(b.render_fn, 1 if loose else 0) for b in rendered], 1), i + 1


def _table_block(tokens: list[Token], i: int) -> tuple[Block, int]:
    header: list[Content] = []
    rows: list[list[Content]] = []
    row: list[Content] = []
    in_head = False
    i += 1
    while i < len(tokens) and tokens[i].type != "table_close":
        kind = tokens[i].type
        if kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            if in_head:
                header = row
            else:
                rows.append(row)
        elif kind == "inline":
            row.append(inline_content(tokens[i]))
        i += 1
    return Block(_table(header, rows)), i + 1


def iter_lines(blocks: Sequence[Block], width: int) -> Iterator[Content]:
    """Every line of a document at a width, gaps included, without a trailing gap."""
    for n, block in enumerate(blocks):
        yield from block.lines(width)
        if n < len(blocks) - 1:
            for _ in range(block.gap_after):
                yield Content("")
