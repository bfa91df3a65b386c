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

from graders.mathparse import Node
from graders.mathtree import canon, has_decimal, unwrap
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


MAX_PM = 3  # ± signs expanded in one answer: 2**3 values at most


def _pm_variants(node: Node, budget: list[int]) -> list[Node]:
    """Every value a tree with ± takes: a ± b is a + b and a − b, wherever it sits."""
    if node.op == "pm" and budget[0] > 0:
        budget[0] -= 1
        out = []
        for base in _pm_variants(node.args[0], budget):
            for term in _pm_variants(node.args[1], budget):
                out.append(Node("add", (base, term)))
                out.append(Node("add", (base, Node("neg", (term,)))))
        return out
    if not node.args or not any(_has_pm(a) for a in node.args):
        return [node]
    variants: list[list[Node]] = [[]]
    for arg in node.args:
        options = _pm_variants(arg, budget)
        variants = [[*v, o] for v in variants for o in options]
    return [Node(node.op, tuple(v), node.value) for v in variants]


def _has_pm(node: Node) -> bool:
    return node.op == "pm" or any(_has_pm(a) for a in node.args)


def _expand_pm(node: Node) -> Node:
    """Trees with ± become the set of their values; collections are expanded item by item."""
    if node.op in ("list", "set", "tuple"):
        return Node(node.op, tuple(_expand_pm(a) for a in node.args), node.value)
    if node.op in ("rel", "interval", "union") or not _has_pm(node):
        return node
    values = _pm_variants(node, [MAX_PM])
    return values[0] if len(values) == 1 else Node("set", tuple(values))


def _as_interval(node: Node) -> Node:
    if node.op == "tuple" and len(node.args) == 2:
        return Node("interval", node.args, "()")
    return node


def _brackets(node: Node) -> str:
    left, right = node.value[0], node.value[1]
    lo, hi = node.args
    if lo == Node("neg", (Node("const", (), "oo"),)) or lo == Node("const", (), "oo"):
        left = "("  # an infinite end is open however it is written
    if hi == Node("const", (), "oo"):
        right = ")"
    return left + right


_INF = Node("const", (), "oo")


def _relation_as_interval(rel: Node) -> Node:
    """`x >= 2` as `[2, oo)`, `3 > x` as `(-oo, 3)`; other relations unchanged."""
    op = rel.value
    if op not in ("<", "<=", ">", ">="):
        return rel
    left, right = rel.args
    if right.op == "sym" and left.op != "sym":
        left, right = right, left
        op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
    if left.op != "sym":
        return rel
    if op in (">", ">="):
        return Node("interval", (right, _INF), ("[" if op == ">=" else "(") + ")")
    return Node("interval", (Node("neg", (_INF,)), right), "(" + ("]" if op == "<=" else ")"))


def _match_unordered(
    gs: tuple[Node, ...], as_: tuple[Node, ...], tolerance: float | None
) -> Outcome:
    unused = list(as_)
    undecided = False
    for g in gs:
        for i, a in enumerate(unused):
            ok, _ = equivalent(g, a, tolerance)
            if ok:
                del unused[i]
                break
            undecided = undecided or ok is None
        else:
            return (
                (None, "could not match every element") if undecided else (False, "elements differ")
            )
    if unused:
        return False, f"{len(unused)} extra element(s) in the answer"
    return True, "same elements"


def equivalent(gold: Node, ans: Node, tolerance: float | None = None) -> Outcome:
    """Whether an answer tree means the same as the reference tree."""
    g, a = unwrap(gold, ans)
    g, a = _expand_pm(g), _expand_pm(a)
    if canon(g) == canon(a):
        return True, "same expression"
    if g.op in ("interval", "union") and a.op == "rel":
        a = _relation_as_interval(a)
    elif a.op in ("interval", "union") and g.op == "rel":
        g = _relation_as_interval(g)
    if g.op == "rel" or a.op == "rel":
        if g.op == "rel" and a.op == "rel" and g.value != "in" and a.value != "in":
            return equal_relations(g, a)
        return False, "an equation or inequality against a value"
    collections = ("set", "list", "tuple")
    if g.op in collections and a.op in collections:
        if "set" in (g.op, a.op):
            return _match_unordered(g.args, a.args, tolerance)
        if len(g.args) != len(a.args):
            return False, f"{len(g.args)} items vs {len(a.args)}"
        for x, y in zip(g.args, a.args, strict=True):
            ok, why = equivalent(x, y, tolerance)
            if not ok:
                return ok, why
        return True, "same items in order"
    if g.op in ("set", "list") and len(g.args) == 1 and a.op not in collections:
        return equivalent(g.args[0], a, tolerance)
    if a.op in ("set", "list") and len(a.args) == 1 and g.op not in collections:
        return equivalent(g, a.args[0], tolerance)
    g, a = (
        (_as_interval(g), _as_interval(a))
        if "interval" in (g.op, a.op) or "union" in (g.op, a.op)
        else (g, a)
    )
    if g.op == "interval" and a.op == "interval":
        if _brackets(g) != _brackets(a):
            return False, f"interval ends {_brackets(g)} vs {_brackets(a)}"
        for x, y in zip(g.args, a.args, strict=True):
            ok, why = equivalent(x, y, tolerance)
            if not ok:
                return ok, why
        return True, "same interval"
    if g.op == "union" and a.op == "union":
        return _match_unordered(
            tuple(_as_interval(x) for x in g.args),
            tuple(_as_interval(x) for x in a.args),
            tolerance,
        )
    if g.op != a.op and not (g.op not in _SHAPES and a.op not in _SHAPES):
        return (
            False,
            f"a {_SHAPES.get(a.op, 'value')} where a {_SHAPES.get(g.op, 'value')} is expected",
        )
    return equal_scalars(g, a, tolerance)


_SHAPES = {
    "set": "set",
    "list": "list",
    "tuple": "tuple",
    "interval": "interval",
    "union": "union of intervals",
}


def handle(request: tuple[Any, ...]) -> tuple[Any, ...]:
    """Serve one worker request: ("equiv", gold, answer, tolerance) or ("ping",)."""
    if request[0] == "ping":
        return ("pong",)
    if request[0] == "equiv":
        _, gold, ans, tolerance = request
        ok, why = equivalent(gold, ans, tolerance)
        return ("ok", ok, why)
    return ("error", f"unknown request {request[0]!r}")
