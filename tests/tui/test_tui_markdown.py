"""The Markdown renderer of the Solve screen: blocks to wrapped lines, model text kept inert."""

from __future__ import annotations

import pytest

from tui.widgets.block_split import complete_blocks_end
from tui.widgets.md_render import iter_lines, parse_blocks


def lines(markdown: str, width: int = 40) -> list[str]:
    return [line.plain.rstrip() for line in iter_lines(parse_blocks(markdown), width)]


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("**bold** and *it*", ["bold and it"]),
        ("one\ntwo", ["one", "two"]),  # a newline is a line break
        ("para\n\nnext", ["para", "", "next"]),
        ("- a\n- b", ["• a", "• b"]),
        ("1. a\n2. b", ["1. a", "2. b"]),
        ("- a\n  - b", ["• a", "  ◦ b"]),
        ("> quoted", ["▌ quoted"]),
        ("```\nx = 1\n```", [" x = 1"]),
        ("<b>tag</b> <answer>", ["<b>tag</b> <answer>"]),  # HTML is text
        ("[label](https://example.com)", ["label"]),
        ("[label](file:///etc/passwd)", ["[label](file:///etc/passwd)"]),  # not even a link
        ("| a | b |\n|---|---|\n| 1 | 22 |", ["a │ b", "──┼───", "1 │ 22"]),
    ],
)
def test_markdown_renders_as_text(markdown: str, expected: list[str]) -> None:
    assert lines(markdown) == expected


def test_long_list_items_wrap_under_their_text() -> None:
    out = lines("- " + "word " * 12, width=20)
    assert out[0].startswith("• word")
    assert all(line.startswith("  ") for line in out[1:])
    assert all(len(line) <= 20 for line in out)


def test_links_and_markup_carry_no_actions() -> None:
    for line in iter_lines(parse_blocks("[x](https://a.b) [@click=app.quit]y[/]"), 60):
        assert "@click" not in line.plain or "[@click=app.quit]y[/]" in line.plain
        for span in line.spans:
            assert "@click" not in str(span.style)


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("partial", 0),
        ("done\n\nnext", len("done\n\n")),
        ("```\ncode\n\nmore\n", 0),  # blank lines inside a fence do not end a block
        ("```\ncode\n\n```\n\nafter", len("```\ncode\n\n```\n\n")),
        ("a\n\nb\n\nc", len("a\n\nb\n\n")),
    ],
)
def test_complete_blocks_end_at_a_blank_line_outside_code(text: str, cut: int) -> None:
    assert complete_blocks_end(text) == cut
