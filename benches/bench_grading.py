"""Grading throughput per kind over realistic responses, and the worst case against the timeout.

A plain script, not a test: `python benches/bench_grading.py [--n N]`. SPEC §8 targets:
≥ 200 answers/s for choice and numeric kinds; no grade exceeds its timeout by more than 0.5 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graders import extract_answer, grade
from graders.worker import POOL

FILLER = [
    "Let us consider option ({l}) first: it would need {a} units, which contradicts step {s}.",
    "Using the given data, {a} × {b} = {c}, so the intermediate value is {c}.",
    "<reflection>Checking the units again; the estimate {a}.{b} looks plausible.</reflection>",
    "<reward>0.{b}</reward>",
    "Option {l} can be ruled out because the sign of the result is wrong.",
    "Recall that $E = mc^2$ and $x^2 + {a}x + {b} = 0$ has two roots here.",
    "Step {s}: substitute $n = {a}$ into the recurrence and simplify to get {c}.",
]


def _cot(rng: random.Random, steps: int = 20) -> str:
    lines = ["<thinking>Plan: read the data, compute, check each option.</thinking>"]
    for s in range(1, steps + 1):
        a, b = rng.randint(2, 99), rng.randint(1, 9)
        line = rng.choice(FILLER).format(l=rng.choice("ABCD"), a=a, b=b, c=a * b, s=s)
        lines.append(f"<step>{line}</step>")
    return "\n".join(lines)


def _wrap(rng: random.Random, final: str) -> str:
    style = rng.randrange(5)
    body = _cot(rng)
    if style == 0:
        return f"{body}\n<answer>{final}</answer>\n<reflection>Consistent.</reflection>\n<reward>0.9</reward>"
    if style == 1:
        return f"{body}\nTherefore the answer is $\\boxed{{{final}}}$."
    if style == 2:
        return f"{body}\n\n**Final Answer:** {final}"
    if style == 3:
        return f"{body}\nAnswer: {final}"
    return f"{body}\nSo, the result is {final}."


def _choice_single(rng: random.Random) -> tuple[str, str, str | None]:
    gold = rng.choice("ABCD")
    said = gold if rng.random() < 0.6 else rng.choice("ABCD")
    form = rng.choice(["{}", "({})", "option {}", "{}) the second statement", "**({})**"])
    ref = rng.choice([gold, f"({gold.lower()})", f"Ans) {gold.lower()}"])
    return _wrap(rng, form.format(said)), ref, None


def _choice_multi(rng: random.Random) -> tuple[str, str, str | None]:
    gold = sorted(rng.sample("ABCD", rng.randint(2, 3)))
    roll = rng.random()
    if roll < 0.5:
        said = gold
    elif roll < 0.75:
        said = gold[: rng.randint(1, len(gold) - 1)]
    else:
        said = sorted(rng.sample("ABCD", rng.randint(1, 3)))
    joiner = rng.choice([", ", " and ", "", ", "])
    said_text = joiner.join(f"({c})" if rng.random() < 0.5 else c for c in said)
    ref = rng.choice([",".join(gold), ", ".join(gold) + ")", "".join(gold)])
    return _wrap(rng, said_text), ref, "Which of the following statement(s) is(are) correct?"


def _integer(rng: random.Random) -> tuple[str, str, str | None]:
    gold = rng.randint(1, 5000)
    said = gold if rng.random() < 0.6 else gold + rng.randint(1, 9)
    text = rng.choice([f"{said}", f"{said:,}", f"{said} J", f"x = {said}"])
    return _wrap(rng, text), str(gold), None


def _numeric(rng: random.Random) -> tuple[str, str, str | None]:
    gold = round(rng.uniform(0.001, 100), 3)
    said = gold + (rng.uniform(-0.005, 0.005) if rng.random() < 0.6 else rng.uniform(0.02, 5))
    text = rng.choice(
        [
            f"{said:.3f}",
            f"{said:.2e}",
            f"{said:.3f} kJ mol^{{-1}}",
            f"{said * 100:.1f}%",
            f"≈ {said:.2f}",
        ]
    )
    ref = rng.choice([f"{gold}", f"{gold:.4e}".replace("e", " × 10^{") + "}"])
    return _wrap(rng, text), ref, None


EXPRESSIONS = [
    # (reference, equal answer, different answer)
    (r"\frac{\pi}{4}", r"\pi/4", r"\frac{\pi}{3}"),
    (r"2\sqrt{3}", r"\sqrt{12}", r"3\sqrt{2}"),
    ("x^2+2x+1", "(x+1)^2", "(x+1)^3"),
    ("x^2-1", "(x-1)(x+1)", "(x-1)^2"),
    (r"\sin(2x)", r"2\sin x\cos x", r"\sin x \cos x"),
    (r"\{1, 2\}", r"\{2, 1\}", r"\{1, 3\}"),
    ("(0, 1]", "(0,1]", "[0, 1]"),
    ("y = 2x + 1", "2x - y + 1 = 0", "y = 2x - 1"),
    (r"\frac{1+\sqrt{5}}{2}", "1.618", "1.5"),
    (r"\frac{x}{x+1}", r"1 - \frac{1}{x+1}", r"\frac{1}{x+1}"),
]


def _expression(rng: random.Random) -> tuple[str, str, str | None]:
    ref, same, other = rng.choice(EXPRESSIONS)
    return _wrap(rng, same if rng.random() < 0.6 else other), ref, None


KINDS: dict[str, Callable[[random.Random], tuple[str, str, str | None]]] = {
    "choice_single": _choice_single,
    "choice_multi": _choice_multi,
    "integer": _integer,
    "numeric": _numeric,
    "expression": _expression,
}


def bench_kind(name: str, n: int, seed: int = 7) -> tuple[float, float, Counter[str]]:
    rng = random.Random(seed)
    cases = [KINDS[name](rng) for _ in range(n)]
    verdicts: Counter[str] = Counter()
    worst = 0.0
    started = time.perf_counter()
    for answer, reference, question in cases:
        t0 = time.perf_counter()
        g = grade(answer=answer, reference=reference, question=question)
        worst = max(worst, time.perf_counter() - t0)
        verdicts[g.verdict] += 1
    return time.perf_counter() - started, worst, verdicts


def bench_timeouts() -> list[tuple[str, float, float, str]]:
    tower = "9^{9^{9^{9}}}"
    rows = []
    for label, answer, reference, timeout in [
        ("integer tower 9^9^9^9", tower + " + 1", tower, 5.0),
        ("integer tower, timeout 1 s", tower + " + 2", tower, 1.0),
        ("right after a kill", "(x+1)^2", "x^2+2x+1", 5.0),
    ]:
        t0 = time.perf_counter()
        g = grade(answer=answer, reference=reference, kind="expression", timeout=timeout)
        rows.append((label, time.perf_counter() - t0, timeout, g.verdict))
    return rows


# Inputs that once made a regex or a loop quadratic (tests/test_graders_fuzz.py checks they end).
HUGE = [
    ("500k dots", "." * 500_000 + "x", "100", None),
    ("200k commas", ", " * 200_000 + "x", "A,D", None),
    ("100k \\boxed{", "\\boxed{" * 100_000, "x^2", "expression"),
    ("spaced x's", ("x" + " " * 5000) * 100, "x^2", "expression"),
    ("50k 'final answer:'", "final answer: (x+1 \n" * 50_000, "A,D", None),
    ("60k choices", "<answer>" + "A B C (D) x = 3 " * 60_000, "A,D", None),
    ("500k dollars", "$" * 500_000, "\\frac{1}{2}", None),
    ("300k braces", "{" * 300_000 + "}" * 300_000, "100", None),
    ("20k 'or' reference", "pick", " or " * 20_000, None),
]


def bench_huge(timeout: float = 1.0) -> list[tuple[str, float, float, str]]:
    """Megabyte inputs at a 1 s timeout: each must end within about the timeout."""
    rows = []
    for label, answer, reference, kind in HUGE:
        t0 = time.perf_counter()
        g = grade(answer=answer, reference=reference, kind=kind, timeout=timeout)
        rows.append((label, time.perf_counter() - t0, timeout, g.verdict))
    text = ("We consider (A) and (B); the value 3.5 is close. " * 20000) + "\nAnswer: C"
    t0 = time.perf_counter()
    extract_answer(text)
    rows.append(("extract: 1 MB of reasoning", time.perf_counter() - t0, 2.0, "-"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="answers per kind (expression: n/3)")
    args = parser.parse_args()

    POOL.close()
    t0 = time.perf_counter()
    grade(answer="(x+1)^2", reference="x^2+2x+1", kind="expression")
    cold = time.perf_counter() - t0

    print(f"{'kind':<14} {'answers':>7} {'seconds':>8} {'grades/s':>9} {'worst ms':>9}  verdicts")
    for name in KINDS:
        n = args.n if name != "expression" else max(1, args.n // 3)
        elapsed, worst, verdicts = bench_kind(name, n)
        counts = " ".join(f"{k}={v}" for k, v in sorted(verdicts.items()))
        print(
            f"{name:<14} {n:>7} {elapsed:>8.2f} {n / elapsed:>9.0f} {worst * 1000:>9.1f}  {counts}"
        )
    print(f"\nfirst expression grade with a cold sympy worker: {cold:.2f} s")
    print(f"\n{'pathological case':<30} {'seconds':>8} {'timeout':>8} {'overrun':>8}  verdict")
    POOL.close()
    t0 = time.perf_counter()
    g = grade(answer="(x-1)(x+1)", reference="x^2-1", kind="expression", timeout=0.05)
    cold_rows = [("cold worker, timeout 0.05 s", time.perf_counter() - t0, 0.05, g.verdict)]
    missed = 0
    for label, elapsed, timeout, verdict in [*bench_timeouts(), *cold_rows, *bench_huge()]:
        missed += elapsed > timeout + 0.5
        print(
            f"{label:<30} {elapsed:>8.2f} {timeout:>8.2f} {max(0.0, elapsed - timeout):>8.2f}  {verdict}"
        )
    if missed:
        print(f"!! {missed} case(s) overran their timeout by more than 0.5 s")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
