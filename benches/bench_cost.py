"""Input tokens per run, per paradigm, at 10 / 20 / 40 steps, with and without prompt caching.

The engine runs for real against the fake server (Anthropic protocol, which reports cache reads
and writes); token counts are the fake server's (about 4 characters a token). `dcot` sends the
problem once per segment; `dcot guided` once per reflection; `g1` re-sends the whole
conversation at every step, so its input grows with the square of the steps.
Run: .venv/bin/python benches/bench_cost.py
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

TIME_LIMIT_S = 300  # `make bench` kills the bench after this
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT / "benches"))

from benchkit import free_port  # noqa: E402
from fakellm import FakeLLM, Reply, last_user_text  # noqa: E402

from reasoning.engine import solve  # noqa: E402
from reasoning.events import RunFinished, RunSettings  # noqa: E402
from reasoning.providers import build_provider  # noqa: E402
from reasoning.providers.base import ProviderSpec  # noqa: E402

PROBLEM = (
    "A bag holds 5 red and 7 blue balls. Three are drawn without replacement. "
    "What is the probability that exactly two are red? Give the answer as a fraction."
)
STEP = "Count the favourable draws: choose 2 of the 5 red balls and 1 of the 7 blue ones, C(5,2)*C(7,1) = 70. "


def dcot_transcript(steps: int) -> str:
    parts = ["<thinking>Hypergeometric counting.</thinking>"]
    for i in range(1, steps + 1):
        parts.append(f"<step>{STEP}</step><count>{steps - i}</count>")
        if i % 3 == 0:
            parts.append("<reflection>Consistent so far.</reflection><reward>0.8</reward>")
    parts.append("<answer>7/22</answer><reflection>Checked.</reflection><reward>0.9</reward>")
    return "".join(parts)


def responder_for(paradigm: str, steps: int):
    transcript = dcot_transcript(steps)
    if paradigm == "dcot-guided":
        segments = iter(transcript.split("</reward>"))
        return lambda body: Reply(next(segments, "") + "</reward>")
    if paradigm == "dcot":
        return lambda body: Reply(transcript)
    count = {"n": 0}

    def g1(body):
        if "final answer now" in last_user_text(body):
            return Reply("Final answer: 7/22")
        count["n"] += 1
        action = "final_answer" if count["n"] >= steps else "continue"
        return Reply(
            json.dumps(
                {
                    "title": f"Step {count['n']}",
                    # Each step its own: the engine stops a run whose steps repeat themselves.
                    "content": f"Step {count['n']} of the count. {STEP}",
                    "next_action": action,
                    "confidence": 0.8,
                }
            )
        )

    return g1


def sonnet_provider(fake):
    """claude-sonnet-4-5 on the fake server's Anthropic endpoint: the model the figures are for."""
    spec = ProviderSpec(
        kind="anthropic",
        name="anthropic",
        model="claude-sonnet-4-5",
        base_url=fake.base_url_anthropic,
        api_key_env="ANTHROPIC_API_KEY",
    )
    return build_provider(spec)


async def measure(
    fake: FakeLLM, paradigm: str, steps: int, cache: bool
) -> tuple[int, int, int, int]:
    fake.responder = responder_for(paradigm, steps)
    provider = sonnet_provider(fake)
    settings = RunSettings(
        paradigm="g1" if paradigm == "g1" else "dcot",
        reinforce="guided" if paradigm == "dcot-guided" else "self",
        budget=max(steps, 20),
        min_steps=steps,
        max_steps=steps + 5,
        max_calls=200,
        prompt_cache=cache,
    )
    result = None
    async for ev in solve(PROBLEM, provider, settings):
        if isinstance(ev, RunFinished):
            result = ev.result
    await provider.aclose()
    assert result is not None and result.status == "done", result
    u = result.usage
    return u.input_tokens, u.cache_read_tokens, u.cache_write_tokens, result.calls


async def main() -> None:
    os.environ.setdefault("ANTHROPIC_API_KEY", "bench-key")
    print(
        f"{'paradigm':<12} {'steps':>5} {'cache':>5} {'calls':>5} {'input':>8} {'cache rd':>8} {'cache wr':>8} {'billed eq.':>10}"
    )
    with FakeLLM(port=free_port()) as fake:
        for paradigm in ("dcot", "dcot-guided", "g1"):
            for steps in (10, 20, 40):
                for cache in (False, True):
                    inp, rd, wr, calls = await measure(fake, paradigm, steps, cache)
                    # Anthropic bills cache reads at 0.1x and writes at 1.25x the input price.
                    billed = inp + 0.1 * rd + 1.25 * wr
                    print(
                        f"{paradigm:<12} {steps:>5} {'on' if cache else 'off':>5} {calls:>5} {inp:>8} {rd:>8} {wr:>8} {billed:>10.0f}"
                    )
    print("input = uncached input tokens; billed eq. = input-token equivalents after cache pricing")


if __name__ == "__main__":
    asyncio.run(main())
