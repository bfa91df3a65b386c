"""Pure helpers on math trees, used before any sympy work: canonical form, float value, `x =`."""

from __future__ import annotations

import cmath
import math

from graders.mathparse import Node


def canon(node: Node) -> str:
    """A canonical string of a tree: commutative arguments sorted, numbers normalised."""
    op = node.op
    if op == "num":
        return _canon_num(node.value)
    if op in ("sym", "const"):
        return node.value
    parts = [canon(a) for a in node.args]
    if op in ("add", "mul", "set"):
        parts.sort()
    return f"{op}{node.value}({','.join(parts)})"


def _canon_num(v: str) -> str:
    if "e" in v or "E" in v:
        try:
            return repr(float(v))
        except ValueError:
            return v
    if "." in v:
        whole, _, frac = v.partition(".")
        frac = frac.rstrip("0")
        whole = whole.lstrip("0") or "0"
        return f"{whole}.{frac}" if frac else whole
    return v.lstrip("0") or "0"


def has_decimal(node: Node) -> bool:
    """True when the tree holds a decimal literal (an approximate value such as 0.866)."""
    if node.op == "num":
        return "." in node.value or "e" in node.value.lower()
    return any(has_decimal(a) for a in node.args if isinstance(a, Node))


def is_scalar(node: Node) -> bool:
    """True for a single value (not a relation, collection, interval or ±)."""
    return node.op not in ("rel", "list", "tuple", "set", "interval", "union", "pm")


_FUNCS_C = {
    "sin": cmath.sin,
    "cos": cmath.cos,
    "tan": cmath.tan,
    "arcsin": cmath.asin,
    "arccos": cmath.acos,
    "arctan": cmath.atan,
    "sinh": cmath.sinh,
    "cosh": cmath.cosh,
    "tanh": cmath.tanh,
    "exp": cmath.exp,
    "log": cmath.log,
}


def approx(node: Node) -> complex | None:
    """The value of a constant tree in floating point, or None (symbols, infinities, overflow)."""
    try:
        v = _approx(node)
    except (OverflowError, ZeroDivisionError, ValueError, TypeError, RecursionError):
        return None
    if v is None or not (cmath.isfinite(v)):
        return None
    return v


def _approx(node: Node) -> complex | None:
    op = node.op
    if op == "num":
        return complex(float(node.value))
    if op == "const":
        return {"pi": complex(math.pi), "E": complex(math.e), "I": 1j}.get(node.value)
    vals = []
    for a in node.args:
        v = _approx(a)
        if v is None:
            return None
        vals.append(v)
    if op == "add":
        return sum(vals, 0j)
    if op == "neg":
        return -vals[0]
    if op == "mul":
        out = 1 + 0j
        for v in vals:
            out *= v
        return out
    if op == "pow":
        base, exp = vals
        if abs(exp) > 1e4 or abs(base) > 1e300:
            return None
        if base == 0 and exp.real <= 0:
            return None
        if base.imag == 0 and exp.imag == 0 and (base.real >= 0 or exp.real.is_integer()):
            return complex(math.pow(base.real, exp.real))
        return base**exp
    if op == "root":
        x, n = vals
        if n == 2:
            return cmath.sqrt(x)
        if x.imag == 0 and x.real < 0 and n.imag == 0 and n.real.is_integer() and int(n.real) % 2:
            return complex(-((-x.real) ** (1 / n.real)))
        return x ** (1 / n)
    if op == "abs":
        return complex(abs(vals[0]))
    if op == "fact":
        x = vals[0]
        if x.imag == 0 and x.real.is_integer() and 0 <= x.real <= 170:
            return complex(math.factorial(int(x.real)))
        return None
    if op == "func":
        if node.value == "log" and len(vals) == 2:
            return cmath.log(vals[0]) / cmath.log(vals[1])
        f = _FUNCS_C.get(node.value)
        if f is not None:
            return f(vals[0])
        if node.value in ("cot", "sec", "csc"):
            base = {"cot": cmath.tan, "sec": cmath.cos, "csc": cmath.sin}[node.value](vals[0])
            return 1 / base
        return None
    return None


def unwrap(gold: Node, ans: Node) -> tuple[Node, Node]:
    """Drop `x =` (or `x \\in`) from a side when the other side is a bare value or collection."""

    def strip(n: Node) -> Node:
        if n.op == "rel" and n.value in ("=", "in") and n.args[0].op == "sym":
            return n.args[1]
        return n

    g_rel = gold.op == "rel" and gold.value in ("=", "in")
    a_rel = ans.op == "rel" and ans.value in ("=", "in")
    if g_rel and a_rel:
        if gold.args[0] == ans.args[0] and gold.args[0].op == "sym":
            return gold.args[1], ans.args[1]
        return gold, ans
    return strip(gold), strip(ans)
