"""Ponder's own problem sets: well formed, and every reference recomputed independently."""

from __future__ import annotations

import importlib
import itertools
import json
import math
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"
KINDS = {"choice_single", "choice_multi", "integer", "numeric", "expression", "proof", "text"}


def load(name: str) -> dict[str, dict]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return {d["key"]: d for d in map(json.loads, lines)}


MIXED = load("ponder-mixed.jsonl")
PROOFS = load("ponder-proofs.jsonl")


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.jsonl")))
def test_every_line_is_well_formed(name):
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    keys = set()
    for line in lines:
        d = json.loads(line)
        assert set(d) <= {"key", "text", "reference", "kind", "subject", "source", "max_points"}
        assert (
            d["key"] not in keys and d["text"].strip() and d["subject"] and d["source"] == "ponder"
        )
        assert d["kind"] in KINDS
        assert (d["reference"] is None) == (d["kind"] == "proof")
        if d["kind"].startswith("choice"):
            letters = {c for c in d["reference"] if c.isalpha()}
            assert all(f"({c})" in d["text"] for c in letters)
        keys.add(d["key"])


def test_every_grading_kind_is_covered_and_there_are_at_least_40():
    kinds = {d["kind"] for d in (*MIXED.values(), *PROOFS.values())}
    assert kinds >= KINDS - {"text"}
    assert len(MIXED) + len(PROOFS) >= 40
    refs = [d["reference"] for d in MIXED.values()]
    assert any("\\cup" in r for r in refs) and any(r.startswith("\\{") for r in refs)  # sets
    assert any("." in r and r.replace(".", "").isdigit() for r in refs)  # decimals
    assert any(" " in r and r.split()[0].replace(".", "").isdigit() for r in refs)  # units


# The grader's 5 s budget is for a model's answer in a real run; here a slow, loaded machine must
# not turn a right reference into "timed out": what is checked is the verdict, so the budget is wide.
TIMEOUT = 120.0


def _multi(*truths: bool) -> str:
    return ",".join(letter for letter, t in zip("ABCD", truths, strict=True) if t)


def _single(options: list[float], value: float) -> str:
    [letter] = [
        letter
        for letter, o in zip("ABCD", options, strict=True)
        if math.isclose(o, value, rel_tol=1e-2)
    ]
    return letter


