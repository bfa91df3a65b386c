"""Complex numbers: a bare `i`, √(-1), and values that differ only in the sign of i."""

from __future__ import annotations

import pytest

from graders import grade

COMPLEX = [
    # (answer, reference, verdict)
    ("i", "i", "full"),
    ("-i", "-i", "full"),
    ("-i", "i", "zero"),
    ("\\sqrt{-1}", "i", "full"),
    ("\\sqrt{-4}", "2i", "full"),
    ("\\sqrt{-1}", "-i", "zero"),
    ("The answer is $i$.", "i", "full"),
    ("\\boxed{i}", "i", "full"),
    ("i^2", "-1", "full"),
    ("e^{i\\pi}", "-1", "full"),
    ("3 + 4i", "3+4i", "full"),
    ("3 - 4i", "3+4i", "zero"),
    ("\\frac{1}{i}", "-i", "full"),
    ("(1+i)^2", "2i", "full"),
    ("i\\sqrt{2}", "\\sqrt{-2}", "full"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), COMPLEX)
def test_complex_values(answer: str, reference: str, verdict: str) -> None:
    g = grade(answer=answer, reference=reference, timeout=10.0)
    assert g.verdict == verdict, g.reason
