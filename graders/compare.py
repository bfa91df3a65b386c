"""Equivalence of two math trees with sympy; runs only inside the worker process (worker.py).

Order of checks, cheapest first: sympy's own canonical form, then numeric sampling at random
points, then `simplify(a - b) == 0`. The points are drawn where forms differ: positive and
negative, fractional and large, and complex (`\\sqrt{x^2}` is not `x`, `(x-a)^{99}` is not
`(x-a)^{100}`); values are compared relatively to their size, and a point where both sides
underflow or overflow counts for nothing. Trees come from mathparse.py and are turned into sympy
objects with constructors only: nothing is ever eval'd.
"""

from __future__ import annotations

import random
import zlib
from typing import Any

import sympy
from sympy import Abs, E, I, Integer, Rational, Symbol, factorial, nan, oo, pi, root, zoo

from graders import structure
from graders.mathparse import Node
from graders.mathtree import ABS_TOLERANCE, canon, has_decimal
from graders.numeric import close_enough, fmt

Outcome = tuple[bool | None, str]  # equal / different / cannot tell, and why
SAMPLES = 8
NEEDED = 3

_FUNCS: dict[str, Any] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "cot": sympy.cot,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "exp": sympy.exp,
}
_CONSTS: dict[str, Any] = {"pi": pi, "E": E, "I": I, "oo": oo}


def build(node: Node) -> Any:
    """A sympy object for a scalar tree, built with constructors (no parsing, no eval)."""
    op = node.op
    if op == "num":
        return (
            Rational(node.value)
            if "." in node.value or "e" in node.value.lower()
            else Integer(node.value)
        )
    if op == "sym":
        return Symbol(node.value)
    if op == "const":
        return _CONSTS[node.value]
    args = [build(a) for a in node.args]
    if op == "add":
        return sympy.Add(*args)
    if op == "neg":
        return -args[0]
    if op == "mul":
        return sympy.Mul(*args)
    if op == "pow":
        return sympy.Pow(args[0], args[1])
    if op == "root":
        return sympy.sqrt(args[0]) if args[1] == 2 else root(args[0], args[1])
    if op == "abs":
        return Abs(args[0])
    if op == "fact":
        return factorial(args[0])
    if op == "func":
        if node.value == "log":
            return sympy.log(*args)
        if node.value == "binom":
            return sympy.binomial(*args)
        if node.value == "gamma":
            return sympy.gamma(args[0])
        return _FUNCS[node.value](args[0])
    raise ValueError(f"not a scalar: {op}")


