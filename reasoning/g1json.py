"""Tolerant reading of g1's JSON steps and final answers, whole and while streaming."""

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


# What may dangle at the end of JSON cut mid-way: a comma, a key without its value, a number or
# literal cut short. Each is tried in turn before the open brackets are closed.
_DANGLING = (
    re.compile(r"[\s,:]*$"),
    re.compile(r',?\s*"(?:[^"\\]|\\.)*"\s*:?\s*$'),
    re.compile(r',?\s*"(?:[^"\\]|\\.)*"\s*:\s*[^\s,{}\[\]"]*$'),
)


def loads_partial(text: str) -> object | None:
    """JSON that may be cut anywhere (a model that ran into max_tokens): read as far as it
    goes, closing the open string and brackets. None when nothing can be read."""
    whole = _loads(text)
    if whole is not None:
        return whole
    closers: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            closers.append("}" if ch == "{" else "]")
        elif ch in "}]" and closers:
            closers.pop()
    if not closers:
        return None
    body = text[:-1] if escaped else text
    if in_string:
        body += '"'
    tail = "".join(reversed(closers))
    for dangling in _DANGLING:
        obj = _loads(dangling.sub("", body) + tail)
        if obj is not None:
            return obj
    return None


def readable(value: object) -> str:
    """A JSON value as text a person reads: strings as they are, lists as bullets, objects as
    `key: value` lines (small models put lists and objects where a string belongs)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list):
        items = [readable(v) for v in value]
        return "\n".join("- " + _indent(t) for t in items if t.strip())
    if isinstance(value, dict):
        lines = []
        for k, v in value.items():
            text = readable(v)
            if isinstance(v, list | dict) and text:
                lines.append(f"{k}:\n  " + _indent(text))
            else:
                lines.append(f"{k}: {_indent(text)}")
        return "\n".join(lines)
    return valid_text(str(value))


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _json_body(raw: str) -> str | None:
    """The JSON object a reply consists of (bare or in a code fence), else None."""
    text = raw.strip()
    if text.startswith("```") and (m := _FENCE.search(text)):
        text = m.group(1).strip()
    # Only an object: "[2, 5]" or "{1, 2}" is an answer (an interval, a set), not a wrapper.
    return text if text.startswith("{") else None


_STEP_KEYS = ("title", "content", "next_action", "confidence")


def find_key(obj: object, keys: tuple[str, ...]) -> object | None:
    """The value of the first of `keys` in a JSON object, looked for level by level into nested
    objects and lists (small models nest the step: `{"step": {"content": ...}}`)."""
    level = [obj]
    for _ in range(8):
        for key in keys:
            for node in level:
                value = node.get(key) if isinstance(node, dict) else None
                if value not in (None, "", [], {}) and not isinstance(value, bool):
                    return value
        level = [child for node in level for child in _children(node)]
        if not level:
            break
    return None


def _children(node: object) -> list[object]:
    items = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    return [c for c in items if isinstance(c, dict | list)]


ANSWER_KEYS = ("final_answer", "answer", "content", "response", "text", "result")


def _rest_of(obj: dict[str, object]) -> str:
    """An answer object without an answer field: what it says, less the step's bookkeeping."""
    said = {k: v for k, v in obj.items() if k not in ("next_action", "confidence")}
    if len(said) == 1:
        return readable(next(iter(said.values()))).strip()
    return readable(said).strip()


