"""Equivalence of two math trees with sympy; runs only inside the worker process (worker.py).

Order of checks, cheapest first: sympy's own canonical form, then numeric sampling at random
points (values in [0.3, 2.7], 30 digits), then `simplify(a - b) == 0`. Trees come from
mathparse.py and are turned into sympy objects with constructors only: nothing is ever eval'd.
"""

from __future__ import annotations

import random
import zlib
from typing import Any

import sympy
from sympy import Abs, E, I, Integer, Rational, Symbol, factorial, nan, oo, pi, root, zoo

from graders import structure
from graders.mathparse import Node
from graders.mathtree import canon, has_decimal
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
        return _FUNCS[node.value](args[0])
    raise ValueError(f"not a scalar: {op}")


def _complex(v: Any) -> complex | None:
    if v is None or v.has(nan, zoo, oo, -oo):
        return None
    try:
        c = complex(v)
    except (TypeError, ValueError):
        return None
    return c if c == c and abs(c) != float("inf") else None


def _close(g: complex, a: complex, inexact: bool, tolerance: float | None) -> bool:
    if inexact:
        return close_enough(g.real, a.real, tolerance) and close_enough(g.imag, a.imag, tolerance)
    return abs(g - a) <= 1e-12 * max(1.0, abs(g))


def _show(c: complex) -> str:
    return fmt(round(c.real, 6)) if abs(c.imag) < 1e-12 else f"{c.real:.6g}{c.imag:+.6g}i"


def equal_scalars(g: Node, a: Node, tolerance: float | None) -> Outcome:
    """Whether two scalar trees are the same value or function."""
    inexact = has_decimal(g) or has_decimal(a)
    G, A = build(g), build(a)
    if G == A:
        return True, "equal in sympy's canonical form"
    syms = sorted(G.free_symbols | A.free_symbols, key=str)
    if not syms:
        if G.has(oo, -oo, zoo) or A.has(oo, -oo, zoo):
            return False, f"{G} ≠ {A}"  # infinities are equal only when identical, checked above
        gv, av = _complex(sympy.N(G, 30)), _complex(sympy.N(A, 30))
        if gv is not None and av is not None:
            if _close(gv, av, inexact, tolerance):
                how = "within tolerance" if inexact else "equal to 12 digits"
                return True, f"{_show(gv)} and {_show(av)}: {how}"
            return False, f"{_show(gv)} ≠ {_show(av)}"
    else:
        seed = zlib.crc32((canon(g) + "|" + canon(a)).encode())
        rng = random.Random(seed)
        agreed = 0
        for _ in range(SAMPLES):
            point = {s: sympy.Float(rng.uniform(0.3, 2.7), 30) for s in syms}
            gv = _complex(G.evalf(30, subs=point))
            av = _complex(A.evalf(30, subs=point))
            if gv is None or av is None:
                continue
            if not _close(gv, av, inexact, tolerance):
                where = ", ".join(f"{s}={float(v):.3g}" for s, v in point.items())
                return False, f"differ at {where}: {_show(gv)} vs {_show(av)}"
            agreed += 1
        if agreed >= NEEDED:
            return True, f"agree at {agreed} random points"
    difference = sympy.simplify(G - A)
    if difference == 0:
        return True, "simplify(a - b) = 0"
    if difference.is_number and difference.is_zero is False:
        return False, f"simplify(a - b) = {difference}"
    return None, "sympy could not decide"


def _side_difference(rel: Node) -> tuple[Any, str]:
    """An equation or inequality as one expression compared with zero: (d, op) means d op 0."""
    left, right = build(rel.args[0]), build(rel.args[1])
    op = rel.value
    if op in ("<", "<="):
        return right - left, ">" if op == "<" else ">="
    return left - right, op


def equal_relations(g: Node, a: Node) -> Outcome:
    """Equations equal up to a non-zero factor; inequalities up to a positive one."""
    dg, og = _side_difference(g)
    da, oa = _side_difference(a)
    if og != oa:
        return False, f"relation {g.value} vs {a.value}"
    positive = og in (">", ">=")
    syms = sorted(dg.free_symbols | da.free_symbols, key=str)
    rng = random.Random(zlib.crc32((canon(g) + "|" + canon(a)).encode()))
    ratios: list[complex] = []
    for _ in range(SAMPLES):
        point = {s: sympy.Float(rng.uniform(0.3, 2.7), 30) for s in syms}
        gv, av = _complex(dg.evalf(30, subs=point)), _complex(da.evalf(30, subs=point))
        if gv is None or av is None or abs(av) < 1e-25:
            continue
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
