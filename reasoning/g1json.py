"""Tolerant reading of g1's JSON steps, whole and while streaming."""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass

from reasoning.parse import parse_reward
from reasoning.text import valid_text

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)(?:```|$)", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_FIELD = r'"{name}"\s*:\s*"((?:[^"\\]|\\.)*)"?'
_ACTION_WORDS = {"final_answer": "final_answer", "final": "final_answer", "reflect": "reflect"}


@dataclass(frozen=True)
class G1Step:
    title: str | None
    content: str
    next_action: str  # continue | reflect | final_answer
    confidence: float | None
    ok: bool  # False when the JSON could not be read and the raw text was kept
    problem: str | None = None


def _normalise_action(value: object) -> str:
    text = re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())
    for word, action in _ACTION_WORDS.items():
        if text.startswith(word):
            return action
    return "continue"


def _loads(text: str) -> object | None:
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return json.loads(candidate, strict=False)  # strict=False: raw newlines in strings
        except (ValueError, RecursionError):
            continue
    return None


def _unescape(s: str) -> str:
    try:
        return valid_text(json.loads(f'"{s}"', strict=False))
    except ValueError:
        return s.replace('\\"', '"').replace("\\n", "\n")


def parse_g1_step(raw: str) -> G1Step:
    """Read one step: plain JSON, JSON in a code fence, trailing commas, missing keys, or fields
    found by pattern in broken JSON. Never raises; unreadable text is kept as the content."""
    text = raw.strip()
    if m := _FENCE.search(text):
        text = m.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    obj = _loads(text[start : end + 1]) if start != -1 and end > start else None
    if isinstance(obj, list) and obj and isinstance(obj[-1], dict):
        obj = obj[-1]
    if isinstance(obj, dict):
        content = obj.get("content")
        if not isinstance(content, str):
            content = json.dumps(content) if content is not None else ""
        title = obj.get("title")
        missing = [k for k in ("title", "content", "next_action") if k not in obj]
        return G1Step(
            title=valid_text(str(title)) if title is not None else None,
            content=valid_text(content),
            next_action=_normalise_action(obj.get("next_action")),
            confidence=_confidence(obj.get("confidence")),
            ok=True,
            problem=f"missing keys: {', '.join(missing)}" if missing else None,
        )
    # Broken JSON: pick the fields out one by one.
    fields = {}
    for name in ("title", "content", "next_action", "confidence"):
        if m := re.search(_FIELD.format(name=name), text, re.DOTALL):
            fields[name] = _unescape(m.group(1))
    if "content" in fields:
        conf = re.search(r'"confidence"\s*:\s*([0-9.]+)', text)
        return G1Step(
            title=fields.get("title"),
            content=fields["content"],
            next_action=_normalise_action(fields.get("next_action")),
            confidence=_confidence(conf.group(1) if conf else fields.get("confidence")),
            ok=True,
            problem="malformed JSON: fields recovered by pattern",
        )
    return G1Step(None, raw.strip(), "continue", None, ok=False, problem="unreadable JSON step")


def _confidence(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    return parse_reward(str(value))


_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_CONTENT_KEY = re.compile(r'"content"\s*:\s*"')


def _escape_start(rest: str) -> bool:
    """True when `rest` (shorter than an escape) may be the start of a `\\uXXXX` escape."""
    return "\\u".startswith(rest[:2]) and all(c in string.hexdigits for c in rest[2:])


def _low_surrogate(escape: str) -> int | None:
    """The code of a `\\uDC00`-`\\uDFFF` escape, else None."""
    if len(escape) != 6 or not escape.startswith("\\u"):
        return None
    try:
        code = int(escape[2:], 16)
    except ValueError:
        return None
    return code if 0xDC00 <= code < 0xE000 else None


class ContentStreamer:
    """Pulls the decoded "content" string out of a JSON step while it streams."""

    def __init__(self) -> None:
        self._seen = ""  # text before the content value was found
        self._state = "search"  # search | inside | done
        self._escape = ""  # an escape sequence cut between deltas

    def feed(self, delta: str) -> str:
        if self._state == "done":
            return ""
        if self._state == "search":
            self._seen += delta
            m = _CONTENT_KEY.search(self._seen)
            if not m:
                self._seen = self._seen[-64:]  # keep a tail in case the key is split
                return ""
            self._state = "inside"
            delta = self._seen[m.end() :]
            self._seen = ""
        out: list[str] = []
        text = self._escape + delta
        self._escape = ""
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                if i + 1 >= len(text):
                    self._escape = text[i:]
                    break
                nxt = text[i + 1]
                if nxt == "u":
                    if i + 6 > len(text):
                        self._escape = text[i:]
                        break
                    try:
                        code = int(text[i + 2 : i + 6], 16)
                    except ValueError:
                        out.append(text[i : i + 6])
                        i += 6
                        continue
                    if 0xD800 <= code < 0xDC00:  # a pair's first half: its second may follow
                        if i + 12 > len(text) and _escape_start(text[i + 6 :]):
                            self._escape = text[i:]
                            break
                        low = _low_surrogate(text[i + 6 : i + 12])
                        if low is not None:
                            out.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                            i += 12
                            continue
                    out.append("\ufffd" if 0xD800 <= code < 0xE000 else chr(code))
                    i += 6
                    continue
                out.append(_ESCAPES.get(nxt, nxt))
                i += 2
                continue
            if ch == '"':
                self._state = "done"
                break
            out.append(ch)
            i += 1
        return "".join(out)
