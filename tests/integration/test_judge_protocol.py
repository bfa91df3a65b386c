"""The judge's request and the tolerant reading of its reply (reasoning/judge.py)."""

from __future__ import annotations

import pytest

from reasoning.judge import (
    MAX_SOLUTION_CHARS,
    JudgeCase,
    build_judge_request,
    max_points_for,
    parse_judge_reply,
    solution_text,
)
from reasoning.prompts import Prompts


@pytest.mark.parametrize(
    ("reply", "max_points", "points"),
    [
        ("<feedback>Complete and rigorous.</feedback>\n<points>10</points>", 10, 10),
        ("<feedback>Gap in step 3.</feedback><points>7</points>", 10, 7),
        ("<feedback>Gap.</feedback><points> 6.5 </points>", 10, 6.5),
        ("<feedback>Gap.</feedback><points>7/10</points>", 10, 7),
        ("<feedback>Gap.</feedback><points>7/10</points>", 7, 4.9),  # another scale, rescaled
        ("<feedback>Gap.</feedback><points>7", 10, 7),  # missing closing tag
        ("<feedback>Gap in the induction.\n<points>4</points>", 10, 4),  # feedback unclosed
        ("<feedback>Nothing proved.</feedback><points>0</points>", 7, 0),
        ("The proof is fine.\nScore: 7", 10, 7),
        ("The proof is fine.\n**Points:** 9/10", 10, 9),
        ("Decent attempt; I would give it 6 out of 10.", 10, 6),
        ("<feedback>Fine, 3 cases out of 4 handled.</feedback>\n7/10", 10, 7),
        ("<feedback>Fine.</feedback>\n5", 10, 5),
        ("<FEEDBACK>ok</FEEDBACK><Points>3</Points>", 7, 3),
    ],
)
def test_reply_points_are_read_tolerantly(reply, max_points, points):
    r = parse_judge_reply(reply, max_points)
    assert r.points == pytest.approx(points)
    assert r.why is None
    assert r.score == pytest.approx(points / max_points)


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "I cannot grade this.",
        "<feedback>The proof uses 1/2 of the cases.</feedback>",  # a fraction, not out of the max
        "<feedback>Good.</feedback><points>eleven</points>",
        "<feedback>Good.</feedback><points>12</points>",  # over the maximum
        "<feedback>Good.</feedback><points>-1</points>",
        "Score: 15",
    ],
)
def test_unreadable_replies_have_no_points_and_say_why(reply):
    r = parse_judge_reply(reply, 10)
    assert r.points is None and r.score is None
    assert r.why and "points" in r.why


def test_feedback_is_the_tag_content_without_the_points():
    r = parse_judge_reply(
        "<feedback>\nStep 2 divides by zero.\n</feedback>\n<points>3</points>", 10
    )
    assert r.feedback == "Step 2 divides by zero."
    untagged = parse_judge_reply("Mostly right but sloppy.\nScore: 8", 10)
    assert untagged.feedback == "Mostly right but sloppy.\nScore: 8"


def test_the_last_labelled_mark_wins():
    r = parse_judge_reply("Score: 3 for the first part. Revised final score: 5", 10)
    assert r.points == 5


def test_max_points_is_the_problems_else_ten():
    assert max_points_for(7) == 7.0
    assert max_points_for(None) == 10.0
    assert max_points_for(0) == 10.0


CASE = JudgeCase(
    problem="Prove that n^5 - n is divisible by 30.",
    reference="Factor and use Fermat's little theorem mod 2, 3, 5.",
    answer="Hence 30 | n^5 - n.",
    steps=(
        ("thinking", None, "Plan: factor."),
        ("step", "Factor", "n^5 - n = n(n-1)(n+1)(n^2+1)"),
        ("reflection", None, "Good so far."),
        ("step", "Mod 5", "Check residues {0,1,2,3,4}."),
        ("answer", None, "Hence 30 | n^5 - n."),
    ),
    max_points=7,
)


def test_request_holds_problem_reference_rubric_steps_and_answer():
    req = build_judge_request(CASE, Prompts())
    user = req.messages[0].content
    assert req.messages[0].role == "user" and len(req.messages) == 1
    assert CASE.problem in user and CASE.reference in user
    assert "[Step 1: Factor]\nn^5 - n = n(n-1)(n+1)(n^2+1)" in user
    assert "[Step 2: Mod 5]\nCheck residues {0,1,2,3,4}." in user  # braces survive
    assert "[Reflection]\nGood so far." in user
    assert "Hence 30 | n^5 - n." in user
    assert "Putnam" in user and "out of 7" in user  # the bundled rubric, at the problem's max
    assert "<feedback>" in req.system and "<points>" in req.system and "0 to 7" in req.system
    assert req.temperature is None


def test_request_says_when_there_is_no_reference_or_answer():
    case = JudgeCase(problem="Prove it.", reference=None, answer=None, steps=())
    user = build_judge_request(case, Prompts()).messages[0].content
    assert "(none given" in user and "no separate final answer" in user
    assert "(no steps were recorded)" in user and "out of 10" in user


def test_a_rubric_given_replaces_the_bundled_one():
    req = build_judge_request(CASE, Prompts(), rubric="Give {max_points} for any proof by {cases}.")
    user = req.messages[0].content
    assert "Give 7 for any proof by {cases}." in user and "Putnam" not in user


def test_prompt_folder_overrides_the_judge_prompts(tmp_path):
    (tmp_path / "judge_system.txt").write_text("Mark harshly out of {max_points}.")
    req = build_judge_request(CASE, Prompts(tmp_path))
    assert req.system == "Mark harshly out of 7."
    assert CASE.problem in req.messages[0].content  # judge_user.txt still the bundled one


def test_a_very_long_transcript_keeps_its_start_and_end():
    steps = [("step", None, f"line {i} " + "x" * 1000) for i in range(200)]
    text = solution_text(steps)
    assert len(text) < MAX_SOLUTION_CHARS + 200
    assert "line 0 " in text and "line 199 " in text and "left out" in text


@pytest.mark.parametrize(
    ("reference", "solution", "shown"),
    [
        (None, None, "(none given: judge the argument on its own)"),
        ("2", None, "2"),
        ("2", "  ", "2"),
        ("2", "2", "2"),  # a set whose solution is only its answer: said once
        (None, "By parity.", "Worked solution:\nBy parity."),
        ("2", "So $\\boxed{2}$.", "Answer: 2\n\nWorked solution:\nSo $\\boxed{2}$."),
    ],
)
def test_the_reference_section_holds_the_answer_and_the_worked_solution(reference, solution, shown):
    from reasoning.judge import reference_text

    assert reference_text(reference, solution) == shown
    case = JudgeCase(problem="P", reference=reference, answer="a", solution=solution)
    user = build_judge_request(case, Prompts()).messages[0].content
    assert f"# Reference\n\n{shown}\n\n# Marking scheme" in user


def test_a_very_long_worked_solution_is_cut_with_a_note():
    from reasoning.judge import MAX_REFERENCE_SOLUTION_CHARS, reference_text

    text = reference_text("1", "x" * (MAX_REFERENCE_SOLUTION_CHARS + 500))
    assert text.endswith("[… 500 more characters left out …]")
    assert text.count("x") == MAX_REFERENCE_SOLUTION_CHARS
