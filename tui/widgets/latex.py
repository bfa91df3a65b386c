"""LaTeX math in model text made readable in a terminal: `$…$`, `\\(…\\)`, `\\[…\\]`, `$$…$$`.

Math spans are converted with pylatexenc (plus Unicode super/subscripts) and escaped for
Markdown; a span that fails to convert stays raw. `MathStream` does the same incrementally,
holding back only an unclosed span, so streaming costs are linear in the text.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

# pylatexenc logs a warning per failed macro; on a TUI that would scribble over the screen.
logging.getLogger("pylatexenc").setLevel(logging.CRITICAL)

_SUPER = dict(
    zip(
        "0123456789+-=()nixyabcdefghjklmoprstuvwzT",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱˣʸᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷᶻᵀ",
        strict=True,
    )
)
_SUB = dict(zip("0123456789+-=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_MACRO_SPACE = re.compile(r"\\([A-Za-z]+)(\s+)")
_SCRIPT = re.compile(r"([_^])(?:\{([^{}]*)\}|([A-Za-z0-9]))")
# Characters that would otherwise start Markdown syntax in converted math.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~!])")
_MAX_INLINE = 400  # longer "inline math" is almost surely a stray `$`
_MAX_DISPLAY = 4000

_EXTRA_MACROS: tuple[tuple[str, str, str], ...] = (
    # name, argspec, replacement (with %s for each argument)
    ("binom", "{{", "C(%s, %s)"),
    ("dbinom", "{{", "C(%s, %s)"),
    ("tbinom", "{{", "C(%s, %s)"),
    ("implies", "", " ⟹ "),
    ("iff", "", " ⟺ "),
    ("impliedby", "", " ⟸ "),
    ("colon", "", ": "),
    ("boxed", "{", "[%s]"),
    ("operatorname", "{", "%s"),
    ("text", "{", "%s"),
    ("dfrac", "{{", "%s/%s"),
    ("tfrac", "{{", "%s/%s"),
    ("lfloor", "", "⌊"),
    ("rfloor", "", "⌋"),
    ("lceil", "", "⌈"),
    ("rceil", "", "⌉"),
    ("ldots", "", "…"),
    ("cdots", "", "⋯"),
    ("dots", "", "…"),
    ("quad", "", "  "),
    ("qquad", "", "    "),
    ("pmod", "{", " (mod %s)"),
    ("bmod", "", " mod "),
    ("mid", "", " | "),
    ("not", "", "¬"),
)


@lru_cache(maxsize=1)
def _converter() -> tuple[Any, dict[str, Any]]:
    """The pylatexenc converter and walker flags, built once (a few ms)."""
    from pylatexenc import latexwalker, macrospec
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    text_db = get_default_latex_context_db()
    text_db.add_context_category(
        "ponder",
        prepend=True,
        macros=[MacroTextSpec(name, simplify_repl=repl) for name, _, repl in _EXTRA_MACROS],
    )
    walker_db = latexwalker.get_default_latex_context_db()
    walker_db.add_context_category(
        "ponder",
        prepend=True,
        macros=[macrospec.MacroSpec(name, args) for name, args, _ in _EXTRA_MACROS],
    )
    converter = LatexNodes2Text(latex_context=text_db, math_mode="text", strict_latex_spaces=False)
    return converter, {"latex_context": walker_db, "tolerant_parsing": True}


@lru_cache(maxsize=512)
def _takes_no_args(macro: str) -> bool:
    _, flags = _converter()
    spec = flags["latex_context"].get_macro_spec(macro)
    if spec is None:  # unknown to the parser: parsed without arguments
        return True
    return not getattr(spec.args_parser, "argspec", "x")


def _keep_spaces(latex: str) -> str:
    """`a \\le b` keeps its spaces: LaTeX eats the space after a macro, a reader wants it."""
    return _MACRO_SPACE.sub(
        lambda m: (
            m.group(0) if not _takes_no_args(m.group(1)) else f"\\{m.group(1)}{{}}{m.group(2)}"
        ),
        latex,
    )


def _scripts(latex: str) -> str:
    """`x^2`, `a_{ij}` as Unicode super/subscripts where every character has one."""

    def repl(m: re.Match[str]) -> str:
        body = m.group(2) if m.group(2) is not None else m.group(3)
        table = _SUPER if m.group(1) == "^" else _SUB
        if body and all(ch in table for ch in body):
            # "{}" ends a preceding macro name: "\\sum{}ᵢ", not the unknown "\\sumᵢ".
            return "{}" + "".join(table[ch] for ch in body)
        if m.group(2) is not None and len(body) > 1:
            return f"{m.group(1)}({body})"
        return m.group(0)

    return _SCRIPT.sub(repl, latex)


@lru_cache(maxsize=4096)
def latex_to_text(latex: str) -> str | None:
    """One math span as readable Unicode text, or None if it does not convert."""
    try:
        converter, flags = _converter()
        text: str = converter.latex_to_text(_keep_spaces(_scripts(latex)), **flags)
    except Exception:  # pylatexenc raises many kinds on odd input; raw is the fallback
        return None
    if "%s" in text or (not text.strip() and latex.strip()):
        return None
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _escape_md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _code(source: str, display: bool) -> str:
    """Raw mode: the span verbatim, as code so Markdown leaves it alone."""
    if display:
        return f"\n\n```latex\n{source.strip()}\n```\n\n"
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", source)), default=0) + 1)
    pad = " " if source.startswith("`") or source.endswith("`") else ""
    return f"{ticks}{pad}{source}{pad}{ticks}"


def _convert_span(opener: str, body: str, closer: str, raw: bool = False) -> str:
    if raw:
        return _code(opener + body + closer, opener in ("$$", "\\["))
    text = latex_to_text(body)
    if text is None:
        return opener + body + closer
    if opener in ("$$", "\\["):
        return "\n\n" + _escape_md(text) + "\n\n"
    return _escape_md(text)


class MathStream:
    """Incremental math conversion: feed text, get back what is safe to show now.

    Code spans and fenced code pass through untouched. An unclosed math span is held back
    until its closer arrives, until it grows implausibly long, or (inline) until a newline.
    """

    def __init__(self, *, raw: bool = False) -> None:
        self.raw = raw  # show spans verbatim (as code) instead of converted
        self._held = ""  # not yet emitted: starts at an opener or an undecided tail
        self._fence: str | None = None  # the fence marker while inside fenced code
        self._line_start = True  # the held text (or the next text) starts a line

    def feed(self, text: str) -> str:
        """Add streamed text; return the converted text that can be shown now."""
        if not text:
            return ""
        return self._scan(self._held + text, final=False)

    def flush(self) -> str:
        """End of the text: emit what is held, converting spans that closed, raw otherwise."""
        held, self._held = self._held, ""
        return self._scan(held, final=True) if held else ""

    def _scan(self, buf: str, *, final: bool) -> str:
        self._held = ""
        out: list[str] = []
        i, n = 0, len(buf)

        def emit(upto: int) -> None:
            nonlocal i
            if upto > i:
                out.append(buf[i:upto])
                self._line_start = buf[upto - 1] == "\n"
            i = upto

        while i < n:
            if self._fence is not None:
                nl = buf.find("\n", i)
                line = (buf[i:] if nl < 0 else buf[i:nl]).strip()
                if nl < 0 and not final and self._line_start and line[:1] in ("", self._fence[0]):
                    break  # maybe a closing fence still arriving
                fence_char = self._fence[0]
                if self._line_start and line.startswith(self._fence) and not line.strip(fence_char):
                    self._fence = None
                emit(n if nl < 0 else nl + 1)
                continue
            m = _SPECIAL.search(buf, i)
            if m is None:
                emit(n)
                break
            emit(m.start())
            nxt = self._special(buf, i, final, out)
            if nxt is None:
                break  # undecided: hold from here
            if nxt > i:
                self._line_start = buf[nxt - 1] == "\n"
            i = nxt
        self._held = buf[i:]
        return "".join(out)

    def _special(self, buf: str, i: int, final: bool, out: list[str]) -> int | None:
        """Handle the special character at i; return the index after it, or None to wait."""
        n = len(buf)
        ch = buf[i]
        if ch in "`~":
            run = len(buf) - i - len(buf[i:].lstrip(ch))
            if i + run >= n and not final:
                return None
            if run >= 3 and self._line_start:
                nl = buf.find("\n", i)
                if nl < 0 and not final:
                    return None
                self._fence = ch * run
                end = n if nl < 0 else nl + 1
                out.append(buf[i:end])
                return end
            if ch == "`":
                close = _find_run(buf, "`", run, i + run)
                if close >= 0:
                    out.append(buf[i : close + run])
                    return close + run
                rest = buf[i + run :]
                # Unclosed for now: wait, unless it is a stray backtick (a line or a long
                # stretch without a closer), which must not hold the rest of the text back.
                if not final and "\n" not in rest and len(rest) <= _MAX_INLINE:
                    return None
            out.append(buf[i : i + run])
            return i + run
        if i + 1 >= n:
            if not final:
                return None
            out.append(ch)
            return n
        two = buf[i : i + 2]
        if ch == "\\":
            if two == "\\[":
                return self._math(buf, i, 2, "\\]", _MAX_DISPLAY, False, final, out)
            if two == "\\(":
                return self._math(buf, i, 2, "\\)", _MAX_INLINE, True, final, out)
            out.append(two)  # an escape such as \$ stays an escape
            return i + 2
        if two == "$$":
            return self._math(buf, i, 2, "$$", _MAX_DISPLAY, False, final, out)
        if buf[i + 1].isspace():
            out.append("$")
            return i + 1
        return self._math(buf, i, 1, "$", _MAX_INLINE, True, final, out)

    def _math(
        self,
        buf: str,
        i: int,
        olen: int,
        closer: str,
        limit: int,
        inline: bool,
        final: bool,
        out: list[str],
    ) -> int | None:
        start = i + olen
        j = start
        while (k := buf.find(closer, j)) >= 0:
            if closer == "$":
                if "$" in buf[start:k]:
                    k = -1  # a "$" inside: the opener was a stray dollar
                    break
                if buf[k - 1].isspace():
                    j = k + 1
                    continue
                if k + 1 >= len(buf) and not final:
                    return None  # a digit may follow: "$5 and $10"
                if k + 1 < len(buf) and buf[k + 1].isdigit():
                    j = k + 1
                    continue
            body = buf[start:k]
            if body.strip():
                out.append(_convert_span(buf[i:start], body, closer, self.raw))
                return k + len(closer)
            break
        tail = buf[start:]
        stray = closer == "$" and "$" in tail
        if final or stray or len(tail) > limit or "\n\n" in tail or (inline and "\n" in tail):
            out.append(buf[i:start])  # not math after all: the opener is plain text
            return start
        return None


_SPECIAL = re.compile(r"[`~$\\]")


def _find_run(text: str, ch: str, run: int, start: int) -> int:
    """Index of the next run of exactly `run` copies of ch at or after start, else -1."""
    pos = start
    while (k := text.find(ch * run, pos)) >= 0:
        end = k + run
        if (k == 0 or text[k - 1] != ch) and (end >= len(text) or text[end] != ch):
            return k
        pos = end
        while pos < len(text) and text[pos] == ch:
            pos += 1
    return -1


def render_math(text: str, *, raw: bool = False) -> str:
    """Convert every math span of a whole text (the non-streaming form of MathStream)."""
    stream = MathStream(raw=raw)
    return stream.feed(text) + stream.flush()