def _complex(v: Any) -> complex | None:
    if v is None or v.has(nan, zoo, oo, -oo):
        return None
    try:
        c = complex(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return c if c == c and abs(c) != float("inf") else None


# Both sides below this at a point: not evidence. sympy evaluates a form that cancels to zero
# (`\sin^2 x + \cos^2 x - 1`) as about 1e-160; true values this small underflow any check.
TINY = 1e-100


def _close(g: complex, a: complex, inexact: bool, tolerance: float | None) -> bool | None:
    """Whether two values at a point agree: None when the point tells nothing (both tiny).

    Exact forms must agree to 12 significant digits; a decimal approximation to the tolerance
    (0.01), absolute up to 1 and relative above it, where a rounded coefficient scales up.
    """
    size = max(abs(g), abs(a))
    if inexact:
        tol = ABS_TOLERANCE if tolerance is None else abs(tolerance)
        if size < tol:
            return None if size < TINY or tolerance is None else True
        return abs(g - a) <= tol * max(1.0, abs(g)) + 1e-12
    if size < TINY:
        return None
    return abs(g - a) <= 1e-12 * size


def _show(c: complex) -> str:
    if abs(c.imag) < 1e-12 * max(1.0, abs(c.real)):
        return fmt(float(f"{c.real:.6g}"))
    return f"{c.real:.6g}{c.imag:+.6g}i"


def _sympy_number(c: complex) -> Any:
    if c.imag == 0:
        return sympy.Float(c.real, 30)
    return sympy.Float(c.real, 30) + I * sympy.Float(c.imag, 30)


def points(syms: list[Any], seed: int, rounds: int = 1) -> list[tuple[str, dict[Any, Any]]]:
    """Sample points by the domain they test: positive, negative, large and complex values.

    Positive values in [0.3, 2.7] first (where every textbook form is defined), then each
    symbol negative, then large values, then complex ones.
    """
    rng = random.Random(seed)
    out: list[tuple[str, dict[Any, Any]]] = []

    def draw(kind: str) -> complex:
        if kind == "positive":
            return complex(rng.uniform(0.3, 2.7))
        if kind == "negative":
            return complex(rng.uniform(-2.7, -0.3))
        if kind == "mixed":
            return complex(rng.choice((-1, 1)) * rng.uniform(0.3, 2.7))
        if kind == "large":
            return complex(rng.choice((-1, 1)) * rng.uniform(6.0, 40.0))
        return complex(rng.uniform(-1.6, 1.6), rng.choice((-1, 1)) * rng.uniform(0.3, 1.6))

    for kind, count in (("positive", 5), ("negative", 2), ("mixed", 2), ("large", 2)):
        for _ in range(count * rounds):
            out.append((kind, {s: _sympy_number(draw(kind)) for s in syms}))
    for _ in range(2):
        out.append(("complex", {s: _sympy_number(draw("complex")) for s in syms}))
    return out


_BRANCHY = (Abs, sympy.log, sympy.asin, sympy.acos, sympy.atan, sympy.factorial, sympy.gamma)


def _branchy(expr: Any) -> bool:
    """True when an expression has a branch (abs, logs, roots, non-integer powers): its complex
    values say nothing about whether two real forms agree."""
    if expr.has(*_BRANCHY):
        return True
    return any(not p.exp.is_integer for p in expr.atoms(sympy.Pow))


def _real(c: complex) -> bool:
    return abs(c.imag) <= 1e-12 * max(1.0, abs(c.real))


def _where(point: dict[Any, Any]) -> str:
    return ", ".join(f"{s}={_show(complex(v))}" for s, v in point.items())


def _sample(
    G: Any, A: Any, syms: list[Any], inexact: bool, tolerance: float | None, seed: int
) -> Outcome:
    """Compare two functions at sample points: differ on positive values → different; agree
    there but not on negative or large ones → undecided here (the caller asks simplify)."""
    agreed: dict[str, int] = {}
    branchy = _branchy(G) or _branchy(A)
    elsewhere = ""
    for kind, point in points(syms, seed):
        if kind == "complex" and branchy:
            continue
        gv = _complex(G.evalf(30, subs=point))
        av = _complex(A.evalf(30, subs=point))
        if gv is None or av is None:
            continue
        same = _close(gv, av, inexact, tolerance)
        if same is None:
            continue
        if not same:
            why = f"differ at {_where(point)}: {_show(gv)} vs {_show(av)}"
            if kind == "positive" or (kind == "large" and not (branchy or inexact)):
                return False, why
            if branchy and not _real(gv) and not _real(av):
                continue  # both outside their real domain: which branch is taken says nothing
            elsewhere = elsewhere or why
            continue
        agreed[kind] = agreed.get(kind, 0) + 1
    if elsewhere:
        return None, f"equal for positive values only ({elsewhere})"
    total = sum(agreed.values())
    if agreed.get("positive", 0) >= NEEDED and total >= NEEDED + 2:
        return True, f"agree at {total} sample points (positive, negative, large, complex)"
    return None, "too few sample points where both sides are defined"


def equal_scalars(g: Node, a: Node, tolerance: float | None) -> Outcome:
    """Whether two scalar trees are the same value or function."""
    inexact = has_decimal(g) or has_decimal(a)
    G, A = build(g), build(a)
    if G == A:
        return True, "equal in sympy's canonical form"
    syms = sorted(G.free_symbols | A.free_symbols, key=str)
    sampled: Outcome = (None, "")
    if not syms:
        if G.has(oo, -oo, zoo) or A.has(oo, -oo, zoo):
            return False, f"{G} ≠ {A}"  # infinities are equal only when identical, checked above
        gv, av = _complex(sympy.N(G, 30)), _complex(sympy.N(A, 30))
        if gv is not None and av is not None:
            if inexact:  # a decimal against a constant: the JEE rule, |gold − answer| ≤ 0.01
                same: bool | None = close_enough(gv.real, av.real, tolerance) and close_enough(
                    gv.imag, av.imag, tolerance
                )
            else:
                same = _close(gv, av, False, tolerance)
            if same:
                how = "within tolerance" if inexact else "equal to 12 digits"
                return True, f"{_show(gv)} and {_show(av)}: {how}"
            if same is False:
                return False, f"{_show(gv)} ≠ {_show(av)}"
    else:
        seed = zlib.crc32((canon(g) + "|" + canon(a)).encode())
        sampled = _sample(G, A, syms, inexact, tolerance, seed)
        if sampled[0] is not None:
            return sampled
    difference = sympy.simplify(G - A)
    if difference == 0:
        return True, "simplify(a - b) = 0"
    if difference.is_number and difference.is_zero is False:
        return False, f"simplify(a - b) = {difference}"
    if sampled[1].startswith("equal for positive"):
        return None, sampled[1]
    return None, "sympy could not decide"


def _side_difference(rel: Node) -> tuple[Any, str]:
    """An equation or inequality as one expression compared with zero: (d, op) means d op 0."""
    left, right = build(rel.args[0]), build(rel.args[1])
    op = rel.value
    if op in ("<", "<="):
        return right - left, ">" if op == "<" else ">="
    return left - right, op


def _ratio_outcome(dg: Any, da: Any, positive: bool, seed: int) -> Outcome:
    """Whether dg = c·da for one constant c (positive for inequalities), by sampling both on
    positive, negative, large and complex points (`|x| = |y|` is not `x = y`)."""
    syms = sorted(dg.free_symbols | da.free_symbols, key=str)
    ratios: list[complex] = []
    for kind, point in points(syms, seed):
        if kind == "complex" and (_branchy(dg) or _branchy(da)):
            continue
        gv, av = _complex(dg.evalf(30, subs=point)), _complex(da.evalf(30, subs=point))
        if gv is None or av is None or max(abs(av), abs(gv)) < TINY:
            continue
        if abs(av) < TINY:
            return False, f"the relations differ (at {_where(point)})"
        ratios.append(gv / av)
    if len(ratios) >= NEEDED:
        r0 = ratios[0]
        same = abs(r0) > 1e-20 and all(abs(r - r0) <= 1e-9 * abs(r0) for r in ratios)
        if same and (not positive or (r0.real > 0 and abs(r0.imag) < 1e-12)):
            return True, "same relation up to a constant factor"
        if not same:
            return False, "the relations differ"
    ratio = sympy.simplify(dg / da) if da != 0 else None
    if ratio is not None and ratio.is_number and ratio != 0:
        if not positive or ratio.is_positive:
            return True, "same relation up to a constant factor (simplify)"
        return False, "inequality reversed"
    return None, "sympy could not decide the relation"


_SET_OPS = ("interval", "union", "intersection")


def _relations_of(node: Node) -> list[Node] | None:
    """A relation, or a disjunction of them (`x = 2 or x = -2`), as a list; else None."""
    if node.op == "rel":
        return [node]
    if node.op == "list" and node.args and all(x.op == "rel" for x in node.args):
        return list(node.args)
    return None


def _as_set(node: Node, var: Any) -> Any:
    """The real solutions of a relation, disjunction or set of values in one variable."""
    from sympy import FiniteSet, Interval, S, solveset

    op = node.op
    if op == "rel":
        if node.value == "in":
            return _as_set(node.args[1], var)
        left, right = node.args
        if node.value == "=" and right.op in ("set", "list") and left.op == "sym":
            return _as_set(right, var)  # `x = ±2` expanded: x ∈ {2, -2}
        lhs, rhs = build(left), build(right)
        relation = {
            "=": sympy.Eq,
            "!=": sympy.Ne,
            "<": sympy.Lt,
            "<=": sympy.Le,
            ">": sympy.Gt,
            ">=": sympy.Ge,
        }.get(node.value)
        if relation is None:
            return None
        return solveset(relation(lhs, rhs), var, S.Reals)
    if op in ("list", "set"):
        parts = [_as_set(x, var) for x in node.args]
        if any(p is None for p in parts):
            return None
        return sympy.Union(*parts) if parts else S.EmptySet
    if op == "tuple" and len(node.args) == 2:
        node = Node("interval", node.args, "()")  # `(-2, 2)` against an inequality
        op = "interval"
    if op == "interval":
        lo, hi = build(node.args[0]), build(node.args[1])
        return Interval(lo, hi, node.value[0] == "(", node.value[1] == ")")
    if op == "union":
        parts = [_as_set(x, var) for x in node.args]
        return None if any(p is None for p in parts) else sympy.Union(*parts)
    if op == "intersection":
        parts = [_as_set(x, var) for x in node.args]
        return None if any(p is None for p in parts) else sympy.Intersection(*parts)
    value = build(node)
    return FiniteSet(value) if not value.free_symbols else None


def _one_variable(g: Node, a: Node) -> Any:
    syms = {x for n in (g, a) for x in _symbols(n)}
    return sympy.Symbol(next(iter(syms))) if len(syms) == 1 else None


def _symbols(node: Node) -> set[str]:
    if node.op == "sym":
        return {node.value}
    return {x for arg in node.args for x in _symbols(arg)}


def _same_sets(G: Any, A: Any) -> bool | None:
    """Whether two sympy sets are equal; None when sympy cannot say."""
    if G == A:
        return True
    try:
        left, right = sympy.Complement(G, A), sympy.Complement(A, G)
    except Exception:
        return None
    if left == sympy.S.EmptySet and right == sympy.S.EmptySet:
        return True
    if isinstance(G, sympy.FiniteSet) and isinstance(A, sympy.FiniteSet):
        gv = sorted((_complex(sympy.N(x, 30)) or 0j for x in G), key=lambda c: (c.real, c.imag))
        av = sorted((_complex(sympy.N(x, 30)) or 0j for x in A), key=lambda c: (c.real, c.imag))
        return len(gv) == len(av) and all(
            abs(x - y) <= 1e-12 * max(1.0, abs(x)) for x, y in zip(gv, av, strict=True)
        )
    if left.is_empty is False or right.is_empty is False:
        return False
    return None


def _zero_factors(rels: list[Node]) -> set[str] | None:
    """The irreducible factors whose zeros are the solutions of polynomial equations joined by
    "or" (`ab = 0` and `a = 0 or b = 0` both give {a, b}); None for anything else."""
    factors: set[str] = set()
    for rel in rels:
        if rel.value != "=":
            return None
        d = sympy.together(build(rel.args[0]) - build(rel.args[1]))
        numerator = sympy.numer(d)
        if not numerator.free_symbols or not numerator.is_polynomial(*numerator.free_symbols):
            return None
        _, found = sympy.factor_list(sympy.expand(numerator))
        for factor, _power in found:
            if not factor.free_symbols:
                continue
            poly = sympy.Poly(factor, *sorted(factor.free_symbols, key=str))
            monic = poly.monic() if poly.LC() != 0 else poly
            factors.add(str(monic.as_expr()))
    return factors


def equal_relations(g: Node, a: Node) -> Outcome:
    """Equations equal up to a non-zero factor, inequalities up to a positive one; else the
    same solutions (`x^2 = 4` and `x = 2 or x = -2`; `ab = 0` and `a = 0 or b = 0`;
    `x^2 < 4` and `-2 < x < 2`)."""
    seed = zlib.crc32((canon(g) + "|" + canon(a)).encode())
    gr, ar = _relations_of(g), _relations_of(a)
    single = gr is not None and ar is not None and len(gr) == 1 and len(ar) == 1
    plain = not any(x.op in ("set", "list") for rel in (g, a) for x in rel.args)
    if single and plain and "in" not in (g.value, a.value):
        dg, og = _side_difference(g)
        da, oa = _side_difference(a)
        if og == oa:
            ok, why = _ratio_outcome(dg, da, og in (">", ">="), seed)
            if ok:
                return ok, why
        elif {og, oa} <= {"=", "!="}:
            return False, f"relation {g.value} vs {a.value}"
        elif {og, oa} == {">", ">="} and _ratio_outcome(dg, da, True, seed)[0]:
            return False, "one inequality includes its boundary, the other does not"
    var = _one_variable(g, a)
    if var is None and not (_symbols(g) or _symbols(a)):
        var = sympy.Symbol("x")  # sets of numbers: `[1, 3] ∩ [2, 4]` against [2, 3]
    if var is not None:
        G, A = _as_set(g, var), _as_set(a, var)
        if G is not None and A is not None:
            same = _same_sets(G, A)
            if same is not None:
                return same, "the same solutions" if same else f"solutions {G} vs {A}"
    if gr is not None and ar is not None:
        fg, fa = _zero_factors(gr), _zero_factors(ar)
        if (
            fg is not None
            and fa is not None
            and (len(gr) == 1 or g.value == "or")
            and (len(ar) == 1 or a.value == "or")
        ):
            if fg == fa:
                return True, "the same solutions (the same factors)"
            return False, "different solutions (different factors)"
    if single and plain and gr is not None and ar is not None:
        differ = _truth_differs(g, a, seed)
        if differ:
            return False, differ
    return None, "sympy could not decide whether the relations have the same solutions"


_HOLDS = {">": lambda v: v > 0, ">=": lambda v: v >= 0, "=": lambda v: v == 0}


def _truth_differs(g: Node, a: Node, seed: int) -> str:
    """Where two inequalities disagree on a real point, clearly (not at a boundary); else ""."""
    dg, og = _side_difference(g)
    da, oa = _side_difference(a)
    if og not in (">", ">=") or oa not in (">", ">="):
        return ""
    syms = sorted(dg.free_symbols | da.free_symbols, key=str)
    for kind, point in points(syms, seed, rounds=4):
        if kind == "complex":
            continue
        gv, av = _complex(dg.evalf(15, subs=point)), _complex(da.evalf(15, subs=point))
        if gv is None or av is None or not (_real(gv) and _real(av)):
            continue
        if min(abs(gv.real), abs(av.real)) < 1e-9:
            continue
        if _HOLDS[og](gv.real) != _HOLDS[oa](av.real):
            return f"the inequalities disagree at {_where(point)}"
    return ""


def equivalent(gold: Node, ans: Node, tolerance: float | None = None) -> Outcome:
    """Whether an answer tree means the same as the reference tree, scalars decided by sympy."""
    return structure.equivalent(gold, ans, tolerance, equal_scalars, equal_relations)


def handle(request: tuple[Any, ...]) -> tuple[Any, ...]:
    """Serve one worker request: ("equiv", gold, answer, tolerance) or ("ping",)."""
    if request[0] == "ping":
        return ("pong",)
    if request[0] == "equiv":
        _, gold, ans, tolerance = request
        ok, why = equivalent(gold, ans, tolerance)
        return ("ok", ok, why)
    return ("error", f"unknown request {request[0]!r}")
