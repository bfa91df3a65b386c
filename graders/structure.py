"""Whether two answer trees mean the same: shapes first, then scalars by a pluggable check.

The same walk runs twice: in the calling process with a cheap scalar check (canonical form and
floating point, no sympy), and only when that cannot decide, in the worker with sympy's checks
(compare.py). Shapes: sets and lists of answers match in any order, tuples and matrices in order,
a tuple never equals a set, named values (`a = 4, b = 5`, `(p, q) = (3, 2)`) match by name,
inequalities and `|z|` bounds read as intervals, unions and intersections of intervals with
constant ends are worked out, assignment lists (`p=5,q=2; p=7,q=2`) are lists of solutions, and
a reference list in an order of its own is not matched by another order (needs_human).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from graders.mathparse import Node, is_name
from graders.mathtree import approx, canon, is_scalar

Outcome = tuple[bool | None, str]  # equal / different / cannot tell, and why
ScalarCheck = Callable[[Node, Node, float | None], Outcome]
RelationCheck = Callable[[Node, Node], Outcome]

INF = Node("const", (), "oo")
NEG_INF = Node("neg", (INF,))
MAX_PM = 3  # ± signs expanded in one answer: 2**3 values at most
MAX_PAIRS = 2500  # element pairs one unordered comparison tries (50 answers against 50)
_SHAPES = {
    "set": "set",
    "list": "list",
    "tuple": "tuple",
    "interval": "interval",
    "union": "union of intervals",
    "matrix": "matrix",
}


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


def expand_pm(node: Node) -> Node:
    """Trees with ± become the set of their values; collections are expanded item by item."""
    if node.op in ("list", "set", "tuple"):
        return Node(node.op, tuple(expand_pm(a) for a in node.args), node.value)
    if node.op == "rel" and node.value == "=" and is_name(node.args[0]):
        return Node("rel", (node.args[0], expand_pm(node.args[1])), "=")
    if node.op in ("rel", "interval", "union", "matrix") or not _has_pm(node):
        return node
    values = _pm_variants(node, [MAX_PM])
    return values[0] if len(values) == 1 else Node("set", tuple(values))


def names(node: Node) -> dict[str, Node] | None:
    """`a = 4, b = 5` or `(p, q) = (3, 2)` as {name: value}; None when the answer names nothing."""
    pairs: list[tuple[Node, Node]] = []
    items = node.args if node.op == "list" else (node,)
    for item in items:
        if item.op != "rel" or item.value != "=" or not is_name(item.args[0]):
            return None
        left, right = item.args
        if left.op == "tuple":
            if right.op not in ("tuple", "interval") or len(right.args) != len(left.args):
                return None
            pairs.extend(zip(left.args, right.args, strict=True))
        else:
            pairs.append((left, right))
    out = {canon(k): v for k, v in pairs}
    return out if len(out) == len(pairs) else None


_SET_OPS = ("interval", "union", "intersection")


def symbols(node: Node) -> set[str]:
    """The names of the symbols in a tree."""
    if node.op == "sym":
        return {node.value}
    return {x for arg in node.args for x in symbols(arg)}


def _values_or_relations(node: Node) -> bool:
    """A value, a set or list of values, or a disjunction of equations."""
    if node.op in ("list", "set"):
        return all((x.op == "rel" and x.value == "=") or is_scalar(x) for x in node.args)
    return is_scalar(node) or (node.op == "rel" and node.value == "=")


def _unsorted(items: tuple[Node, ...]) -> bool:
    """True for constants listed neither increasing nor decreasing (`2, 5, 3`): an order the
    reference means (a, b, c), not a set of roots written smallest first."""
    values = [_end(x) for x in items]
    if len(values) < 2 or any(v is None for v in values):
        return False
    vs = [v for v in values if v is not None]
    pairs = list(itertools.pairwise(vs))
    return not (all(x <= y for x, y in pairs) or all(x >= y for x, y in pairs))


def _end(node: Node) -> float | None:
    if node == INF:
        return math.inf
    if node == NEG_INF:
        return -math.inf
    v = approx(node)
    return v.real if v is not None and abs(v.imag) < 1e-12 else None


def merged(node: Node) -> Node:
    """Unions and intersections of intervals with constant ends, worked out: `(1,2] ∪ [2,3)`
    is (1, 3), `[1,3] ∩ [2,4]` is [2, 3]. Anything else is returned as it is."""
    if node.op not in ("union", "intersection") or not node.args:
        return node
    parts = [merged(_as_interval(x)) for x in node.args]
    spans: list[tuple[float, bool, float, bool, Node, Node]] = []
    for p in parts:
        for iv in p.args if p.op == "union" else (p,):
            if iv.op != "interval":
                return node
            lo, hi = _end(iv.args[0]), _end(iv.args[1])
            if lo is None or hi is None:
                return node
            brackets = _brackets(iv)
            spans.append((lo, brackets[0] == "[", hi, brackets[1] == "]", iv.args[0], iv.args[1]))
    if node.op == "intersection":
        if len(parts) != len(spans):
            return node  # an intersection of unions: left to sympy
        lo_s = max(spans, key=lambda t: (t[0], not t[1]))
        hi_s = min(spans, key=lambda t: (t[2], t[3]))
        out = [(lo_s[0], lo_s[1], hi_s[2], hi_s[3], lo_s[4], hi_s[5])]
        if lo_s[0] > hi_s[2] or (lo_s[0] == hi_s[2] and not (lo_s[1] and hi_s[3])):
            return Node("set", ())
    else:
        spans.sort(key=lambda t: (t[0], not t[1]))
        out = [spans[0]]
        for lo, lc, hi, hc, lo_n, hi_n in spans[1:]:
            clo, clc, chi, chc, clo_n, chi_n = out[-1]
            if lo < chi or (lo == chi and (chc or lc)):
                if hi > chi or (hi == chi and hc):
                    out[-1] = (clo, clc, hi, hc, clo_n, hi_n)
                continue
            out.append((lo, lc, hi, hc, lo_n, hi_n))
    intervals = tuple(
        Node("interval", (lo_n, hi_n), ("[" if lc else "(") + ("]" if hc else ")"))
        for _lo, lc, _hi, hc, lo_n, hi_n in out
    )
    return intervals[0] if len(intervals) == 1 else Node("union", intervals)


def regroup(node: Node) -> Node:
    """`p=5, q=2; p=7, q=2` (the same names assigned again and again) as the list of solutions
    ((5, 2), (7, 2)), each in the order its names were first written."""
    if node.op != "list" or len(node.args) < 4:
        return node
    keys: list[str] = []
    for item in node.args:
        if item.op != "rel" or item.value != "=" or item.args[0].op != "sym":
            return node
        keys.append(item.args[0].value)
    width = len(dict.fromkeys(keys))
    if width < 2 or len(keys) % width or len(keys) == width:
        return node
    order = keys[:width]
    groups = [node.args[i : i + width] for i in range(0, len(keys), width)]
    if any([x.args[0].value for x in grp] != order for grp in groups):
        return node
    return Node("list", tuple(Node("tuple", tuple(x.args[1] for x in grp), "()") for grp in groups))


def strip_names(node: Node) -> Node:
    """The values of `x = 2`, `a = 4, b = 5` and `(p, q) = (3, 2)`, names dropped."""
    if node.op == "rel" and node.value in ("=", "in") and is_name(node.args[0]):
        return node.args[1]
    if node.op == "list" and all(
        a.op == "rel" and a.value in ("=", "in") and is_name(a.args[0]) for a in node.args
    ):
        return Node("list", tuple(a.args[1] for a in node.args))
    return node


def _abs_bounds(rel: Node) -> Node | None:
    """`1 ≤ |z| ≤ 3/2` as [-3/2, -1] ∪ [1, 3/2]; `|x| < 2` as (-2, 2); `|x| > 2` as two rays."""
    if rel.value == "in" and rel.args[0].op == "abs" and rel.args[1].op == "interval":
        (lo, hi), brackets = rel.args[1].args, rel.args[1].value
        mirror = ("[" if brackets[1] == "]" else "(") + ("]" if brackets[0] == "[" else ")")
        left = Node("interval", (Node("neg", (hi,)), Node("neg", (lo,))), mirror)
        return Node("union", (left, rel.args[1]))
    if rel.value in ("<", "<=", ">", ">="):
        a, b, op = rel.args[0], rel.args[1], rel.value
        if b.op == "abs" and a.op != "abs":
            a, b = b, a
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
        if a.op != "abs":
            return None
        closed = op in ("<=", ">=")
        if op in ("<", "<="):
            return Node("interval", (Node("neg", (b,)), b), "[]" if closed else "()")
        return Node(
            "union",
            (
                Node("interval", (NEG_INF, Node("neg", (b,))), "(]" if closed else "()"),
                Node("interval", (b, INF), "[)" if closed else "()"),
            ),
        )
    return None


def as_set_of_reals(node: Node) -> Node:
    """An inequality (`x >= 2`, `3 > x`, `|x| < 2`, `x \\in [a, b]`) as an interval or union."""
    if node.op == "list" and node.args and all(a.op == "rel" for a in node.args):
        parts = [as_set_of_reals(a) for a in node.args]  # `x < 1 or x > 2`
        if all(p.op in ("interval", "union") for p in parts):
            flat: list[Node] = []
            for p in parts:
                flat.extend(p.args if p.op == "union" else (p,))
            return Node("union", tuple(flat))
        return node
    if node.op != "rel":
        return node
    by_abs = _abs_bounds(node)
    if by_abs is not None:
        return by_abs
    if node.value == "in" and node.args[1].op in ("interval", "union"):
        return node.args[1]
    op = node.value
    if op not in ("<", "<=", ">", ">="):
        return node
    left, right = node.args
    if _scaled_symbol(right) and not _scaled_symbol(left):
        left, right = right, left
        op = _FLIP[op]
    scaled = _scaled_symbol(left)
    if scaled is None or symbols(right):
        return node  # `a < b` is a relation between two unknowns, not an interval
    symbol, factor = scaled
    if factor != 1.0:  # `-x > -2` is x < 2; `2x <= 6` is x <= 3
        if factor < 0:
            op = _FLIP[op]
        right = Node(
            "mul", (right, Node("pow", (_number(factor), Node("neg", (Node("num", (), "1"),)))))
        )
    left = symbol
    if op in (">", ">="):
        return Node("interval", (right, INF), ("[" if op == ">=" else "(") + ")")
    return Node("interval", (NEG_INF, right), "(" + ("]" if op == "<=" else ")"))


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _number(value: float) -> Node:
    whole = int(value)
    num = Node("num", (), str(abs(whole)) if whole == value else repr(abs(value)))
    return Node("neg", (num,)) if value < 0 else num


def _scaled_symbol(node: Node) -> tuple[Node, float] | None:
    """`x` as (x, 1), `-x` as (x, -1), `2x` as (x, 2); anything else None."""
    if node.op == "sym":
        return node, 1.0
    if node.op == "neg":
        inner = _scaled_symbol(node.args[0])
        return (inner[0], -inner[1]) if inner else None
    if node.op == "mul" and len(node.args) == 2:
        for coef, sym in (node.args, node.args[::-1]):
            if sym.op == "sym" and coef.op == "num":
                value = float(coef.value)
                return (sym, value) if value else None
    return None


def _as_interval(node: Node) -> Node:
    if node.op == "tuple" and len(node.args) == 2:
        return Node("interval", node.args, "()")
    return node


def _brackets(node: Node) -> str:
    left, right = node.value[0], node.value[1]
    lo, hi = node.args
    if lo in (NEG_INF, INF):
        left = "("  # an infinite end is open however it is written
    if hi == INF:
        right = ")"
    return left + right


def _cells(node: Node) -> tuple[Node, ...] | None:
    """The entries of a one-row or one-column matrix (a vector), else None."""
    rows = node.args
    if len(rows) == 1:
        return rows[0].args
    if all(len(r.args) == 1 for r in rows):
        return tuple(r.args[0] for r in rows)
    return None


class _Walk:
    def __init__(
        self, scalars: ScalarCheck, relations: RelationCheck, tolerance: float | None
    ) -> None:
        self.scalars = scalars
        self.relations = relations
        self.tolerance = tolerance

    def in_order(self, gs: tuple[Node, ...], as_: tuple[Node, ...], what: str) -> Outcome:
        if len(gs) != len(as_):
            return False, f"{len(gs)} items vs {len(as_)}"
        undecided = ""
        for x, y in zip(gs, as_, strict=True):
            ok, why = self.same(x, y)
            if ok is False:
                return ok, why
            if ok is None:
                undecided = why
        return (None, undecided) if undecided else (True, f"same {what}")

    def any_order(self, gs: tuple[Node, ...], as_: tuple[Node, ...]) -> Outcome:
        if len(gs) * len(as_) > MAX_PAIRS:
            # Too many pairs to try one by one in process: same written elements decide it,
            # else the worker tries the pairs under its deadline.
            if sorted(map(canon, gs)) == sorted(map(canon, as_)):
                return True, "same answers in any order"
            return None, f"{len(gs)} answers against {len(as_)}: too many to pair here"
        unused = list(as_)
        undecided = False
        for g in gs:
            for i, a in enumerate(unused):
                ok, _ = self.same(g, a)
                if ok:
                    del unused[i]
                    break
                undecided = undecided or ok is None
            else:
                if undecided:
                    return None, "could not match every element"
                return False, f"{_short(g)} is missing from the answer"
        # duplicates in the answer (`x = 2, x = 2`) do not count as extra answers
        extra = [a for a in unused if not any(self.same(a, b)[0] for b in as_ if b is not a)]
        if extra:
            return False, f"{len(extra)} extra answer(s), such as {_short(extra[0])}"
        return True, "same answers in any order"

    def same(self, gold: Node, ans: Node) -> Outcome:
        g, a = regroup(expand_pm(gold)), regroup(expand_pm(ans))
        if canon(g) == canon(a):
            return True, "same expression"
        g_names, a_names = names(g), names(a)
        if g_names is not None and a_names is not None:
            if set(g_names) != set(a_names):
                if "or" in (g.value, a.value) or any(
                    "(" in k for k in (*g_names, *a_names)
                ):  # `ab = 0` against `a = 0 or b = 0`: the same solutions, not names
                    return self.relations(g, a)
                return False, f"names {sorted(a_names)} where {sorted(g_names)} are asked for"
            ok, why = self.in_order(
                tuple(g_names[k] for k in sorted(g_names)),
                tuple(a_names[k] for k in sorted(g_names)),
                "values by name",
            )
            return ok, "same values by name" if ok else why
        if not (g.op == "rel" and a.op == "rel"):
            # `x = 2` against `2`, `x \\in \\{1, 2\\}` against `\\{1, 2\\}`: the names go
            g, a = (
                (g if a.op == "rel" else strip_names(g)),
                (a if g.op == "rel" else strip_names(a)),
            )
            if canon(g) == canon(a):
                return True, "same value"
        g_set, a_set = merged(as_set_of_reals(g)), merged(as_set_of_reals(a))
        if g_set.op in _SET_OPS or a_set.op in _SET_OPS:
            g, a = g_set, a_set
        if "intersection" in (g.op, a.op):
            return self.relations(g, a)  # not constant intervals: sympy intersects them
        if g.op == "rel" or a.op == "rel":
            if g.op == "rel" and a.op == "rel" and "in" not in (g.value, a.value):
                return self.relations(g, a)
            rel, other = (g, a) if g.op == "rel" else (a, g)
            if rel.value in ("<", "<=", ">", ">=") and _as_interval(other).op in _SET_OPS:
                return self.relations(g, a)  # `x^2 < 4` against (-2, 2): solved by sympy
            if rel.value == "=" and len(symbols(rel)) == 1 and _values_or_relations(other):
                return self.relations(g, a)  # `x^2 = 4` against `x = 2 or x = -2`, or `±2`
            return False, "an equation or inequality against a value"
        return self.shapes(g, a)

    def shapes(self, g: Node, a: Node) -> Outcome:
        collections = ("set", "list", "tuple")
        if g.op in collections and a.op in collections:
            if g.op != "tuple" and a.op == "tuple" and all(x.op == "tuple" for x in g.args):
                return self.any_order(g.args, (a,))  # one solution where a set of them is asked
            if a.op != "tuple" and g.op == "tuple" and all(x.op == "tuple" for x in a.args):
                return self.any_order((g,), a.args)
            if {g.op, a.op} == {"set", "tuple"}:
                return False, "a tuple is ordered, a set is not"
            if "tuple" in (g.op, a.op):
                return self.in_order(g.args, a.args, "items in order")
            ok, why = self.any_order(g.args, a.args)
            if (
                ok
                and g.op == "list"
                and a.op == "list"
                and _unsorted(g.args)
                and self.in_order(g.args, a.args, "items in order")[0] is not True
            ):
                return None, (
                    f"the reference lists {len(g.args)} values in an order of its own and"
                    " the answer has them in another: please check whether order matters"
                )
            return ok, why
        if g.op in ("set", "list") and a.op not in collections:
            if len(g.args) == 1:
                return self.same(g.args[0], a)
            return False, f"one answer where {len(g.args)} are expected"
        if a.op in ("set", "list") and g.op not in collections:
            if len(a.args) == 1:
                return self.same(g, a.args[0])
            uniq = {canon(x) for x in a.args}
            if len(uniq) == 1:
                return self.same(g, a.args[0])
            return False, f"{len(a.args)} answers where one is expected"
        if g.op == "matrix" or a.op == "matrix":
            return self.matrices(g, a)
        if "interval" in (g.op, a.op) or "union" in (g.op, a.op):
            g, a = _as_interval(g), _as_interval(a)
        if g.op == "interval" and a.op == "interval":
            if _brackets(g) != _brackets(a):
                return False, f"interval ends {_brackets(g)} vs {_brackets(a)}"
            return self.in_order(g.args, a.args, "interval")
        if g.op in ("union", "interval") and a.op in ("union", "interval"):
            gs = g.args if g.op == "union" else (g,)
            as_ = a.args if a.op == "union" else (a,)
            return self.any_order(
                tuple(_as_interval(x) for x in gs), tuple(_as_interval(x) for x in as_)
            )
        if g.op in _SHAPES or a.op in _SHAPES:
            return (
                False,
                f"a {_SHAPES.get(a.op, 'value')} where a {_SHAPES.get(g.op, 'value')} is expected",
            )
        return self.scalars(g, a, self.tolerance)

    def matrices(self, g: Node, a: Node) -> Outcome:
        if g.op == "matrix" and a.op == "matrix":
            shape_g = (len(g.args), len(g.args[0].args))
            shape_a = (len(a.args), len(a.args[0].args))
            if shape_g != shape_a:
                return False, f"a {shape_a[0]}×{shape_a[1]} matrix where {shape_g[0]}×{shape_g[1]}"
            return self.in_order(
                tuple(c for r in g.args for c in r.args),
                tuple(c for r in a.args for c in r.args),
                "entries",
            )
        matrix, other = (g, a) if g.op == "matrix" else (a, g)
        cells = _cells(matrix)
        if cells is not None and other.op == "tuple":
            return self.in_order(
                cells if matrix is g else other.args,
                other.args if matrix is g else cells,
                "vector entries",
            )
        return False, "a matrix against a value that is not one"


def _short(node: Node) -> str:
    text = canon(node)
    return text if len(text) <= 40 else text[:39] + "…"


def equivalent(
    gold: Node,
    ans: Node,
    tolerance: float | None,
    scalars: ScalarCheck,
    relations: RelationCheck,
) -> Outcome:
    """Whether an answer tree means the same as the reference tree, scalars by `scalars`."""
    return _Walk(scalars, relations, tolerance).same(gold, ans)