def answer_text(raw: str) -> tuple[str, bool]:
    """The text of a final answer, and whether it came wrapped in JSON. Models asked for plain
    text after a JSON conversation often answer `{"title": ..., "content": "144", ...}`, in a
    code fence, or cut short: the answer is the `final_answer`, `answer` or `content` field."""
    body = _json_body(raw)
    if body is None:
        return raw.strip(), False
    obj = loads_partial(body)
    if isinstance(obj, list) and obj and isinstance(obj[-1], dict):
        obj = obj[-1]
    if isinstance(obj, dict):
        text = readable(find_key(obj, ANSWER_KEYS)).strip() or _rest_of(obj)
        return (text, True) if text else (raw.strip(), False)
    if obj is not None:
        return readable(obj).strip() or raw.strip(), True
    for key in ANSWER_KEYS:  # not JSON enough to read: the fields one by one
        if m := re.search(_FIELD.format(name=key), body, re.DOTALL):
            text = _unescape(m.group(1)).strip()
            if text:
                return text, True
    return raw.strip(), False


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
    cut_short = False
    if obj is None and start != -1:
        obj = loads_partial(text[start:])  # cut at max_tokens, often inside a nested list
        cut_short = obj is not None
    if isinstance(obj, list) and obj and isinstance(obj[-1], dict):
        obj = obj[-1]
    if isinstance(obj, dict):
        content = readable(find_key(obj, ("content",)))
        if not content.strip():  # no content anywhere: whatever else the step says
            content = readable({k: v for k, v in obj.items() if k not in _STEP_KEYS})
        title = find_key(obj, ("title",))
        if title is not None and not isinstance(title, str):
            title = " ".join(readable(title).split())
        missing = [k for k in ("title", "content", "next_action") if k not in obj]
        return G1Step(
            title=valid_text(str(title)) if title else None,
            content=valid_text(content),
            next_action=_normalise_action(obj.get("next_action")),
            confidence=_confidence(obj.get("confidence")),
            ok=True,
            problem="JSON cut short: read as far as it goes"
            if cut_short
            else f"missing keys: {', '.join(missing)}"
            if missing
            else None,
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
_CONTENT_KEY = re.compile(r'"content"\s*:\s*(["\[{])')


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


# A step's text is held back while it may be the start of a JSON object whose "content" is yet
# to come; prose (the model writes no JSON) streams as it comes, and so does JSON with no
# "content" this far in: a step is never a blank header for minutes while its text streams.
HOLD_CHARS = 240


class ContentStreamer:
    """Pulls the decoded "content" string out of a JSON step while it streams; the raw text
    until a content field is readable (prose, a list or an object in its place, JSON without
    it): the finished step shows it readable."""

    def __init__(self, key: re.Pattern[str] = _CONTENT_KEY) -> None:
        self._key = key
        self._held = ""  # text before the content value was found
        self._state = "search"  # search | inside | raw | done
        self._escape = ""  # an escape sequence cut between deltas

    def _raw(self) -> str:
        self._state = "raw"
        held, self._held = self._held, ""
        return held

    def feed(self, delta: str) -> str:
        if self._state == "done":
            return ""
        if self._state == "raw":
            return delta
        if self._state == "search":
            self._held += delta
            start = self._held.lstrip()
            if not start:
                return ""
            if start[0] not in "{[`":
                return self._raw()
            m = self._key.search(self._held)
            if not m:
                return self._raw() if len(self._held) > HOLD_CHARS else ""
            if m.group(1) != '"':
                self._held = self._held[m.start(1) :]
                return self._raw()
            self._state = "inside"
            delta = self._held[m.end() :]
            self._held = ""
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


_ANSWER_KEY = re.compile('"(?:' + "|".join(ANSWER_KEYS) + r')"\s*:\s*(["\[{])')


class AnswerStreamer:
    """Streams a plain-text final answer as it comes, and one wrapped in JSON by its answer
    field (what `answer_text` will take), so the screen never shows the wrapper."""

    def __init__(self) -> None:
        self._held = ""
        self._json: ContentStreamer | None = None
        self._plain = False

    def feed(self, delta: str) -> str:
        if self._plain:
            return delta
        if self._json is not None:
            return self._json.feed(delta)
        self._held += delta
        start = self._held.lstrip()
        if not start:
            return ""
        held, self._held = self._held, ""
        if start[0] in "{`":
            self._json = ContentStreamer(_ANSWER_KEY)
            return self._json.feed(held)
        self._plain = True
        return held
