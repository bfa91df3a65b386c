"""The final-answer cue rules of SPEC §5: a cue counts only with a value after it, the latest
strong cue with a value wins, and the same cues count in other languages."""

from __future__ import annotations

import pytest

from graders import grade
from graders.extract import final_answer, has_value

CUES = [
    # (response, the final answer it gives)
    ("17 + 25 = 42.\nFinal answer: 42\n\nI hope this final answer is clear.", "42"),
    ("Final answer: 42\n\nThe final answer is clear from the table above.", "42"),
    ("\\boxed{7}\n\nI hope the answer is clear.", "7"),
    ("Answer: 12\n\nAnswer: let me know if anything is unclear.", "12"),
    ("The answer is 9. I hope the answer is obvious now.", "9"),
    ("The answer is therefore 42.", "therefore 42"),
    ("the answer is 42", "42"),
    ("\\boxed{42}", "42"),
    ("Final answer: 42", "42"),
    ("**Final answer:** $x = 3$", "x = 3"),
    ("The final answer is that the series diverges.\n\nAnswer: 5", "5"),
    ("Answer: 3\n\nWait, that is wrong.\nAnswer: 4", "4"),
    ("\\boxed{3}\nOn reflection the final answer is 4.", "4"),
    ("Final answer: 5\nI believe this final answer is correct.", "5"),
    ("Answer: i", "i"),
    ("The answer is i.", "i"),
    ("Answer: a", "a"),
    ("Answer: I think it is 42.\n\nSo we get 42.", "So we get 42"),
    ("The answer is a positive number: 42", "The answer is a positive number: 42"),
    ("Answer: (B)", "(B)"),
    ("The answer is B and D.", "B and D"),
    (
        "The correct option is (C) because the charge is conserved.",
        "(C) because the charge is conserved",
    ),
    # French, German, Spanish, Portuguese, Italian, Chinese, Russian
    ("Calculons : 6 × 7 = 42.\nRéponse : 42", "42"),
    ("Réponse finale : $\\frac{1}{2}$", "\\frac{1}{2}"),
    (
        "La réponse est 12 (car 3 × 4 = 12, vérifié pour n = 5).",
        "12 (car 3 × 4 = 12, vérifié pour n = 5)",
    ),
    ("On a 2x = 10.\nDonc x = 5.", "x = 5"),
    ("Donc on vérifie le résultat.\nDonc, x = 5.", "x = 5"),
    ("Antwort: 42", "42"),
    ("Die Antwort ist $\\frac{3}{4}$.", "\\frac{3}{4}"),
    ("Endgültige Antwort: 17", "17"),
    ("Respuesta: 42", "42"),
    ("La respuesta es 8.", "8"),
    ("Respuesta final: x = 2", "x = 2"),
    ("Resposta: 15", "15"),
    ("La risposta è 6.", "6"),
    ("答案：42", "42"),
    ("答案是 $\\sqrt{2}$。", "\\sqrt{2}"),
    ("所以 x = 3", "x = 3"),
    ("最终答案：7", "7"),
    ("Ответ: 42", "42"),
    ("Следовательно, x = 4.\nОтвет: 4", "4"),
    ("Итак, n = 6.", "n = 6"),
    # the answer after the cue wins over a later cue-less number
    ("Réponse : 42\n\nVérification : 6 × 7 = 42, et 2 + 2 = 4.", "42"),
    ("Ответ: 7\n\nПроверка: 3 + 4 = 7, 1 + 1 = 2.", "7"),
    # no answer at all
    ("", None),
    ("Let me compute. First 12 * 3 = 36, then we add", None),
    ("I hope this final answer is clear.", "I hope this final answer is clear"),
]


@pytest.mark.parametrize(("response", "expected"), CUES)
def test_final_answer_follows_the_cue_rules(response: str, expected: str | None) -> None:
    assert final_answer(response) == expected


NOT_VALUES = [
    "clear.",
    "clear from the table",
    "that we need more data",
    "let me check",
    "below",
    "as follows:",
    "I think it is 42",
    "a positive number",
    "not obvious",
    "",
    "   ",
    "claire",
]
VALUES = [
    "42",
    "x = 3",
    "(B)",
    "B and D",
    "i",
    "a",
    "Paris",
    "therefore 42",
    "\\frac12",
    "-1",
    "yes",
]


@pytest.mark.parametrize("text", NOT_VALUES)
def test_prose_after_a_cue_is_no_value(text: str) -> None:
    assert not has_value(text)


@pytest.mark.parametrize("text", VALUES)
def test_an_answer_after_a_cue_is_a_value(text: str) -> None:
    assert has_value(text)


GRADED = [
    # (response, reference, verdict)
    ("17 + 25 = 42.\nFinal answer: 42\n\nI hope this final answer is clear.", "42", "full"),
    ("17 + 25 = 42.\nFinal answer: 42\n\nI hope this final answer is clear.", "43", "zero"),
    ("Réponse : 42\n\nVérification : 6 × 7 = 42, et 2 + 2 = 4.", "4", "zero"),
    ("Réponse : 42\n\nVérification : 6 × 7 = 42, et 2 + 2 = 4.", "42", "full"),
    ("Die Antwort ist $\\frac{3}{4}$.", "0.75", "full"),
    ("答案：(B)", "B", "full"),
    ("Ответ: $x^2 + 1$", "x^2+1", "full"),
    ("La respuesta es 8.", "8", "full"),
    ("On a 2x = 10.\nDonc x = 5.", "5", "full"),
]


@pytest.mark.parametrize(("response", "reference", "verdict"), GRADED)
def test_grades_read_the_answer_after_the_cue(response: str, reference: str, verdict: str) -> None:
    g = grade(answer=response, reference=reference)
    assert g.verdict == verdict, g.reason
