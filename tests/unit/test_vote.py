"""--select vote: answers the grader finds equivalent are one vote; ties go by final reward."""

from __future__ import annotations

import pytest

from workbench.attempts import choose, normalise_for_vote


@pytest.mark.parametrize(
    ("candidates", "selected"),
    [
        # Two attempts answering 32 in different words beat one answering '.'.
        ([("32", 0.5), ("The answer is 32.", 0.4), (".", 0.9)], 0),
        ([(".", 0.9), ("Final answer: 32", 0.4), ("x = 32", 0.6)], 2),
        # A tie between values goes to the higher reward.
        ([("7", 0.2), ("8", 0.9)], 1),
        ([("0.5", 0.3), ("1/2", 0.2), ("50%", 0.1), ("0.6", 0.9)], 0),
        ([("B", 0.1), ("(b)", 0.2), ("C", 0.9)], 1),
        # No answer with a value: the highest reward, not no selection.
        ([(".", 0.3), ("", 0.8)], 1),
        ([None, (None, 0.5)], None),
    ],
)
def test_vote_pools_equivalent_answers_and_breaks_ties_by_reward(candidates, selected):
    assert choose(candidates, "vote")[0] == selected


def test_a_phrase_without_a_value_does_not_vote():
    assert normalise_for_vote(".") is None
    prose = "17 + 25 = 42.\nFinal answer: 42\n\nI hope this final answer is clear."
    assert normalise_for_vote(prose) == normalise_for_vote("42")
