"""Grading throughput per kind over realistic responses, and the worst case against the timeout.

A plain script, not a test: `python benches/bench_grading.py [--n N]`. Targets (SPEC §8 and
issue #10): ≥ 2,000 answers/s for choice and numeric kinds, ≥ 100/s for expressions (warm
worker); no grade exceeds its timeout by more than 0.5 s, multi-megabyte answers included.
Then the agreement and false fulls per answer family of issue 24 (Ponder, and Math-Verify
beside it when its bench venv exists). Exits 1 when a target is missed or a grade is a false
full.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

import grading_families as gf

from graders import extract_answer, grade
from graders.worker import POOL

TIME_LIMIT_S = 300  # `make bench` kills the bench after this
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


def bench_kind(name: str, n: int, seed: int = 7) -> tuple[float, float, float, Counter[str]]:
    rng = random.Random(seed)
    cases = [KINDS[name](rng) for _ in range(n)]
    verdicts: Counter[str] = Counter()
    worst = 0.0
    started = time.perf_counter()
    cpu_started = time.process_time()
    for answer, reference, question in cases:
        t0 = time.perf_counter()
        g = grade(answer=answer, reference=reference, question=question)
        worst = max(worst, time.perf_counter() - t0)
        verdicts[g.verdict] += 1
    return time.perf_counter() - started, time.process_time() - cpu_started, worst, verdicts


TARGETS = {
    "choice_single": 2000.0,
    "choice_multi": 2000.0,
    "integer": 2000.0,
    "numeric": 2000.0,
    "expression": 100.0,
}
TOWER = "9^{9^{9^{9}}}"
# (label, answer, reference, kind, timeout): pathological work and inputs that once made a regex
# or a loop quadratic (moved here from the fuzz test: a wall-clock bound belongs in a bench).
WORST = [
    ("integer tower 9^9^9^9", TOWER + " + 1", TOWER, "expression", 5.0),
    ("integer tower, timeout 1 s", TOWER + " + 2", TOWER, "expression", 1.0),
    ("right after a kill", "(x+1)^2", "x^2+2x+1", "expression", 5.0),
    ("0.5 MB of dots", "." * 500_000 + "x", "100", None, 1.0),
    ("0.4 MB of commas", ", " * 200_000 + "x", "A,D", None, 1.0),
    ("100k open boxes", "\\boxed{" * 100_000, "x^2", "expression", 1.0),
    ("0.5 MB of x and spaces", ("x" + " " * 5000) * 100, "x^2", "expression", 1.0),
    ("50k 'final answer:' lines", "final answer: (x+1 \n" * 50_000, "A,D", None, 1.0),
    ("1 MB answer tag of letters", "<answer>" + "A B C (D) x = 3 " * 60_000, "A,D", None, 1.0),
    ("0.5 MB of dollars", "$" * 500_000, "\\frac{1}{2}", None, 1.0),
    ("0.6 MB of braces", "{" * 300_000 + "}" * 300_000, "100", None, 1.0),
    ("20k 'or' in the reference", "pick", " or " * 20_000, None, 1.0),
    ("3.4 MB of 'the answer is 5'", "The answer is 5. " * 200_000, "5", None, 1.0),
    ("1.4 MB of boxes, numeric", "\\boxed{1} and " * 100_000, "1", None, 1.0),
    ("1.4 MB of boxes, expression", "\\boxed{1} and " * 100_000, "x", "expression", 1.0),
    ("1.8 MB list after Answer:", "Answer: " + "1, " * 600_000, "1", "expression", 1.0),
    ("2 MB of (A)", "(A) " * 500_000, "A", None, 1.0),
    ("2 MB of digits", "1" * 2_000_000, "5", None, 1.0),
    ("1.2 MB of nested fractions", "\\frac{" * 200_000, "0.5", None, 1.0),
    ("400 answers against 400", ", ".join(map(str, range(400))), "1, 2", "expression", 1.0),
]


def bench_timeouts() -> list[tuple[str, float, float, str]]:
    rows = []
    for label, answer, reference, kind, timeout in WORST:
        t0 = time.perf_counter()
        g = grade(answer=answer, reference=reference, kind=kind, timeout=timeout)
        rows.append((label, time.perf_counter() - t0, timeout, g.verdict))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="answers per kind (expression: n/3)")
    parser.add_argument(
        "--no-families", action="store_true", help="skip the agreement per answer family"
    )
    args = parser.parse_args()

    POOL.close()
    t0 = time.perf_counter()
    grade(answer="(x+1)^2", reference="x^2+2x+1", kind="expression")
    cold = time.perf_counter() - t0

    missed: list[str] = []
    print(
        f"{'kind':<14} {'answers':>7} {'seconds':>8} {'grades/s':>9} {'per cpu s':>9} "
        f"{'target':>7} {'worst ms':>9}  verdicts"
    )
    for name in KINDS:
        n = args.n if name != "expression" else max(1, args.n // 3)
        elapsed, cpu, worst, verdicts = bench_kind(name, n)
        counts = " ".join(f"{k}={v}" for k, v in sorted(verdicts.items()))
        rate = n / elapsed
        if rate < TARGETS[name]:
            missed.append(f"{name} {rate:.0f}/s < {TARGETS[name]:.0f}/s")
        print(
            f"{name:<14} {n:>7} {elapsed:>8.2f} {rate:>9.0f} {n / max(cpu, 1e-9):>9.0f} "
            f"{TARGETS[name]:>7.0f} "
            f"{worst * 1000:>9.1f}  {counts}"
        )
    print("(per cpu s: this process's CPU only, so a loaded machine changes it less;")
    print(" for expressions the sympy worker's CPU is not in it)")
    print(f"\nfirst expression grade with a cold sympy worker: {cold:.2f} s")
    print(f"\n{'worst case':<32} {'seconds':>8} {'timeout':>8} {'overrun':>8}  verdict")
    worst_overrun = 0.0
    POOL.close()  # no warm worker: its start-up counts against a tiny deadline
    t0 = time.perf_counter()
    g = grade(answer="(x-1)(x+1)", reference="x^2-1", kind="expression", timeout=0.05)
    cold_row = ("cold worker, timeout 0.05 s", time.perf_counter() - t0, 0.05, g.verdict)
    text = ("We consider (A) and (B); the value 3.5 is close. " * 20000) + "\nAnswer: C"
    t0 = time.perf_counter()
    extract_answer(text)
    extract_row = ("extract: 1 MB of reasoning", time.perf_counter() - t0, 2.0, "-")
    for label, elapsed, timeout, verdict in [*bench_timeouts(), cold_row, extract_row]:
        overrun = max(0.0, elapsed - timeout)
        worst_overrun = max(worst_overrun, elapsed - timeout)
        print(f"{label:<32} {elapsed:>8.2f} {timeout:>8.1f} {overrun:>8.2f}  {verdict}")
    print(f"\nworst grade vs its timeout: {worst_overrun:+.2f} s (target ≤ +0.5 s)")
    if worst_overrun > 0.5:
        missed.append(f"a grade overran its timeout by {worst_overrun:.2f} s")
    if not args.no_families:
        families = gf.family_cases()
        ponder = gf.ponder_scores(families)
        mv = gf.math_verify_scores(families) if gf.math_verify_available() else None
        print("\nagreement per answer family (issue 24's tables in tests/unit; Math-Verify when")
        print("benches/.mv-venv has it: make bench-mathverify):")
        gf.print_table(ponder, mv)
        false_full = sum(score.false_full for score in ponder.values())
        if false_full:
            missed.append(f"{false_full} false full grade(s) on the family tables")
    for m in missed:
        print(f"MISSED: {m}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
