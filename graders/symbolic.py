"""Expression answers: shapes and cheap checks in process, then sympy in a killable worker."""

from __future__ import annotations

import re
import time

from graders.extract import Candidate, candidates, clean, cut_off, math_texts, part_answers
from graders.mathparse import Node, ParseError, parse_math
from graders.mathtree import canon, quick_relations, quick_scalars
from graders.parsed import Parsed, Rules
from graders.result import Grade, Kind, needs_human
from graders.structure import equivalent

MAX_EXTRACTED = 500
MAX_SIBLINGS = 10


def _boxed_run(cand: Candidate, first: Node) -> Node:
    """`\\boxed{2} and \\boxed{3}`: every box of the run, as a list of answers."""
    items = [first]
    for sib in cand.siblings[:MAX_SIBLINGS]:
        try:
            items.append(parse_math(clean(sib)))
        except ParseError:
            return first
    flat: list[Node] = []
    for item in items:
        flat.extend(item.args if item.op == "list" else (item,))
    return Node("list", tuple(flat))


def parse_answer(answer: str, deadline: float | None = None) -> tuple[Node, str] | None:
    """The first candidate of a response that parses as math, with the text it came from."""
    for cand in candidates(answer):
        if deadline is not None and time.monotonic() > deadline:
            return None
        if cand.source == "last_line" and cut_off(cand.raw):
            continue  # a response cut off mid-thought has no final answer
        for text in math_texts(cand):
            try:
                node = parse_math(text)
            except ParseError:
                continue
            if cand.siblings and cand.source in ("boxed", "answer_tag"):
                node = _boxed_run(cand, node)
                if node.op == "list":
                    text = ", ".join([text, *(clean(s) for s in cand.siblings[:MAX_SIBLINGS])])
            return node, text
    return None


_ORDER = re.compile(
    r"\b(?:in\s+(?:increasing|decreasing|ascending|descending|that|this|the\s+same|the\s+given)"
    r"\s+order|in\s+order|respectively|ordered\s+(?:pair|triple|list|tuple)|arrange\w*"
    r"|the\s+order\s+of|sequence\s+of)\b",
    re.IGNORECASE,
)


def asks_for_order(question: str | None) -> bool:
    """True when the question asks for values in an order ("in increasing order", "respectively")."""
    return bool(question) and bool(_ORDER.search(question or ""))


def _parts(text: str) -> tuple[tuple[str, Node], ...]:
    """The boxed answers of the labelled parts of a response, as (text, tree); () if any does
    not parse."""
    found: list[tuple[str, Node]] = []
    for box in part_answers(text):
        try:
            found.append((clean(box), parse_math(clean(box))))
        except ParseError:
            return ()
    return tuple(found)


