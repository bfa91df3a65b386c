"""Pure helpers on math trees, used before any sympy work: canonical form, float value, `x =`."""

from __future__ import annotations

import cmath
import math

from graders.mathparse import Node

ABS_TOLERANCE = 0.01
REL_TOLERANCE = 1e-6  # for large values, where 0.01 is below the precision a model can give
HUGE_EXPONENT = 1e4


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
    return node.op not in (
        "rel",
        "list",
        "tuple",
        "set",
        "interval",
        "union",
        "pm",
        "matrix",
        "row",
    )


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
        return -vals[0] + 0j  # never -0.0 in the imaginary part: √(-1) is i, not -i
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
    if op == "func" and node.value == "gamma":
        x = vals[0]
        if x.imag == 0 and not (x.real <= 0 and x.real.is_integer()) and x.real < 171:
            return complex(math.gamma(x.real))
        return None
    if op == "func":
        if node.value == "binom":
            n, k = vals
            if n.imag or k.imag or not (n.real.is_integer() and k.real.is_integer()):
                return None
            if not 0 <= n.real <= 10_000:
                return None
            return complex(math.comb(int(n.real), int(k.real))) if k.real >= 0 else 0j
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


SMALL_REL_TOLERANCE = 0.01  # for a reference below the absolute tolerance: 1 % of its size


def close_enough(gold: float, ans: float, tolerance: float | None) -> bool:
    """|gold − ans| ≤ tolerance (0.01 by default), or a relative error ≤ 1e-6 for large values.

    A reference smaller than 0.01 itself (`6.75 × 10^{-5}`) is compared relatively (1 %): the
    absolute rule would accept any small value for it.
    """
    tol = ABS_TOLERANCE if tolerance is None else abs(tolerance)
    diff = abs(gold - ans)
    if tolerance is None and 0 < abs(gold) < ABS_TOLERANCE:
        return diff <= SMALL_REL_TOLERANCE * abs(gold)
    return diff <= tol + 1e-12 or diff <= REL_TOLERANCE * abs(gold)


def infinity(node: Node) -> int | None:
    """+1 for ∞, −1 for −∞, 0 for a tree without ∞, None for ∞ inside an expression."""
    if node == Node("const", (), "oo"):
        return 1
    if node.op == "neg" and node.args[0] == Node("const", (), "oo"):
        return -1
    if node.op == "add" and node.args and node.args[0] == Node("const", (), "oo"):
        return None
    return None if _has_inf(node) else 0


def _has_inf(node: Node) -> bool:
    if node.op == "const":
        return node.value == "oo"
    return any(_has_inf(a) for a in node.args)


def huge(node: Node) -> bool:
    """True for a power tower too large for floating point (`10**10**10**10`, `9^{9^{9^9}}`)."""
    if node.op != "pow":
        return False
    base = approx(node.args[0])
    if base is None or base.imag != 0 or abs(base.real) <= 1.0001:
        return False
    exp = approx(node.args[1])
    if exp is None:
        return huge(node.args[1])
    return exp.imag == 0 and exp.real > HUGE_EXPONENT


def show(v: complex) -> str:
    """A complex value printed short: 0.785398, 1+2i."""
    if abs(v.imag) < 1e-12:
        real = float(f"{v.real:.6g}")
        return str(int(real)) if real.is_integer() and abs(real) < 1e15 else f"{real:.6g}"
    return f"{v.real:.6g}{v.imag:+.6g}i"


def quick_scalars(gold: Node, ans: Node, tolerance: float | None) -> tuple[bool | None, str]:
    """Decide two scalars without sympy when that is conclusive: same form, infinities, values.

    The 0.01 tolerance applies only when a side is a decimal approximation; two exact values
    (`63/400` and `64/400`) must agree to 12 digits.
    """
    if canon(gold) == canon(ans):
        return True, "same expression"
    gi, ai = infinity(gold), infinity(ans)
    if gi is None or ai is None:
        return None, "infinity inside an expression"
    if gi or ai:
        if gi and ai:
            return gi == ai, (
                "both " if gi == ai else ""
            ) + f"{'-' if gi < 0 else ''}∞ vs {'-' if ai < 0 else ''}∞"
        finite = approx(ans if gi else gold)
        if finite is not None:
            return False, "an infinity against a finite value"
        return None, "infinity against an expression"
    gv, av = approx(gold), approx(ans)
    if gv is None or av is None:
        if (gv is not None and huge(ans)) or (av is not None and huge(gold)):
            return False, "a value too large to write against a finite one"
        return None, "not a constant"
    tol = ABS_TOLERANCE if tolerance is None else abs(tolerance)
    if has_decimal(gold) or has_decimal(ans) or tolerance is not None:
        ok = close_enough(gv.real, av.real, tolerance) and close_enough(gv.imag, av.imag, tolerance)
        return ok, f"|{show(gv)}-{show(av)}| {'≤' if ok else '>'} {tol:g}"
    scale = max(abs(gv), abs(av))
    if scale < 1e-9:  # `2^{-100}` against `3^{-100}`: floating point cannot tell
        return None, "values too small to compare in floating point"
    if abs(gv - av) <= 1e-12 * scale:
        return True, f"both ≈ {show(gv)} (equal to 12 digits)"
    if abs(gv - av) > 1e-6 * scale:
        return False, f"{show(gv)} ≠ {show(av)} (exact values)"
    return None, "too close to tell in floating point"


def quick_relations(gold: Node, ans: Node) -> tuple[bool | None, str]:
    """Relations need sympy unless they are written the same way (checked before)."""
    if gold.value != ans.value and {gold.value, ans.value} <= {"=", "!="}:
        return False, f"relation {gold.value} vs {ans.value}"
    return None, "relations need sympy"
