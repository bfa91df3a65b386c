"""The dcot tag parser: tolerant of messy transcripts, identical however the text is split."""

from __future__ import annotations

import random

import pytest

from reasoning.parse import Closed, Opened, Outside, TagParser, Text, Value, parse_reward


def parse_all(text: str, chunk: int | None = 7) -> list:
    p = TagParser()
    events = []
    if chunk is None:
        events += p.feed(text)
    else:
        for i in range(0, len(text), chunk):
            events += p.feed(text[i : i + chunk])
    events += p.flush()
    return events


def structure(events: list) -> list:
    """Events without the Text/Outside pieces, whose split depends on the chunking."""
    return [e for e in events if not isinstance(e, Text | Outside)]


CLEAN = (
    "<thinking>Let x be the number.</thinking>\n"
    "<step>Write 2x + 3 = 11.</step>\n<count>19</count>\n"
    "<step>So x = 4.</step>\n<count>18</count>\n"
    "<reflection>Substituting back gives 11.</reflection>\n<reward>0.9</reward>\n"
    "<answer>x = 4</answer>\n"
    "<reflection>Direct and checked.</reflection>\n<reward>0.95</reward>\n"
)


def test_clean_transcript_yields_blocks_and_values_in_order():
    got = structure(parse_all(CLEAN))
    assert got == [
        Opened("thinking"),
        Closed("thinking", "Let x be the number.", True),
        Opened("step"),
        Closed("step", "Write 2x + 3 = 11.", True),
        Value("count", "19", 19.0),
        Opened("step"),
        Closed("step", "So x = 4.", True),
        Value("count", "18", 18.0),
        Opened("reflection"),
        Closed("reflection", "Substituting back gives 11.", True),
        Value("reward", "0.9", 0.9),
        Opened("answer"),
        Closed("answer", "x = 4", True),
        Opened("reflection"),
        Closed("reflection", "Direct and checked.", True),
        Value("reward", "0.95", 0.95),
    ]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 13, 64, None])
def test_result_does_not_depend_on_how_the_stream_is_split(chunk):
    assert structure(parse_all(CLEAN, chunk)) == structure(parse_all(CLEAN, None))


def test_random_splits_give_the_same_text():
    rng = random.Random(7)
    whole = "".join(e.text for e in parse_all(CLEAN, None) if isinstance(e, Text))
    for _ in range(50):
        p, events, i = TagParser(), [], 0
        while i < len(CLEAN):
            n = rng.randint(1, 12)
            events += p.feed(CLEAN[i : i + n])
            i += n
        events += p.flush()
        assert "".join(e.text for e in events if isinstance(e, Text)) == whole


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a new <step> before the last one closed
        (
            "<step>one<step>two</step>",
            [
                Opened("step"),
                Closed("step", "one", False),
                Opened("step"),
                Closed("step", "two", True),
            ],
        ),
        # unclosed at the end of the text
        ("<answer>42", [Opened("answer"), Closed("answer", "42", False)]),
        # mismatched closer still closes
        ("<step>a</reflection>", [Opened("step"), Closed("step", "a", False)]),
        # stray closer outside is ignored
        ("</step><step>a</step>", [Opened("step"), Closed("step", "a", True)]),
        # tags in other cases and with spaces
        ("<STEP>a</ Step >", [Opened("step"), Closed("step", "a", True)]),
        # unclosed count swallowed by the next tag
        (
            "<step>a</step><count>17<reflection>r</reflection>",
            [
                Opened("step"),
                Closed("step", "a", True),
                Value("count", "17", 17.0),
                Opened("reflection"),
                Closed("reflection", "r", True),
            ],
        ),
        # comparison signs in math are text, not tags
        (
            "<step>if x < 5 and y<z then x<step</step>",
            [Opened("step"), Closed("step", "if x < 5 and y<z then x<step", True)],
        ),
        # unknown tags are text
        ("<step>see <b>bold</b></step>", [Opened("step"), Closed("step", "see <b>bold</b>", True)]),
    ],
)
def test_messy_forms(text, expected):
    assert structure(parse_all(text, 3)) == expected


def test_text_outside_tags_is_kept():
    events = parse_all("Sure! Here is my plan.\n<step>a</step>", 4)
    assert "".join(e.text for e in events if isinstance(e, Outside)).startswith(
        "Sure! Here is my plan."
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0.8", 0.8),
        ("  0.85 ", 0.85),
        ("Score: 0.85", 0.85),
        ("0.9/1.0", 0.9),
        ("8/10", 0.8),
        ("8 out of 10", 0.8),
        ("85%", 0.85),
        ("7", 0.7),
        ("1", 1.0),
        ("1.0", 1.0),
        ("0", 0.0),
        (".6", 0.6),
        ("reward = 0.3 (backtrack)", 0.3),
        ("**0.7**", 0.7),
        ("high", None),
        ("", None),
        ("-0.5", None),
        ("3/0", None),
        ("150", None),
    ],
)
def test_reward_forms(raw, value):
    assert parse_reward(raw) == value
