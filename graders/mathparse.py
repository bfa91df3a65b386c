"""A small parser from LaTeX or plain math to a plain tree of Nodes, with no eval anywhere.

Why not sympy's parsers: `parse_expr` (and `sympify`) call `eval` on the text, and model text is
untrusted; `parse_latex` (lark backend, no eval) reads LaTeX only, so plain math such as
`sqrt(2)/2` becomes s·q·r·t·2/2, and answers come in both. This recursive-descent parser accepts a whitelist of tokens (numbers, single letters, Greek
letters, known function names, operators, brackets) and rejects everything else; the worker
process then builds sympy objects from the tree with sympy's constructors only (compare.py).
Parsing happens in the calling process: it is pure Python, linear and bounded in size, so the
cheap checks (exact structure, constant values) need no worker and no sympy import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 1000
MAX_DEPTH = 60


class ParseError(ValueError):
    """The text is not math this parser accepts."""


@dataclass(frozen=True)
class Node:
    """One node of a math tree: an operator name, its children and a literal value."""

    op: str  # num sym const add neg mul div pow func root abs fact rel list tuple set interval union pm
    args: tuple[Node, ...] = ()
    value: str = ""


FUNCTIONS = frozenset(
    {
        "sin",
        "cos",
        "tan",
        "cot",
        "sec",
        "csc",
        "arcsin",
        "arccos",
        "arctan",
        "asin",
        "acos",
        "atan",
        "sinh",
        "cosh",
        "tanh",
        "ln",
        "log",
        "exp",
        "sqrt",
        "abs",
        "lg",
    }
)
# Greek letters typed as themselves, and the names LaTeX (or plain text) gives them.
_GREEK_CHARS = dict(
    zip(
        "αβγδεζηθικλμνξρστυφχψωΓΔΘΛΞΣΦΨΩ",
        [
            "alpha",
            "beta",
            "gamma",
            "delta",
            "epsilon",
            "zeta",
            "eta",
            "theta",
            "iota",
            "kappa",
            "lambda",
            "mu",
            "nu",
            "xi",
            "rho",
            "sigma",
            "tau",
            "upsilon",
            "phi",
            "chi",
            "psi",
            "omega",
            "Gamma",
            "Delta",
            "Theta",
            "Lambda",
            "Xi",
            "Sigma",
            "Phi",
            "Psi",
            "Omega",
        ],
        strict=True,
    )
)
GREEK = frozenset({*_GREEK_CHARS.values(), "varepsilon", "vartheta", "varphi"})
CONSTANT_NAMES = {"pi": "pi", "infty": "oo", "infinity": "oo", "inf": "oo", "oo": "oo"}
PLAIN_NAMES = sorted(FUNCTIONS | set(CONSTANT_NAMES) | GREEK, key=len, reverse=True)
STOPWORDS = frozenset(
    {
        "is",
        "be",
        "as",
        "of",
        "if",
        "so",
        "at",
        "by",
        "to",
        "on",
        "we",
        "it",
        "an",
        "am",
        "do",
        "no",
        "up",
        "us",
        "he",
    }
)
_RELATIONS = {
    "=": "=",
    "<": "<",
    ">": ">",
    "<=": "<=",
    ">=": ">=",
    "le": "<=",
    "leq": "<=",
    "leqslant": "<=",
    "ge": ">=",
    "geq": ">=",
    "geqslant": ">=",
    "lt": "<",
    "gt": ">",
    "ne": "!=",
    "neq": "!=",
    "!=": "!=",
    "in": "in",
    "approx": "≈",
    "simeq": "≈",
    "equiv": "=",
}
_UNICODE = {
    "π": "\\pi ",
    "∞": "\\infty ",
    "√": "\\sqrt ",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "÷": "/",
    "−": "-",
    "–": "-",
    "≤": "\\le ",
    "≥": "\\ge ",
    "≠": "\\ne ",
    "∪": "\\cup ",
    "∩": "\\cap ",
    "±": "\\pm ",
    "∓": "\\mp ",
    "∈": "\\in ",
    "≈": "\\approx ",
    "∅": "\\emptyset ",
}
_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_DROP = re.compile(
    r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big|displaystyle|textstyle|limits|quad|qquad"
    r"|thinspace|medspace|thickspace|negthinspace|hfill)(?![A-Za-z])"
    r"|\\[,;:! ]|~|\$"
)
# A degree mark: dropped after a bare value (`45^\circ` is 45), radians inside `\sin(90^\circ - x)`
_DEGREE = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|\\degree(?![A-Za-z])|°")
# `\frac{\pi}{2}\,\text{rad}`, `5\text{ cm}`: a unit written after a value
_UNIT_TAIL = re.compile(
    r"(?<=[\w})])(?:\s|\\[,;:!])*\\(?:text|mathrm|mbox)\s*\{\s*[A-Za-z][A-Za-z ]*\}\s*$"
)
_LEADING_REL = re.compile(r"^\s*(?:=|\\approx(?![A-Za-z]))\s*")  # "= 5", "\approx 2.83"
_WRAP = re.compile(
    r"\\(?:text|mathrm|operatorname|mathit|textrm|mbox|mathbf|textbf)\s*\{([^{}]*)\}"
)
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+(?![\d.]))?|\.\d+)"
    r"|(?P<cmd>\\[A-Za-z]+|\\[{}|])"
    r"|(?P<word>[A-Za-z]+)"
    r"|(?P<op>\*\*|<=|>=|!=|[-+*/^_()\[\]{}|,;=<>!'&]))"
)


_BACKSLASH_RUN = re.compile(r"\\+")
_MATRIX = re.compile(
    r"\\begin\s*\{\s*(?:[pbvBV]?matrix|smallmatrix|array)\s*\}(?:\s*\{[^{}]*\})?(.*?)"
    r"\\end\s*\{\s*(?:[pbvBV]?matrix|smallmatrix|array)\s*\}",
    re.S,
)


def undouble(text: str) -> str:
    """Halve every backslash run when all are doubled (LaTeX that went through JSON twice)."""
    if "\\\\" not in text:
        return text
    runs = _BACKSLASH_RUN.findall(text)
    if any(len(r) % 2 for r in runs):
        return text
    return _BACKSLASH_RUN.sub(lambda m: "\\" * (len(m.group(0)) // 2), text)


def _matrix(m: re.Match[str]) -> str:
    body = re.sub(r"\\\\(?:\[[^\]]*\])?", " \\\\rowsep ", m.group(1).replace("\\hline", " "))
    return f" \\matrixopen {body} \\matrixclose "


def _prepare(text: str) -> str:
    s = undouble(text)
    if "\\begin" in s:
        s = _MATRIX.sub(_matrix, s)
    if "\\mathbb" in s:
        s = re.sub(r"\\mathbb\s*\{?\s*R\s*\}?", lambda _: " (-\\infty, \\infty) ", s)
    for ch, rep in _UNICODE.items():
        if ch in s:
            s = s.replace(ch, rep)
    for ch, name in _GREEK_CHARS.items():
        if ch in s:
            s = s.replace(ch, f"\\{name} ")
    if any(c in s for c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺"):
        s = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+", lambda m: "^{" + m.group(0).translate(_SUPER) + "}", s)
    s = _UNIT_TAIL.sub("", s)
    s = _WRAP.sub(
        lambda m: (
            f"\\{m.group(1).strip()} " if m.group(1).strip() in FUNCTIONS else f" {m.group(1)} "
        ),
        s,
    )
    if "," in s:  # `11,\\!111` and `1{,}000`: a comma that LaTeX marks as a thousands separator
        s = re.sub(r"(\d)(?:\{,\}|,\\!)\s*(?=\d{3}(?!\d))", r"\1", s)
    s = _DROP.sub(" ", s)
    if "circ" in s or "degree" in s or "°" in s:
        s = _DEGREE.sub(lambda _: " \\degreemark ", s)
    for old, new in (
        ("\\dfrac", "\\frac"),
        ("\\tfrac", "\\frac"),
        ("\\cfrac", "\\frac"),
        ("\\lbrace", "\\{"),
        ("\\rbrace", "\\}"),
        ("\\lvert", "|"),
        ("\\rvert", "|"),
        ("\\vert", "|"),
        ("\\mid", "|"),
        ("\\lbrack", "["),
        ("\\rbrack", "]"),
    ):
        s = s.replace(old, new)
    s = _LEADING_REL.sub("", s)
    return s.strip().rstrip(".").strip()


def _split_word(word: str) -> list[str]:
    """Split a run of letters into known names and single letters: "2pix" -> pi, x."""
    if word in FUNCTIONS or word in CONSTANT_NAMES or word in GREEK or word in ("or", "and"):
        return [word]
    if len(word) >= 3 or word.lower() in STOPWORDS:
        parts: list[str] = []
        i = 0
        while i < len(word):
            for name in PLAIN_NAMES:
                if word.startswith(name, i) and len(name) > 1:
                    parts.append(name)
                    i += len(name)
                    break
            else:
                parts.append(word[i])
                i += 1
        singles = sum(1 for p in parts if len(p) == 1)
        if word.lower() in STOPWORDS or singles >= 3:
            raise ParseError(f"prose, not math: {word!r}")
        return parts
    return list(word)


def tokenize(text: str) -> list[tuple[str, str]]:
    """Tokens of a math text as (kind, value); anything outside the whitelist is an error."""
    s = _prepare(text)
    if len(s) > MAX_LENGTH:
        raise ParseError(f"longer than {MAX_LENGTH} characters")
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m:
            if s[pos:].strip() == "":
                break
            raise ParseError(f"unexpected {s[pos : pos + 10]!r}")
        pos = m.end()
        if m.group("num") is not None:
            out.append(("num", m.group("num")))
        elif m.group("cmd") is not None:
            out.append(("cmd", m.group("cmd")[1:]))
        elif m.group("word") is not None:
            for part in _split_word(m.group("word")):
                out.append(("word", part))
        else:
            op = m.group("op")
            out.append(("op", "^" if op == "**" else op))
    if not out:
        raise ParseError("empty")
    return _join_thousands(out)


def _join_thousands(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`1 000 000` (spaces, thin spaces) is one number: integer groups of three digits."""
    out: list[tuple[str, str]] = []
    for tok in tokens:
        if (
            tok[0] == "num"
            and len(tok[1]) == 3
            and tok[1].isdigit()
            and out
            and out[-1][0] == "num"
            and out[-1][1].isdigit()
        ):
            out[-1] = ("num", out[-1][1] + tok[1])
            continue
        out.append(tok)
    return out


