"""The repetition watch: a real small model's loops are stopped, its ordinary replies are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakellm import dcot_transcript

from reasoning.repetition import (
    LINE_REPEATS,
    NGRAM_WINDOW,
    PERIODIC_WINDOW,
    Repetition,
    periodic,
    same_text,
)

REPLIES = json.loads((Path(__file__).parent / "fixtures" / "smollm2_replies.json").read_text())


def watch(text: str, chunk: int = 5) -> tuple[str | None, int | None]:
    """Why the watch stopped `text` fed in deltas of `chunk` characters, and where."""
    r = Repetition()
    for i in range(0, len(text), chunk):
        if r.feed(text[i : i + chunk]) is not None:
            return r.reason, i + chunk
    return None, None


@pytest.mark.parametrize("chunk", [1, 5, 17])
@pytest.mark.parametrize("reply", REPLIES["loops"], ids=lambda r: r["what"])
def test_smollm2_loops_are_stopped_before_they_run_to_max_tokens(reply, chunk):
    reason, at = watch(reply["text"], chunk)
    assert reason is not None and at is not None
    assert at < len(reply["text"])  # before its end (each ran to max_tokens)


@pytest.mark.parametrize("reply", REPLIES["ordinary"], ids=lambda r: r["what"])
def test_smollm2_ordinary_replies_are_not_stopped(reply):
    assert watch(reply["text"]) == (None, None)


@pytest.mark.parametrize(
    "text",
    [
        "24*6, " * 60,  # dcot on SmolLM2 wrote 4,096 tokens of this
        "\n" * (PERIODIC_WINDOW + 20),  # endless newlines under a server's JSON grammar
        "12" * 200,
        "The answer is 144 because 12 times 12 is 144.\n" * (LINE_REPEATS + 1),
        " ".join(
            ["First we add the numbers. Then we check the sum twice and carry on."] * 30
        ),  # a loop of several sentences
    ],
    ids=["short pattern", "newlines", "digits", "same line", "loop of sentences"],
)
def test_a_loop_is_stopped(text):
    reason, _ = watch(text)
    assert reason is not None


@pytest.mark.parametrize(
    "text",
    [
        "".join(dcot_transcript("What is 12 * 12?")),
        "| a | b | c |\n|---|---|---|\n"
        + "".join(f"| {i} | {i * i} | {i**3} |\n" for i in range(40)),
        "\n".join(f"Step {i}: x_{i} = x_{i - 1} + {i} = {i * (i + 1) // 2}" for i in range(1, 80)),
        "```\n= 4\n```\n" * 8,  # short lines said again: no sentence repeated
        " ".join(f"word{i}" for i in range(NGRAM_WINDOW * 2)),
    ],
    ids=["dcot transcript", "table", "numbered derivation", "short lines", "long prose"],
)
def test_text_that_says_something_is_not_stopped(text):
    assert watch(text) == (None, None)


def test_periodic_needs_the_whole_window():
    assert not periodic("ab" * (PERIODIC_WINDOW // 2 - 1))
    assert periodic("ab" * (PERIODIC_WINDOW // 2))
    assert not periodic("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" * 10)  # period 43 > 32


def test_same_text_is_word_for_word_or_nearly():
    long = " ".join(f"word{i}" for i in range(40))
    assert same_text("a b  c", "a b c") and same_text(long, long + " extra")
    assert not same_text("more 1", "more 2") and not same_text("x", None)
    assert not same_text(long, " ".join(f"other{i}" for i in range(40)))
