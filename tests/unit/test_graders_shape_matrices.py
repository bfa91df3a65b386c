"""Matrices and vectors: pmatrix, bmatrix, array; fractions and decimals inside; element-wise."""

from __future__ import annotations

import pytest
from grader_helpers import check_verdict

P = r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"
CASES = [
    (P, P, "full"),
    (r"\begin{bmatrix}1&2\\3&4\end{bmatrix}", P, "full"),
    (r"\left(\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}\right)", P, "full"),
    (r"\begin{vmatrix} 1 & 2 \\ 3 & 4 \end{vmatrix}", P, "full"),
    (r"\boxed{\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}}", P, "full"),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 5 \end{pmatrix}", P, "zero"),
    (r"\begin{pmatrix} 2 & 1 \\ 3 & 4 \end{pmatrix}", P, "zero"),
    (r"\begin{pmatrix} 1 & 3 \\ 2 & 4 \end{pmatrix}", P, "zero"),
    (r"\begin{pmatrix} 1 & 2 & 0 \\ 3 & 4 & 0 \end{pmatrix}", P, "zero"),
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r"\begin{pmatrix}1\\2\end{pmatrix}", "full"),
    (
        r"\begin{pmatrix} 1/2 \\ 0.5 \end{pmatrix}",
        r"\begin{pmatrix}\frac12 \\ \frac{1}{2}\end{pmatrix}",
        "full",
    ),
    (
        r"\begin{pmatrix} 0.333 \\ 2 \end{pmatrix}",
        r"\begin{pmatrix}\frac13 \\ 2\end{pmatrix}",
        "full",
    ),
    (
        r"\begin{pmatrix} 0.3 \\ 2 \end{pmatrix}",
        r"\begin{pmatrix}\frac13 \\ 2\end{pmatrix}",
        "zero",
    ),
    (r"\begin{pmatrix} 1 & 2 \end{pmatrix}", r"\begin{pmatrix}1\\2\end{pmatrix}", "zero"),
    (
        r"\begin{pmatrix} x & 0 \\ 0 & x \end{pmatrix}",
        r"\begin{pmatrix} x & 0 \\ 0 & x \end{pmatrix}",
        "full",
    ),
    (r"\begin{pmatrix} 2x & 0 \end{pmatrix}", r"\begin{pmatrix} x+x & 0 \end{pmatrix}", "full"),
    (r"\begin{pmatrix} 2x & 0 \end{pmatrix}", r"\begin{pmatrix} x^2 & 0 \end{pmatrix}", "zero"),
    ("(1, 2)", r"\begin{pmatrix}1\\2\end{pmatrix}", "full"),
    (r"\begin{pmatrix}1\\2\end{pmatrix}", "(1, 2)", "full"),
    ("(2, 1)", r"\begin{pmatrix}1\\2\end{pmatrix}", "zero"),
    (
        r"\begin{bmatrix} \frac{1}{2} & -1 \\ 0 & 3 \end{bmatrix}",
        r"\begin{pmatrix} 0.5 & -1 \\ 0 & 3 \end{pmatrix}",
        "full",
    ),
    (
        r"\begin{bmatrix} \dfrac{1}{2} & -1 \\ 0 & 3 \end{bmatrix}",
        r"\begin{pmatrix} 0.5 & 1 \\ 0 & 3 \end{pmatrix}",
        "zero",
    ),
    (
        r"\begin{pmatrix} \sqrt{4} & 0 \\ 0 & 2^2 \end{pmatrix}",
        r"\begin{pmatrix} 2 & 0 \\ 0 & 4 \end{pmatrix}",
        "full",
    ),
    (
        r"\begin{pmatrix} -1 & 0 \\ 0 & -1 \end{pmatrix}",
        r"\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}",
        "zero",
    ),
    (r"The matrix is $\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}$.", P, "full"),
    ("5", P, "zero"),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \\[2pt] \end{pmatrix}", P, "full"),
    (
        r"\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}",
        r"\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}",
        "full",
    ),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), CASES)
def test_matrices_are_compared_entry_by_entry(answer: str, reference: str, verdict: str) -> None:
    check_verdict(answer, reference, verdict)
