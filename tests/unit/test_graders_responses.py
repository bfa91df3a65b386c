"""Whole model responses, prose and LaTeX as models write them, graded end to end.

Written for issue 24 (not taken from any grader's test suite): each response is a plausible
reply to a JEE-, olympiad- or textbook-style question, right or wrong, with the verdict a
careful examiner gives. Wrong answers must never get full credit.
"""

from __future__ import annotations

import pytest

from graders import grade

MULTI_Q = "Which of the following statement(s) is(are) correct?\n(A) p (B) q (C) r (D) s"
SINGLE_Q = "Which one of the following is correct?\n(A) 2 (B) 4 (C) 6 (D) 8"

RESPONSES = [
    # (response, reference, question, verdict)
    (
        "We have $v^2 = u^2 + 2as$, so $v^2 = 0 + 2(9.8)(5) = 98$ and $v = \\sqrt{98} \\approx"
        " 9.90$ m/s.\n\n**Final Answer:** $9.90$ m/s",
        "9.9",
        None,
        "full",
    ),
    (
        "The moles of gas are $n = PV/RT = (2)(10)/(0.0821 \\times 300) = 0.812$.\n"
        "Therefore, the answer is $\\boxed{0.81}$.",
        "0.81",
        None,
        "full",
    ),
    (
        "The moles of gas are $n = PV/RT = 0.812$, hence about $\\boxed{0.85}$ mol.",
        "0.81",
        None,
        "zero",
    ),
    (
        "Let the roots be $\\alpha$ and $\\beta$. Then $\\alpha + \\beta = 5$ and"
        " $\\alpha\\beta = 6$, so the roots are $2$ and $3$.\n\nThe answer is $x = 2$ or $x = 3$.",
        "x^2 - 5x + 6 = 0",
        None,
        "full",
    ),
    (
        "Solving $x^2 = 9$ gives $x = 3$.\n\nFinal answer: $x = 3$",
        "x^2 = 9",
        None,
        "zero",
    ),
    (
        "Squaring both sides, $x^2 < 4$, i.e. $\\boxed{-2 < x < 2}$.",
        "(-2, 2)",
        None,
        "full",
    ),
    (
        "The inequality holds when $b$ exceeds $a$, that is, $\\boxed{b > a}$.",
        "a < b",
        None,
        "full",
    ),
    (
        "The domain is the union $(1, 2] \\cup [2, 3)$, which is simply $\\boxed{(1, 3)}$.",
        "(1,2] \\cup [2,3)",
        None,
        "full",
    ),
    (
        "Intersecting the two conditions, $x \\in [1, 3] \\cap [2, 4] = [2, 3]$.\nAnswer: $[2, 3]$",
        "[2,3]",
        None,
        "full",
    ),
    (
        "Combining both conditions gives $x \\in [1, 4]$.\n\nAnswer: $[1, 4]$",
        "[1,3] \\cap [2,4]",
        None,
        "zero",
    ),
    (
        "Using $i^2 = -1$, we get $z = \\frac{(1+i)^2}{2} = \\frac{2i}{2} = i$.\n\n"
        "The answer is $\\boxed{i}$.",
        "i",
        None,
        "full",
    ),
    (
        "Since $\\sqrt{-1} = i$, the value is $\\boxed{\\sqrt{-1}}$.",
        "i",
        None,
        "full",
    ),
    (
        "By the conjugate, $\\bar z = 3 - 4i$, so the answer is $\\boxed{3 + 4i}$.",
        "3 - 4i",
        None,
        "zero",
    ),
    (
        "Counting digits carefully, the total is $11,\\! 111,\\! 100$.\n\n"
        "**Answer:** $11,\\! 111,\\! 100$",
        "11111100",
        None,
        "full",
    ),
    (
        "The number of arrangements is $\\boxed{32,\\!349}$.",
        "32349",
        None,
        "full",
    ),
    (
        "Each batch takes one and a half cups, so she needs $1 \\frac{1}{2}$ cups.\n"
        "Final answer: 1 1/2",
        "1.5",
        None,
        "full",
    ),
    (
        "Adding the pieces, the answer is $2\\frac{1}{2}$.",
        "\\frac{5}{2}",
        None,
        "full",
    ),
    (
        "Donc la concentration vaut 1,22 mol/L.\nRéponse : 1,22",
        "1.22",
        None,
        "full",
    ),
    (
        "Die Konzentration ist 1,225 mol/L, daher ist das Ergebnis klar.\nAntwort: 1,225",
        "1.225",
        None,
        "full",
    ),
    (
        "The solubility product gives $s = 6.75 \\times 10^{-5}\\,\\mathrm{mol\\,dm^{-3}}$.\n\n"
        "Final answer: $6.75 \\times 10^{-5}\\,\\mathrm{mol\\,dm^{-3}}$",
        "6.75",
        "The solubility of AB is Y × 10^{-5} mol dm^{-3}. What is the value of Y?",
        "full",
    ),
    (
        "The solubility product gives $s = 6.75 \\times 10^{-4}\\,\\mathrm{mol\\,dm^{-3}}$.",
        "6.75",
        "The solubility of AB is Y × 10^{-5} mol dm^{-3}. What is the value of Y?",
        "zero",
    ),
    (
        "Simplifying, $(\\cos x)^2 + (\\sin x)^2$ is the expression we need, and that is the"
        " answer: $(\\cos x)^2 + (\\sin x)^2$",
        "1",
        None,
        "full",
    ),
    (
        "Hence the required value is $\\boxed{x + 1}$.",
        "1",
        None,
        "zero",
    ),
    (
        "Using $\\sin(90^\\circ - x) = \\cos x$, the expression becomes $\\boxed{\\cos x}$.",
        "\\sin(90^\\circ - x)",
        None,
        "full",
    ),
    (
        "We evaluate $\\sin 30^\\circ = \\frac{1}{2}$, so the answer is $\\boxed{\\sin 30^\\circ}$.",
        "0.5",
        None,
        "full",
    ),
    (
        "The number of committees is $\\binom{6}{3} = 20$.\n\nAnswer: $\\binom{6}{3}$",
        "20",
        None,
        "full",
    ),
    (
        "Arrange the 5 books: $5! = 120$ ways, then the pairs: $2 \\cdot 3!$.\n\n"
        "So the answer is $2 \\cdot 3!$.",
        "12",
        None,
        "full",
    ),
    (
        "By the reflection formula, $\\Gamma(\\tfrac12) = \\sqrt{\\pi}$; the answer is"
        " $\\boxed{\\Gamma(\\frac{1}{2})}$.",
        "\\sqrt{\\pi}",
        None,
        "full",
    ),
    (
        "**(a)** The speed at the top is $v = \\sqrt{gR}$, numerically $\\boxed{7}$ m/s.\n\n"
        "**(b)** The normal force at the bottom is $\\boxed{42}$ N.",
        "7, 42",
        None,
        "full",
    ),
    (
        "(a) The first root is $\\boxed{2}$.\n(b) The second root is $\\boxed{5}$.",
        "2, 3",
        None,
        "zero",
    ),
    (
        "The solutions are $p=5, q=2$ and $p=7, q=2$; written out: $p=5,q=2; p=7,q=2$.",
        "(5,2),(7,2)",
        None,
        "full",
    ),
    (
        "The only primes are $p = 5, q = 2$; so the answer is $p=5,q=2; p=7,q=3$.",
        "(5,2),(7,2)",
        None,
        "zero",
    ),
    (
        "The length of the chord is therefore $\\boxed{1}$.",
        "|AB| = 1",
        None,
        "full",
    ),
    (
        "Checking each option: (A) fails the boundary condition and (B) violates energy"
        " conservation, so the answer is D, since it cannot be A or B.",
        "D",
        SINGLE_Q,
        "full",
    ),
    (
        "Options (A) and (C) are clearly false here. Final answer: (B)",
        "B",
        SINGLE_Q,
        "full",
    ),
    (
        "Mirror image analysis gives the chiral centre as S.\n\nThe correct option is (D) Alina.",
        "(D) Alina",
        "Who sat in the middle?\n(A) Boris (B) Chen (C) Dana (D) Alina",
        "full",
    ),
    (
        "Seating the four friends by the clues, the middle seat goes to Alina.",
        "(D) Alina",
        None,
        "full",
    ),
    (
        "From the table, the value of x is 42, which matches option C.\n\nAnswer: C",
        "C. x = 42",
        None,
        "full",
    ),
    (
        "From the table, the value of x is 40.\n\nAnswer: B",
        "C. x = 42",
        None,
        "zero",
    ),
    (
        "Statements (A) and (D) hold, while (B) fails for $n = 2$.\n\nAnswer: (A), (D)",
        "A,D",
        MULTI_Q,
        "full",
    ),
    (
        "Statements (A) and (D) hold, while (B) fails for $n = 2$.\n\nAnswer: (A)",
        "A,D",
        MULTI_Q,
        "partial",
    ),
    (
        "17 + 25 = 42.\nFinal answer: 42\n\nI hope this final answer is clear.",
        "42",
        None,
        "full",
    ),
    (
        "Calculons : la somme vaut 6 × 7.\nRéponse : 42\n\nVérification : 40 + 2 = 42.",
        "42",
        None,
        "full",
    ),
    (
        "Gesamtkosten: 3 × 12 = 36 Euro.\nDie Antwort ist 36.",
        "36",
        None,
        "full",
    ),
    (
        "El área es base por altura: 6 × 4 = 24.\nRespuesta: 24",
        "24",
        None,
        "full",
    ),
    (
        "面积为 $6 \\times 4 = 24$。\n答案：24",
        "24",
        None,
        "full",
    ),
    (
        "Площадь равна 6 × 4 = 24.\nОтвет: 24",
        "24",
        None,
        "full",
    ),
    (
        "Площадь равна 6 × 4 = 24.\nОтвет: 26",
        "24",
        None,
        "zero",
    ),
    (
        "Solving the quadratic gives $t = \\frac{3}{2}$, which is not an integer.\n"
        "There must be an error in our calculations, since the answer should be 2.",
        "2",
        None,
        "needs_human",
    ),
    (
        "From the energy balance, $t = 0.5 + \\frac{5x}{4} - 1$.",
        "0.5",
        None,
        "zero",
    ),
    (
        "Substituting back, $\\sqrt{x^2}$ is the simplified form.\n\nAnswer: $\\sqrt{x^2}$",
        "x",
        None,
        "needs_human",
    ),
    (
        "Differentiating 100 times gives $(x-a)^{99}$ up to a constant.\n\n"
        "Final answer: $(x-a)^{99}$",
        "(x-a)^{100}",
        None,
        "zero",
    ),
    (
        "Since both sides are symmetric, $|x| = |y|$.\n\nAnswer: $|x| = |y|$",
        "x = y",
        None,
        "needs_human",
    ),
    (
        "The line through the two points is $Y = 1 + X$.",
        "y = 1 + x",
        None,
        "zero",
    ),
    (
        "The roots in increasing order are $2, 1, 3$.",
        "1, 2, 3",
        "List the roots in increasing order.",
        "zero",
    ),
    (
        "The roots in increasing order are $1, 2, 3$.",
        "1, 2, 3",
        "List the roots in increasing order.",
        "full",
    ),
    (
        "Factoring, $ab = 0$ means $a = 0$ or $b = 0$.\n\nAnswer: $a = 0$ or $b = 0$",
        "ab = 0",
        None,
        "full",
    ),
    (
        "Taking square roots of $x^2 = 4$: the solutions are $x = \\pm 2$.",
        "x^2 = 4",
        None,
        "full",
    ),
    (
        "We need $\\sqrt{x} < 2$, so the solution set is $\\boxed{[0, 4)}$.",
        "\\sqrt{x} < 2",
        None,
        "full",
    ),
    (
        "The probability is $\\frac{3}{8}$, i.e. $0.375$.\n\nHence, the answer is $0.375$.",
        "3/8",
        None,
        "full",
    ),
    (
        "The work done is $W = 2.5 \\times 10^{3}$ J.\n\nAnswer: 2500 J",
        "2500",
        None,
        "full",
    ),
    (
        "Let me double-check the arithmetic: 12 × 12 = 144, then subtract 4.\n\n"
        "Final Answer: $\\boxed{140}$",
        "140",
        None,
        "full",
    ),
]


@pytest.mark.parametrize(("response", "reference", "question", "verdict"), RESPONSES)
def test_a_whole_response_gets_the_examiners_verdict(
    response: str, reference: str, question: str | None, verdict: str
) -> None:
    g = grade(answer=response, reference=reference, question=question, timeout=10.0)
    assert g.verdict == verdict, f"{g.verdict}: {g.reason} (extracted {g.extracted!r})"


def test_there_are_at_least_fifty_responses() -> None:
    assert len(RESPONSES) >= 50