class ExpressionRule:
    """`expression`: LaTeX or plain math, compared by shape, value, then sympy."""

    kind: Kind = "expression"

    def parse(self, text: str, rules: Rules, *, reference: bool = False) -> Parsed:
        """A math tree from a reference or a whole response (a worked solution: its final answer)."""
        kind: Kind = "expression"
        if reference:
            try:
                return Parsed(kind, parse_math(text), " ".join(text.split()), "reference")
            except ParseError as exc:
                found = parse_answer(text, rules.deadline)
                if found is None:
                    return Parsed(kind, problem=f"could not parse the reference as math ({exc})")
                return Parsed(kind, found[0], " ".join(found[1].split()), "reference")
        found = parse_answer(text, rules.deadline)
        if found is None:
            if time.monotonic() > rules.deadline:
                return Parsed(
                    kind, problem=f"reading the answer timed out after {rules.timeout:g} s"
                )
            return Parsed(kind, problem="could not parse the answer as math")
        node, found_text = found
        return Parsed(
            kind, node, " ".join(found_text.split())[:MAX_EXTRACTED], "answer", parts=_parts(text)
        )

    def verify(self, gold: Parsed, answer: Parsed, rules: Rules) -> Grade:
        """Same shape and value in process when that decides it, else sympy under the deadline."""
        kind = "expression"
        if not isinstance(gold.value, Node):
            return needs_human(gold.problem or "the reference is not math", kind, answer.text)
        if answer.empty:
            return Grade(0.0, "zero", None, "empty answer", None, None, kind)
        if not isinstance(answer.value, Node):
            return needs_human(answer.problem or "could not parse the answer as math", kind)
        extracted = answer.text
        gold_node = gold.value
        if gold_node.op == "list" and asks_for_order(rules.question):
            gold_node = Node("tuple", gold_node.args, "()")  # "in increasing order": in order
        ok, why = same_math(gold_node, answer.value, rules)
        if ok is False and _in_degrees(answer, gold_node):  # 45° against π/4: one angle
            per_degree = Node("pow", (Node("num", (), "180"), Node("neg", (Node("num", (), "1"),))))
            radians = Node("mul", (answer.value, Node("const", (), "pi"), per_degree))
            if same_math(gold_node, radians, rules)[0]:
                return Grade(
                    1.0,
                    "full",
                    extracted,
                    f"{extracted} is {gold.text} in radians",
                    None,
                    None,
                    kind,
                )
        if ok is not True and _several_parts(gold_node, answer):
            texts = [t for t, _ in answer.parts]
            parts = Node("list", tuple(n for _, n in answer.parts))
            if gold_node.op == "tuple":
                parts = Node("tuple", parts.args, "()")
            ok_parts, why_parts = same_math(gold_node, parts, rules)
            if ok_parts:
                shown = "; ".join(texts)
                return Grade(
                    1.0, "full", shown, f"the answers of its parts: {why_parts}", None, None, kind
                )
        if ok is None:
            if why.startswith(_TIMED_OUT) or why.startswith(_WORKER):
                return needs_human(why.removeprefix(_WORKER), kind, extracted)
            return needs_human(f"{why}: {extracted} vs {gold.text}", kind, extracted)
        if ok and why == "same expression":
            why = f"{extracted} matches {gold.text} exactly"
        return Grade(1.0 if ok else 0.0, "full" if ok else "zero", extracted, why, None, None, kind)


_TIMED_OUT = "symbolic check timed out"
_WORKER = "worker: "


_DEGREE_MARK = re.compile(r"\^\s*\{?\s*\\circ|°|\\degree")


def _in_degrees(answer: Parsed, gold: Node) -> bool:
    """An angle in degrees (`45^\\circ`) against a reference in radians (a multiple of π)."""
    return (
        bool(answer.text and _DEGREE_MARK.search(answer.text))
        and isinstance(answer.value, Node)
        and answer.value.op in ("num", "mul", "neg", "add")
        and "pi" in canon(gold)
    )


def _several_parts(gold: Node, answer: Parsed) -> bool:
    """The reference lists k values and the answer's labelled parts give k boxed answers."""
    if gold.op not in ("list", "tuple") or len(answer.parts) != len(gold.args):
        return False
    value = answer.value
    return not (isinstance(value, Node) and value.op in ("list", "tuple", "set"))


def same_math(gold: Node, ans: Node, rules: Rules) -> tuple[bool | None, str]:
    """Whether two trees mean the same: cheap checks in process, then sympy in the worker under
    the deadline. A timeout or a worker failure is (None, why)."""
    ok, why = equivalent(gold, ans, rules.tolerance, quick_scalars, quick_relations)
    if ok is not None:
        return ok, why
    from graders.worker import POOL, WorkerFailed, WorkerTimeout

    if rules.deadline - time.monotonic() <= 0:
        return None, f"{_TIMED_OUT} after {rules.timeout:g} s"
    try:
        reply = POOL.call(("equiv", gold, ans, rules.tolerance), rules.deadline)
    except WorkerTimeout:
        return None, f"{_TIMED_OUT} after {rules.timeout:g} s"
    except WorkerFailed as exc:
        return None, f"{_WORKER}{exc}"
    if reply[0] != "ok":
        return None, f"{_WORKER}sympy failed: {reply[1]}"
    return reply[1], reply[2]
