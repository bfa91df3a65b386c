"""Reading g1's JSON steps: fences, trailing commas, missing keys, broken JSON, streaming content."""

from __future__ import annotations

import pytest

from reasoning.g1json import (
    AnswerStreamer,
    ContentStreamer,
    answer_text,
    loads_partial,
    parse_g1_step,
    readable,
)


@pytest.mark.parametrize(
    ("raw", "title", "content", "action", "conf", "ok"),
    [
        (
            '{"title": "Plan", "content": "c", "next_action": "continue", "confidence": 0.8}',
            "Plan",
            "c",
            "continue",
            0.8,
            True,
        ),
        (
            '```json\n{"title": "T", "content": "c", "next_action": "final_answer"}\n```',
            "T",
            "c",
            "final_answer",
            None,
            True,
        ),
        (
            '{"title": "T", "content": "c", "next_action": "continue",}',
            "T",
            "c",
            "continue",
            None,
            True,
        ),
        ('{"content": "only content"}', None, "only content", "continue", None, True),
        (
            'Here is my step: {"title": "T", "content": "c", "next_action": "Final Answer"} hope it helps',
            "T",
            "c",
            "final_answer",
            None,
            True,
        ),
        (
            '{"title": "T", "content": "line1\nline2", "next_action": "reflect", "confidence": "90%"}',
            "T",
            "line1\nline2",
            "reflect",
            0.9,
            True,
        ),
        ('{"title": "T", "content": "unterminated', "T", "unterminated", "continue", None, True),
        (
            '{"title": "T", "content": "a \\"quoted\\" word", "next_action": "continue", "confidence": 0.7',
            "T",
            'a "quoted" word',
            "continue",
            0.7,
            True,
        ),
        ("I think the answer is 4.", None, "I think the answer is 4.", "continue", None, False),
        ("", None, "", "continue", None, False),
        (
            '{"title": "T", "content": {"a": 1}, "next_action": "continue"}',
            "T",
            "a: 1",
            "continue",
            None,
            True,
        ),
        (
            '[{"title": "T", "content": "c", "next_action": "final"}]',
            "T",
            "c",
            "final_answer",
            None,
            True,
        ),
    ],
)
def test_step_forms(raw, title, content, action, conf, ok):
    step = parse_g1_step(raw)
    assert (step.title, step.content, step.next_action, step.confidence, step.ok) == (
        title,
        content,
        action,
        conf,
        ok,
    )


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 100])
def test_content_streams_decoded_whatever_the_split(chunk):
    raw = (
        '{"title": "Check", "content": "a\\nb \\u00e9 \\"q\\" \\\\ end", "next_action": "continue"}'
    )
    s = ContentStreamer()
    got = "".join(s.feed(raw[i : i + chunk]) for i in range(0, len(raw), chunk))
    assert got == 'a\nb é "q" \\ end'


def test_content_given_as_a_list_streams_raw_and_reads_as_text():
    raw = '{"title": "T", "content": [{"step": 1, "result": "x"}, "and more"], "next_action": "x"}'
    s = ContentStreamer()
    shown = "".join(s.feed(raw[i : i + 3]) for i in range(0, len(raw), 3))
    assert shown.startswith('[{"step": 1')  # progress while it streams
    assert parse_g1_step(raw).content == "- step: 1\n  result: x\n- and more"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ('{"title": "Final", "content": "x = \\"4\\""}', 'x = "4"'),
        ('```json\n{"answer": "7"}\n```', "7"),
        ("Plain text, {not json}.", "Plain text, {not json}."),
        ("  \n  Final answer: 3", "  \n  Final answer: 3"),
    ],
)
def test_answer_streamer_shows_what_answer_text_takes(raw, shown):
    s = AnswerStreamer()
    assert "".join(s.feed(raw[i : i + 2]) for i in range(0, len(raw), 2)) == shown


@pytest.mark.parametrize(
    ("raw", "obj"),
    [
        ('{"a": [1, 2', {"a": [1, 2]}),
        ('{"a": "cut mid', {"a": "cut mid"}),
        ('{"a": 1, "b"', {"a": 1}),
        ('{"a": 1, "b": 0.', {"a": 1}),
        ('{"a": {"b": "c\\', {"a": {"b": "c"}}),
        ("{1, 2}", None),
        ("not json", None),
    ],
)
def test_loads_partial_reads_json_cut_anywhere(raw, obj):
    assert loads_partial(raw) == obj


def test_answer_text_keeps_sets_and_intervals():
    assert answer_text("[2, 5]") == ("[2, 5]", False)
    assert answer_text("{1, 2, 3}") == ("{1, 2, 3}", False)
    assert answer_text('{"content": "144"}') == ("144", True)
    assert readable({"k": [1, True, None, 2.5]}) == "k:\n  - 1\n  - yes\n  - 2.5"


def test_an_answer_object_without_an_answer_field_says_what_it_holds():
    assert answer_text('{"title": "It is 12", "next_action": "final_answer"}') == ("It is 12", True)
    assert answer_text('{"a": "x", "b": 2, "confidence": 0.9}') == ("a: x\nb: 2", True)
