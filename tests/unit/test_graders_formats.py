"""Numbers as they are written: LaTeX thousands, mixed numbers, decimal commas in context,
and a value with its power of ten in the units the question asks for."""

from __future__ import annotations

import pytest

from graders import grade

Q_UNITS = "The solubility of AB is Y × 10^{-5} mol dm^{-3}. What is the value of Y?"
Q_KILO = "The energy released is E \\times 10^{3} J. Find E."

FORMATS = [
    # (answer, reference, question, verdict)
    ("11,\\! 111,\\! 100", "11111100", None, "full"),
    ("32,\\! 349", "32349", None, "full"),
    ("\\boxed{32,\\!349}", "32349", None, "full"),
    ("32\\,349", "32349", None, "full"),
    ("1{,}000{,}000", "1000000", None, "full"),
    ("32,\\! 348", "32349", None, "zero"),
    ("1 1/2", "1.5", None, "full"),
    ("1 1/2", "\\frac{3}{2}", None, "full"),
    ("3 1/4", "13/4", None, "full"),
    ("The answer is 1 1/2 cups.", "1.5", None, "full"),
    ("2\\frac12", "2.5", None, "full"),
    ("-2\\frac{1}{4}", "-2.25", None, "full"),
    ("2 1/2", "2", None, "zero"),
    ("Donc la vitesse est 1,225 m/s.\nRéponse : 1,225", "1.225", None, "full"),
    ("Antwort: Die Dichte ist 2,5 g/cm³, also 2,5.", "2.5", None, "full"),
    ("La respuesta es 1,22 porque la masa es 1,22 kg.", "1.22", None, "full"),
    ("La réponse est 1,22 m.", "1.22", None, "full"),
    ("The answer is 1,225.", "1.225", None, "needs_human"),
    ("6.75 \\times 10^{-5}\\,\\mathrm{mol\\,dm^{-3}}", "6.75", Q_UNITS, "full"),
    ("6.75 \\times 10^{-4}", "6.75", Q_UNITS, "zero"),
    ("6.75 \\times 10^{-5}", "6.75", None, "zero"),
    ("6.75e-5", "6.75", Q_UNITS, "full"),
    ("4.2 \\times 10^{3} J", "4.2", Q_KILO, "full"),
    ("4200 J", "4.2", Q_KILO, "full"),
    ("4.2", "4.2", Q_KILO, "full"),
    ("0.0000675", "6.75 \\times 10^{-5}", None, "full"),
    ("0.00007", "6.75 \\times 10^{-5}", None, "zero"),
]


@pytest.mark.parametrize(("answer", "reference", "question", "verdict"), FORMATS)
def test_numbers_in_their_written_forms(
    answer: str, reference: str, question: str | None, verdict: str
) -> None:
    g = grade(answer=answer, reference=reference, question=question, timeout=10.0)
    assert g.verdict == verdict, g.reason