def _num(v: str) -> Node:
    return Node("num", (), v)


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def is_name(node: Node) -> bool:
    """A side that names a value rather than computing one: `x`, `f(x)`, `P(A)`, `(p, q)`."""
    if node.op == "sym":
        return True
    if node.op == "abs":  # `|AB| = 1`: a length named by its end points; `|x| = 2` is not
        inner = node.args[0]
        return inner.op == "mul" and all(a.op == "sym" and a.value.isupper() for a in inner.args)
    if node.op == "mul":
        return all(a.op == "sym" for a in node.args)
    if node.op == "tuple":
        return all(a.op == "sym" for a in node.args)
    return False


def chain(left: Node, parts: list[tuple[str, Node]]) -> Node:
    """A relation chain as one meaning.

    `a < x <= b` is x in (a, b]; `x = 5+5+1 = 11` is x = 11 (first left side, last right side);
    `2\\sqrt2 \\approx 2.83` is the exact value 2\\sqrt2 (an approximation is not an equation).
    """
    ops = [op for op, _ in parts]
    sides = [left, *(n for _, n in parts)]
    if len(parts) == 2 and ops[0] in (">", ">=") and ops[1] in (">", ">="):
        sides.reverse()
        ops = [_FLIP[ops[1]], _FLIP[ops[0]]]
    if len(sides) == 3 and ops[0] in ("<", "<=") and ops[1] in ("<", "<="):
        brackets = ("[" if ops[0] == "<=" else "(") + ("]" if ops[1] == "<=" else ")")
        return Node("rel", (sides[1], Node("interval", (sides[0], sides[2]), brackets)), "in")
    if all(op in ("=", "≈") for op in ops):
        if "≈" in ops:
            exact = sides[: ops.index("≈") + 1]
            values = [n for n in exact if not is_name(n)]
            # `x = 2\\sqrt2 ≈ 2.83`: the exact value; `x ≈ 2.83`: the approximation
            value = values[-1] if values else sides[-1]
        else:
            value = sides[-1]
        if is_name(sides[0]) and value is not sides[0]:
            return Node("rel", (sides[0], value), "=")
        if len(sides) > 2 or "≈" in ops:
            return value
        return Node("rel", (sides[0], sides[1]), "=")
    node = left
    for op, right in parts:
        node = Node("rel", (node, right), "=" if op == "≈" else op)
    return node


