"""Reading g1's JSON steps: fences, trailing commas, missing keys, broken JSON, streaming content."""

from __future__ import annotations

import pytest

from reasoning.g1json import ContentStreamer, parse_g1_step


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
            '{"a": 1}',
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