def _expected() -> dict[str, str]:
    """Each reference worked out again here, from the problem's own numbers."""
    import sympy as sp

    x, n, k = sp.symbols("x n k")
    roots = [r for r in sp.solve(x**4 - 5 * x**2 + 4, x) if r.is_real]
    ionisation = {"Na": 495.8, "Mg": 737.7, "Al": 577.5, "Si": 786.5}  # kJ/mol (NIST)
    fmax = (x * sp.exp(-x)).subs(x, sp.solve(sp.diff(x * sp.exp(-x), x), x)[0])
    m = sp.Matrix([[2, 1], [1, 2]])
    a = [sp.Rational((-1) ** j, j) for j in range(1, 6)]
    two_dice = sum(1 for i, j in itertools.product(range(1, 7), repeat=2) if i + j in (7, 11)) / 36
    ineq = sp.solve_univariate_inequality
    from sympy.calculus.util import continuous_domain

    return {
        "1": "ABCD"[len(roots) - 1],
        "2": _single([10, 20, 40, 80], 20**2 / (2 * 10)),
        "3": "ABCD"[list(ionisation).index(max(ionisation, key=ionisation.__getitem__))],
        "4": _single([1, 1 / math.e, math.e, math.e**-2], float(fmax)),
        "5": _single([40, 60, 80, 160], int(sp.expand((1 + 2 * x) ** 5).coeff(x, 3))),
        "6": _single([1.33, 2, 4, 6], 12 / (6 * 3 / (6 + 3))),
        "7": _multi(*(sp.isprime(v) for v in (91, 97, 221, 223))),
        "8": _multi(m.det() == 3, set(m.eigenvals()) == {1, 3}, m.det() != 0, m.trace() == 5),
        # isothermal ideal gas: dU = 0, so Q = W; T constant; PV constant, so P falls as V grows
        "9": _multi(True, True, False, True),
        # 6 pi electrons in a planar ring: benzene, pyridine, C5H5-; C8H8 is a non-planar tub
        "10": _multi(True, False, True, True),
        "11": _multi(True, False, True, True),  # |x|: continuous, corner at 0, minimum at 0
        # |a_n| = 1/n -> 0; alternating series test; harmonic series diverges; a_1 < a_2 > a_3
        "12": _multi(abs(a[-1]) == sp.Rational(1, 5), True, False, not a[0] < a[1] > a[2]),
        "13": str(sp.divisor_count(360)),
        "14": str(pow(7, 2025, 100)),
        "15": str(len(set(itertools.permutations("LETTER")))),
        "16": str(sum(i for i in range(1, 101) if i % 3 == 0 or i % 5 == 0)),
        "17": str(sum(100 // 5**i for i in range(1, 4))),
        "18": "5",  # Fe3+ is [Ar] 3d5: five d orbitals, one electron each (Hund)
        "19": f"{0.5 * 3 * (2 * 3 / 3) ** 2:g}",
        "20": f"{math.sqrt(2 * 9.8 * math.sin(math.radians(30)) * 2.5):.2f} m/s",
        "21": f"{-math.log10(0.020):.2f}",
        "22": f"{two_dice:.2f}",
        "23": f"{0.5 * 4.7e-6 * 100**2 * 1000:g}",
        "24": f"{0.250 * 0.20 * 58.44:.2f} g",
        "25": f"{float(sp.integrate(x**2 * sp.exp(x), (x, 0, 1))):.2f}",
        "26": f"{2 * math.pi * math.sqrt(1.00 / 9.80):.2f}",
        "27": f"{1.2 * 0.8:.2f}",
        "28": sp.diff(x**2 * sp.sin(x), x),
        "29": sp.factor(sp.summation(k * (k + 1), (k, 1, n))),
        "30": sp.solve(sp.Eq((2 * sp.Symbol("y") + 1) / (sp.Symbol("y") - 3), x), sp.Symbol("y"))[
            0
        ],
        "31": sp.sqrt((3 - 1) ** 2 + (5 - 2) ** 2),
        "33": sp.summation(1 / k**2, (k, 1, sp.oo)),
        "34": ineq(x**2 - 5 * x + 6 <= 0, x, relational=False),
        "35": continuous_domain(sp.sqrt(x - 1) + 1 / (x - 4), x, sp.S.Reals),
        "36": sp.FiniteSet(*sp.solve(x**3 - x, x)),
        "37": ineq(sp.Abs(2 * x - 3) > 5, x, relational=False),
        "38": (lambda s: (s[x], s[n]))(sp.solve([x + n - 5, x - n - 1], [x, n])),  # n plays y
    }


# The expression references, transcribed by hand into plain math (trusted text; sympify reads ^).
PLAIN = {
    "28": "2*x*sin(x) + x^2*cos(x)",
    "29": "n*(n + 1)*(n + 2)/3",
    "30": "(3*x + 1)/(x - 2)",
    "31": "sqrt(13)",
    "32": "sqrt(2*G*M/R)",
    "33": "pi^2/6",
}


def _interval_set(ref: str):
    import sympy as sp

    parts = []
    for piece in ref.replace("\\infty", "oo").split("\\cup"):
        piece = piece.strip()
        lo, hi = (sp.sympify(v) for v in piece[1:-1].split(","))
        parts.append(sp.Interval(lo, hi, left_open=piece[0] == "(", right_open=piece[-1] == ")"))
    return sp.Union(*parts)


def test_every_mixed_reference_matches_an_independent_computation():
    import sympy as sp

    expected = _expected()
    for key, d in MIXED.items():
        ref = d["reference"]
        if key == "32":  # escape speed: (1/2) v^2 = GM/R
            G, M, R, v = sp.symbols("G M R v", positive=True)
            [want] = sp.solve(sp.Eq(v**2 / 2, G * M / R), v)
            plain = sp.sympify(PLAIN[key], locals={"G": G, "M": M, "R": R})
            assert sp.simplify(plain - want) == 0
            continue
        want = expected[key]
        if key in ("34", "35", "37"):
            assert _interval_set(ref) == want, key
        elif key == "36":
            assert sp.FiniteSet(*map(int, ref.strip("\\{}").replace("\\", "").split(","))) == want
        elif key == "38":
            assert tuple(int(v) for v in ref.strip("()").split(",")) == want
        elif isinstance(want, sp.Basic):
            assert sp.simplify(sp.sympify(PLAIN[key]) - want) == 0, key
        else:
            assert ref == want, (key, ref, want)
    assert set(expected) | {"32"} == set(MIXED)


def _graders_ready() -> bool:
    try:
        return hasattr(importlib.import_module("graders"), "grade")
    except ImportError:
        return False


@pytest.mark.skipif(not _graders_ready(), reason="graders.grade not built yet")
def test_each_reference_given_as_the_answer_is_graded_full():
    """A reference the grader cannot read would make every run of that problem needs_human."""
    from graders import grade

    for d in MIXED.values():
        g = grade(
            answer=d["reference"],
            reference=d["reference"],
            kind=d["kind"],
            question=d["text"],
            timeout=TIMEOUT,
        )
        assert g.verdict == "full", (d["key"], d["reference"], g.reason)
    for key, plain in PLAIN.items():  # the LaTeX says what the transcription says
        g = grade(
            answer=plain, reference=MIXED[key]["reference"], kind="expression", timeout=TIMEOUT
        )
        assert g.verdict == "full", (key, plain, g.reason)
    for d in PROOFS.values():
        g = grade(
            answer="Proof. ...",
            reference=d["reference"],
            kind=d["kind"],
            question=d["text"],
            timeout=TIMEOUT,
        )
        assert g.verdict == "needs_human"


@pytest.mark.skipif(not _graders_ready(), reason="graders.grade not built yet")
@pytest.mark.parametrize(
    ("key", "answer", "verdict"),
    [
        ("1", "The answer is (D).", "full"),
        ("7", "<answer>B, D</answer>", "full"),
        ("7", "B", "partial"),
        ("16", "Final answer: 2,418", "full"),
        ("20", "4.9497 m/s", "full"),
        ("20", "5.0", "zero"),
        ("24", "2.922 grams", "full"),
        ("27", "96%", "full"),
        ("28", "2x\\sin x + x^2\\cos x", "full"),
        ("29", "\\frac{n^3+3n^2+2n}{3}", "full"),
        ("34", "(2, 3)", "zero"),
        ("36", "x = -1, 0, 1", "full"),
        ("38", "x = 3, y = 2", "full"),
    ],
)
def test_answers_a_model_would_write_grade_as_expected(key, answer, verdict):
    from graders import grade

    d = MIXED[key]
    g = grade(
        answer=answer, reference=d["reference"], kind=d["kind"], question=d["text"], timeout=TIMEOUT
    )
    assert g.verdict == verdict, g.reason