_TRIG = frozenset({"sin", "cos", "tan", "cot", "sec", "csc"})


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.i = 0
        self.depth = 0
        self.trig = 0  # inside the argument of a trigonometric function: degrees are angles

    # -- helpers
    def peek(self, k: int = 0) -> tuple[str, str] | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at(self, kind: str, *values: str) -> bool:
        t = self.peek()
        return t is not None and t[0] == kind and (not values or t[1] in values)

    def take(self) -> tuple[str, str]:
        t = self.peek()
        if t is None:
            raise ParseError("unexpected end")
        self.i += 1
        return t

    def expect(self, kind: str, value: str) -> None:
        t = self.take()
        if t != (kind, value):
            raise ParseError(f"expected {value!r}, got {t[1]!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError("nested too deeply")

    # -- grammar
    def parse(self) -> Node:
        node = self.seq()
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def _at_separator(self) -> bool:
        return self.at("op", ",", ";") or self.at("word", "or", "and")

    def seq(self) -> Node:
        items = [self.union()]
        joined_by_or = False
        while self._at_separator():
            separator = self.take()
            joined_by_or = joined_by_or or separator == ("word", "or")
            items.append(self.union())
        if len(items) == 1:
            return items[0]
        # "x = 0 or y = 0" is a disjunction; "a = 4, b = 5" may be a system: the list says which
        return Node("list", tuple(items), "or" if joined_by_or else "")

    def union(self) -> Node:
        items = [self.intersection()]
        while self.at("cmd", "cup"):
            self.take()
            items.append(self.intersection())
        return items[0] if len(items) == 1 else Node("union", tuple(items))

    def intersection(self) -> Node:
        items = [self.relation()]
        while self.at("cmd", "cap"):
            self.take()
            items.append(self.relation())
        return items[0] if len(items) == 1 else Node("intersection", tuple(items))

    def _relop(self) -> str | None:
        t = self.peek()
        if t is None:
            return None
        if t[0] == "op" and t[1] in ("=", "<", ">", "<=", ">=", "!="):
            return _RELATIONS[t[1]]
        if t[0] == "cmd" and t[1] in _RELATIONS:
            return _RELATIONS[t[1]]
        return None

    def relation(self) -> Node:
        left = self.expr()
        parts: list[tuple[str, Node]] = []
        while (op := self._relop()) is not None:
            self.take()
            parts.append((op, self.expr()))
        if not parts:
            return left
        return chain(left, parts)

    def expr(self) -> Node:
        self.enter()
        terms: list[Node] = []
        pm: list[tuple[str, Node]] = []
        sign = None
        if self.at("op", "+", "-") or self.at("cmd", "pm", "mp"):
            sign = self.take()[1]
        first = self.term()
        if sign == "-":
            first = Node("neg", (first,))
        elif sign in ("pm", "mp"):
            pm.append((sign, first))
            first = _num("0")
        terms.append(first)
        while self.at("op", "+", "-") or self.at("cmd", "pm", "mp"):
            op = self.take()[1]
            t = self.term()
            if op == "-":
                terms.append(Node("neg", (t,)))
            elif op in ("pm", "mp"):
                pm.append((op, t))
            else:
                terms.append(t)
        self.depth -= 1
        node = terms[0] if len(terms) == 1 else Node("add", tuple(terms))
        for op, t in pm:
            node = Node("pm", (node, t), op)
        return node

    def _starts_atom(self) -> bool:
        t = self.peek()
        if t is None:
            return False
        kind, v = t
        if kind in ("num", "word"):
            return v not in ("or", "and")
        if kind == "cmd":
            return v not in _RELATIONS and v not in (
                "matrixclose",
                "rowsep",
                "cup",
                "cap",
                "degreemark",
                "pm",
                "mp",
                "cdot",
                "times",
                "div",
                "}",
                "|",
            )
        return kind == "op" and v in ("(", "{")

    def term(self) -> Node:
        factors = [self.unary()]
        while True:
            if self.at("op", "*") or self.at("cmd", "cdot", "times"):
                self.take()
                factors.append(self.unary())
            elif self.at("op", "/") or self.at("cmd", "div"):
                self.take()
                factors.append(Node("pow", (self.unary(), Node("neg", (_num("1"),)))))
            elif self._starts_atom():
                if self.at("num") and factors[-1].op == "num":
                    mixed = self._mixed_number(factors[-1]) if len(factors) == 1 else None
                    if mixed is None:
                        raise ParseError("two numbers side by side")
                    factors[-1] = mixed
                    continue
                factors.append(self.power())
            else:
                break
        return factors[0] if len(factors) == 1 else Node("mul", tuple(factors))

    def unary(self) -> Node:
        if self.at("op", "-"):
            self.take()
            return Node("neg", (self.unary(),))
        if self.at("op", "+"):
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Node:
        self.enter()
        base = self.postfix()
        if self.at("op", "^"):
            self.take()
            base = Node("pow", (base, self.exponent()))
            while self.at("op", "!"):
                self.take()
                base = Node("fact", (base,))
        self.depth -= 1
        return base

    def exponent(self) -> Node:
        if self.at("op", "{"):
            return self.group()
        if self.at("op", "-"):
            self.take()
            return Node("neg", (self.exponent(),))
        if self.at("op", "+"):
            self.take()
        return self.power()

    def postfix(self) -> Node:
        node = self.atom()
        while self.at("op", "!"):
            self.take()
            node = Node("fact", (node,))
        if self.at("cmd", "degreemark"):
            self.take()
            if self.trig:  # `\sin(90^\circ - x)`: 90° is π/2
                per_degree = Node("pow", (_num("180"), Node("neg", (_num("1"),))))
                return Node("mul", (node, Node("const", (), "pi"), per_degree))
        return node

    def group(self) -> Node:
        """A LaTeX argument: `{…}`, or a single token (`\\frac12`)."""
        if self.at("op", "{"):
            self.take()
            node = self.seq()
            self.expect("op", "}")
            return node
        t = self.peek()
        if t is not None and t[0] == "num" and len(t[1]) > 1 and t[1].isdigit():
            self.toks[self.i] = ("num", t[1][1:])
            return _num(t[1][0])
        return self.postfix()

    def _subscript(self) -> str:
        if not self.at("op", "_"):
            return ""
        self.take()
        if self.at("op", "{"):
            self.take()
            parts = []
            while not self.at("op", "}"):
                parts.append(self.take()[1])
                if len(parts) > 20:
                    raise ParseError("subscript too long")
            self.take()
            return "_" + "".join(parts)
        return "_" + self.take()[1]

    def func(self, name: str) -> Node:
        name = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "lg": "log"}.get(name, name)
        if name == "sqrt":
            index = None
            if self.at("op", "["):
                self.take()
                index = self.expr()
                self.expect("op", "]")
            arg = self.group() if self.at("op", "{") else self.func_arg()
            return (
                Node("root", (arg, index)) if index is not None else Node("root", (arg, _num("2")))
            )
        power = None
        base = None
        for _ in range(2):
            if self.at("op", "^"):
                self.take()
                power = self.exponent()
            elif self.at("op", "_") and name == "log":
                self.take()
                base = self.group()
        trig = name in _TRIG
        self.trig += trig
        arg = self.func_arg()
        self.trig -= trig
        if name == "abs":
            node = Node("abs", (arg,))
        elif name == "log" and base is not None:
            node = Node("func", (arg, base), "log")
        else:
            node = Node("func", (arg,), "log" if name == "ln" else name)
        if power is not None:
            if power == Node("neg", (_num("1"),)) and name in ("sin", "cos", "tan"):
                return Node("func", (arg,), "arc" + name)
            node = Node("pow", (node, power))
        return node

    def func_arg(self) -> Node:
        if self.at("op", "("):
            self.take()
            node = self.seq()
            self.expect("op", ")")
            return node
        if self.at("op", "{"):
            return self.group()
        # \sin 2x: a product of plain factors, stopping at the next function or operator.
        factors = [self.power()]
        while True:
            t = self.peek()
            if (
                t is None
                or t[0] not in ("num", "word")
                or t[1] in FUNCTIONS
                or t[1] in ("or", "and")
            ):
                break
            factors.append(self.power())
        return factors[0] if len(factors) == 1 else Node("mul", tuple(factors))

    def bracketed(self, opener: str) -> Node:
        self.take()
        if (opener == "(" and self.at("op", ")")) or (opener == "\\{" and self.at("cmd", "}")):
            self.take()
            return Node("tuple" if opener == "(" else "set", ())
        inner = self.seq()
        if opener == "\\{":
            self.expect("cmd", "}")
            return Node("set", inner.args if inner.op == "list" else (inner,))
        if opener == "{":
            self.expect("op", "}")
            return Node("set", inner.args) if inner.op == "list" else inner
        close = self.take()
        if close not in (("op", ")"), ("op", "]")):
            raise ParseError(f"expected a closing bracket, got {close[1]!r}")
        items = inner.args if inner.op == "list" else (inner,)
        if len(items) == 1:
            if opener + close[1] in ("()", "[]"):
                return inner
            raise ParseError("mismatched brackets")
        if len(items) == 2 and (opener == "[" or close[1] == "]"):
            return Node("interval", items, opener + close[1])
        return Node("tuple", items, opener + close[1])

    def _mixed_number(self, whole: Node) -> Node | None:
        """`1 1/2` is one and a half: an integer, then a proper fraction of integers."""
        toks = self.toks[self.i : self.i + 3]
        if (
            whole.value.isdigit()
            and len(toks) == 3
            and toks[1] == ("op", "/")
            and toks[0][1].isdigit()
            and toks[2][0] == "num"
            and toks[2][1].isdigit()
            and 0 < int(toks[0][1]) < int(toks[2][1])
            and (self.i + 3 == len(self.toks) or self.toks[self.i + 3][1] in (",", ";", ")", "}"))
        ):
            self.i += 3
            frac = Node("mul", (_num(toks[0][1]), Node("pow", (_num(toks[2][1]), _num("-1")))))
            return Node("add", (whole, frac))
        return None

    def _mixed_fraction(self, whole: str) -> Node | None:
        """`2\\frac12` is two and a half when both parts of the fraction are integers."""
        start = self.i
        self.take()
        try:
            num, den = self.group(), self.group()
        except ParseError:
            num = den = Node("sym")
        if num.op == "num" and den.op == "num" and num.value.isdigit() and den.value.isdigit():
            frac = Node("mul", (num, Node("pow", (den, Node("neg", (_num("1"),))))))
            return Node("add", (_num(whole), frac))
        self.i = start
        return None

    def matrix(self) -> Node:
        """Rows of `&`-separated cells up to the matching `\\end`: a matrix node of row nodes."""
        rows: list[Node] = []
        cells: list[Node] = []
        while True:
            if self.at("cmd", "matrixclose"):
                self.take()
                break
            if self.at("cmd", "rowsep"):
                self.take()
                if cells:
                    rows.append(Node("row", tuple(cells)))
                cells = []
                continue
            if self.at("op", "&"):
                self.take()
                continue
            cells.append(self.expr())
            if not (self.at("op", "&") or self.at("cmd", "rowsep", "matrixclose")):
                raise ParseError("a matrix cell is not one value")
        if cells:
            rows.append(Node("row", tuple(cells)))
        if not rows or len({len(r.args) for r in rows}) != 1:
            raise ParseError("a matrix with ragged rows")
        return Node("matrix", tuple(rows))

    def atom(self) -> Node:
        t = self.peek()
        if t is None:
            raise ParseError("unexpected end")
        kind, v = t
        if kind == "num":
            self.take()
            if v.isdigit() and self.at("cmd", "frac"):
                mixed = self._mixed_fraction(v)
                if mixed is not None:
                    return mixed
            return _num(v)
        if kind == "op":
            if v in ("(", "["):
                return self.bracketed(v)
            if v == "{":
                return self.bracketed("{")
            if v == "|":
                self.take()
                inner = self.expr()
                self.expect("op", "|")
                return Node("abs", (inner,))
            raise ParseError(f"unexpected {v!r}")
        if kind == "cmd":
            if v == "{":
                return self.bracketed("\\{")
            self.take()
            if v == "matrixopen":
                return self.matrix()
            if v == "frac":
                num = self.group()
                den = self.group()
                return Node("mul", (num, Node("pow", (den, Node("neg", (_num("1"),))))))
            if v in ("binom", "dbinom", "tbinom", "choose"):
                n = self.group()
                return Node("func", (n, self.group()), "binom")
            if v in ("emptyset", "varnothing"):
                return Node("set", ())
            if v in CONSTANT_NAMES:
                return Node("const", (), CONSTANT_NAMES[v])
            if v in FUNCTIONS:
                return self.func(v)
            if v == "Gamma" and self.at("op", "("):
                return Node("func", (self.func_arg(),), "gamma")  # Γ(5) = 4!
            if v in GREEK:
                return Node("sym", (), v + self._subscript())
            raise ParseError(f"unknown command \\{v}")
        # a word: one letter, or a known name
        self.take()
        if v in FUNCTIONS:
            return self.func(v)
        if v in CONSTANT_NAMES:
            return Node("const", (), CONSTANT_NAMES[v])
        if v in GREEK:
            return Node("sym", (), v + self._subscript())
        if v == "e" and not self.at("op", "_"):
            return Node("const", (), "E")
        if v == "i" and not self.at("op", "_"):
            return Node("const", (), "I")
        if len(v) != 1:
            raise ParseError(f"unknown name {v!r}")
        return Node("sym", (), v + self._subscript())


def parse_math(text: str) -> Node:
    """Parse LaTeX or plain math into a Node tree; raise ParseError when it is not math."""
    try:
        return _Parser(tokenize(text)).parse()
    except RecursionError as exc:
        raise ParseError("nested too deeply") from exc
