"""The Solve screen: streaming steps and rewards, cancel, switching settings, stored runs, safety."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from tui_helpers import FAKE_SPEC, SIZE, fixed_app, screen_segments, screen_text, wait_for

from reasoning.events import (
    Event,
    Notice,
    RunFinished,
    RunResult,
    RunSettings,
    RunStarted,
    Step,
    StepFinished,
    StepStarted,
    TextDelta,
    Usage,
    UsageUpdate,
)
from tui.app import PonderApp, ProviderState
from tui.screens.solve import SolveScreen
from tui.widgets.latex import MathStream, latex_to_text, render_math
from tui.widgets.prompt_box import PromptBox
from tui.widgets.reward_curve import RewardCurve
from tui.widgets.sidebar import Sidebar
from tui.widgets.step_block import StepBlock
from tui.widgets.step_list import StepList

# ---- helpers --------------------------------------------------------------------------------


def solve_screen(app: PonderApp) -> SolveScreen:
    screen = app.screen
    assert isinstance(screen, SolveScreen)
    return screen


async def settle(pilot: Pilot[Any], timeout: float = 5.0) -> None:
    """Wait until every finished step block has its final text on screen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause()
        blocks = list(pilot.app.screen.query(StepBlock))
        if all(b.settled or not b.finished for b in blocks):
            await pilot.pause()
            return
        await asyncio.sleep(0.02)
    raise AssertionError("step blocks did not settle")


def step(index: int, kind: Any, content: str, **kw: Any) -> Step:
    return Step(index=index, kind=kind, content=content, **kw)


def run_events(
    prompt: str,
    steps: Iterable[Step],
    *,
    status: str = "done",
    answer: str | None = None,
    final_reward: float | None = None,
    chunk: int = 5,
    finish: bool = True,
) -> list[Event]:
    """The events an engine run would emit for these steps, text streamed in small deltas."""
    settings = RunSettings()
    events: list[Event] = [RunStarted("dcot", "openai", "fake-model", None, prompt, settings)]
    done: list[Step] = []
    for s in steps:
        events.append(StepStarted(s.index, s.kind))
        events += [
            TextDelta(s.index, s.content[i : i + chunk]) for i in range(0, len(s.content), chunk)
        ]
        events.append(StepFinished(s))
        done.append(s)
    events.append(UsageUpdate(Usage(1200, 850, 300), 2, None))
    if finish:
        result = RunResult(
            status=status,  # type: ignore[arg-type]
            stop_reason="answer" if answer is not None else "no_answer",
            answer=answer,
            final_reward=final_reward,
            steps=tuple(done),
            usage=Usage(1200, 850, 300),
            calls=2,
            cost_usd=None,
            elapsed_s=12.5,
        )
        events.append(RunFinished(result))
    return events


PROBLEM = r"Find $x$ if $\frac{x}{2} + 3 = 7$."

GOOD_RUN = [
    step(1, "thinking", "Isolate $x$: subtract 3, then double."),
    step(2, "step", "**Subtract 3**\n$\\frac{x}{2} = 4$", title="Subtract 3", budget_left=19),
    step(3, "reflection", "Correct so far.", reward=0.9),
    step(4, "step", "**Double**\n$x = 8$", title="Double", budget_left=18),
    step(5, "reflection", "The algebra is right but I skipped a check.", reward=0.6),
    step(6, "answer", "$x = 8$"),
    step(7, "final_reflection", "Checked: $8/2 + 3 = 7$.", reward=0.95),
]

BACKTRACK_RUN = [
    step(1, "step", "**Guess**\nTry $x = 2$.", title="Guess", budget_left=19),
    step(2, "step", "**Check the guess**\n$2/2 + 3 = 4 \\neq 7$", title="Check", budget_left=18),
    step(
        3,
        "reflection",
        "Guessing does not work: backtrack and solve it properly.",
        reward=0.3,
        backtrack=True,
    ),
    step(4, "step", "**Solve**\n$x = 2(7 - 3) = 8$", title="Solve", budget_left=17),
    step(5, "reflection", "Now it is exact.", reward=0.85),
    step(6, "answer", "8"),
    step(7, "final_reflection", "One wasted guess.", reward=0.8),
]


async def feed(app: PonderApp, events: Iterable[Event], prompt: str = PROBLEM) -> SolveScreen:
    screen = solve_screen(app)
    screen.begin_run(prompt, RunSettings())
    for event in events:
        screen.feed(event)
        await asyncio.sleep(0)
    return screen


# ---- LaTeX made readable ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "readable"),
    [
        (r"\frac{a}{b}", "a/b"),
        (r"x^2 + y_1", "x² + y₁"),
        (r"\sum_{i=1}^n i", "∑ᵢ₌₁ⁿ i"),
        (r"\alpha \le \beta", "α ≤ β"),
        (r"\sqrt{2}", "√(2)"),
        (r"\binom{n}{k}", "C(n, k)"),
        (r"\mathbb{R}", "ℝ"),
    ],
)
def test_latex_span_becomes_readable(latex: str, readable: str) -> None:
    assert latex_to_text(latex) == readable


def test_latex_that_does_not_convert_stays_raw() -> None:
    assert latex_to_text(r"\frac{") is None
    assert render_math(r"bad $\frac{$ here") == r"bad $\frac{$ here"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (r"so $x^2$ and \(\pi\)", "so x² and π"),
        ("costs $5 and $10", "costs $5 and $10"),
        ("code `$x$` stays", "code `$x$` stays"),
        ("```\n$x$\n```\nthen $y$", "```\n$x$\n```\nthen y"),
        (r"escaped \$ and $a_1$", r"escaped \$ and a₁"),
    ],
)
def test_math_spans_convert_outside_code(text: str, shown: str) -> None:
    assert render_math(text) == shown


def test_math_stream_gives_the_same_text_however_it_is_chunked() -> None:
    text = (
        "Let $f(x) = x^2$.\n```python\nprint('$a$')\n```\n"
        r"Then \[ \int_0^1 f = \frac{1}{3} \] and $5 costs $\alpha$."
    )
    whole = render_math(text)
    for seed in range(50):
        rnd = random.Random(seed)
        stream, out, i = MathStream(), [], 0
        while i < len(text):
            k = rnd.randint(1, 9)
            out.append(stream.feed(text[i : i + k]))
            i += k
        out.append(stream.flush())
        assert "".join(out) == whole


def test_raw_math_mode_shows_latex_verbatim_as_code() -> None:
    assert render_math(r"so $x_1$ ok", raw=True) == "so `$x_1$` ok"


# ---- the screen, driven by engine events ------------------------------------------------------


async def test_empty_screen_shows_settings_and_prompt_box() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        # A first-time user reads how to pick a model, a provider and a paradigm.
        assert "F2 picks the model, F3 the provider" in text
        assert "Ctrl+T the paradigm" in text
        assert "paradigm dcot" in text
        assert "provider openai" in text
        assert "model fake-model" in text
        assert "budget 20" in text
        assert "reinforce self" in text
        assert isinstance(app.focused, PromptBox)


async def test_steps_stream_in_with_reward_badges_by_band() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await feed(app, run_events(PROBLEM, GOOD_RUN, answer="$x = 8$", final_reward=0.95))
        await settle(pilot)
        blocks = {b.index: b for b in app.screen.query(StepBlock)}
        assert sorted(blocks) == [1, 2, 3, 4, 5, 6, 7]
        band = {i: b.header.band for i, b in blocks.items()}
        assert band[3] == "continue"
        assert band[5] == "adjust"
        assert band[7] == "continue"
        assert band[2] is None  # a step without a reward has no badge
        assert blocks[6].has_class("-answer")
        text = screen_text(app)
        assert "Step 1 · Subtract 3" in text
        assert "◆ 0.90" in text and "◆ 0.60" in text
        assert "x = 8" in text  # math made readable: no "$"
        assert "8/2 + 3 = 7" in text
        assert "✓ done" in text
        assert screen.state == "done"
        assert app.screen.query_one(RewardCurve).rewards == (0.9, 0.6, 0.95)
        assert app.screen.query_one(StepList).option_count == 7


async def test_low_reward_backtrack_is_marked_and_red() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(app, run_events(PROBLEM, BACKTRACK_RUN, answer="8", final_reward=0.8))
        await settle(pilot)
        blocks = {b.index: b for b in app.screen.query(StepBlock)}
        assert blocks[3].has_class("-backtrack")
        assert blocks[3].header.band == "backtrack"
        assert blocks[1].has_class("-abandoned") and blocks[2].has_class("-abandoned")
        assert not blocks[4].has_class("-abandoned")
        assert "↩ backtrack" in screen_text(app)


async def test_text_streams_before_the_step_finishes() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = solve_screen(app)
        screen.begin_run("p", RunSettings())
        screen.feed(RunStarted("dcot", "openai", "fake-model", None, "p", RunSettings()))
        screen.feed(StepStarted(1, "step"))
        screen.feed(TextDelta(1, "Half of the work "))
        screen.feed(TextDelta(1, "is visible already."))
        await wait_for(pilot, lambda: "Half of the work is visible already." in screen_text(app))
        assert not app.screen.query_one(StepBlock).finished


async def test_markup_and_escape_sequences_in_model_text_are_shown_as_text() -> None:
    evil = (
        "[bold]bold?[/bold] [/ [@click=app.quit]x[/] [link=file:///etc/passwd]pw[/link] "
        "\x1b[31mred\x1b[0m \x1b]8;;http://evil.example/\x07osc8\x1b]8;;\x07 "
        "\x1b]52;c;ZXZpbA==\x07clip [md](file:///etc/passwd)"
    )
    app = fixed_app()
    opened: list[str] = []
    app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        run = [step(1, "step", evil, title="[bold]T[/bold] \x1b[2J"), step(2, "answer", evil)]
        await feed(app, run_events("[red]prompt[/red]", run, answer=evil), prompt="[red]p[/red]")
        await settle(pilot)
        text = screen_text(app)
        assert "[bold]bold?[/bold]" in text
        assert "[@click=app.quit]x[/]" in text
        assert "[link=file:///etc/passwd]pw[/link]" in text
        assert "[red]p[/red]" in text
        assert "Step 1 · [bold]T[/bold]" in text
        chat = app.screen.query_one("#chat")
        for segment in screen_segments(app):
            if segment.control:  # Textual's own cursor moves
                continue
            assert "\x1b" not in segment.text and "\x07" not in segment.text
        # Nothing model-written carries an action: a click on a link does nothing.
        for block in app.screen.query(StepBlock):
            for y in range(block.body.size.height):
                for segment in block.body.render_line(y):
                    meta = segment.style.meta if segment.style else {}
                    assert "@click" not in meta
        await pilot.click(chat, offset=(10, 10))
        await pilot.pause()
        assert opened == []
        assert app.is_running


async def test_esc_cancels_a_hand_fed_run_and_keeps_the_partial_text() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = solve_screen(app)
        events = run_events(PROBLEM, GOOD_RUN[:2], finish=False)[:-1]
        events.append(StepStarted(3, "reflection"))
        events.append(TextDelta(3, "Halfway through a reflec"))
        await feed(app, events)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.state == "cancelled"
        block = {b.index: b for b in app.screen.query(StepBlock)}[3]
        assert block.has_class("-stopped")
        text = screen_text(app)
        assert "Halfway through a reflec" in text
        assert "■ cancelled" in text


async def test_notice_and_failure_are_notified_not_crashed() -> None:
    app = fixed_app()
    notes: list[tuple[str, str]] = []
    app.notify = lambda message, **kw: notes.append((message, kw.get("severity", "")))  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        events = run_events(PROBLEM, GOOD_RUN[:1], status="failed")
        result = events[-1].result  # type: ignore[union-attr]
        failed = RunResult(**{**result.__dict__, "error": "HTTP 500 from the provider"})
        events[-1] = RunFinished(failed)
        events.insert(2, Notice("could not read the reward '[b]?'"))
        await feed(app, events)
        await settle(pilot)
        # An engine notice stays in the transcript where it happened; a failure is notified.
        assert "⚠ could not read the reward '[b]?'" in screen_text(app)
        assert not any("could not read" in message for message, _ in notes)
        assert ("HTTP 500 from the provider", "error") in notes
        assert "✗ failed" in screen_text(app)
        assert app.is_running


# ---- the prompt box ------------------------------------------------------------------------


async def test_enter_sends_shift_enter_and_ctrl_j_add_lines_up_recalls() -> None:
    app = fixed_app()
    sent: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = solve_screen(app)
        screen.start_run = lambda text, **_: sent.append(text) or True  # type: ignore[method-assign]
        await pilot.press(*"two", "shift+enter", *"lines", "ctrl+j", "x")
        box = app.screen.query_one(PromptBox)
        assert box.text == "two\nlines\nx"
        await pilot.press("enter")
        assert sent == ["two\nlines\nx"]
        assert box.text == ""
        await pilot.press(*"second", "enter")
        await pilot.press("up")
        assert box.text == "second"
        await pilot.press("up")
        assert box.text == "two\nlines\nx"
        await pilot.press("down")
        assert box.text == "second"
        await pilot.press("down")
        assert box.text == ""  # back to the (empty) draft


# ---- switching settings ------------------------------------------------------------------------


async def test_keys_switch_paradigm_reinforce_and_model() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        assert app.session.settings.paradigm == "g1"
        await pilot.press("ctrl+t", "ctrl+t")
        assert app.session.settings.paradigm == "dcot"
        await pilot.press("ctrl+t", "f5")
        assert app.session.settings.reinforce == "guided"
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("ctrl+u", *"other-model", "enter")
        await pilot.pause()
        assert app.session.model == "other-model"
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("ctrl+u", *"12", "enter", "enter")
        await pilot.pause()
        assert app.session.settings.budget == 12
        text = screen_text(app)
        assert "paradigm g1" in text
        assert "reinforce guided" in text
        assert "model other-model" in text
        assert "budget 12" in text


async def test_palette_lists_the_solve_commands() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        names = [c.title for c in app.get_system_commands(app.screen)]
        for expected in (
            "New run",
            "Paradigm: g1",
            "Paradigm: direct",
            "Set model",
            "Set provider",
            "Set budget",
            "Reinforce: guided",
            "Open stored run",
        ):
            assert expected in names
        assert "Paradigm: dcot" not in names  # the current one is not offered
        await pilot.pause()


# ---- against the fake LLM server, through the real engine, SDK and store ---------------------

from fakellm import FakeLLM, Reply, dcot_responder, dcot_transcript  # noqa: E402

from store.db import open_db  # noqa: E402


async def submit(pilot: Pilot[Any], text: str) -> None:
    box = pilot.app.screen.query_one(PromptBox)
    box.load_text(text)
    box.focus()
    await pilot.press("enter")


async def ready_app(pilot: Pilot[Any]) -> SolveScreen:
    app = pilot.app
    await wait_for(pilot, lambda: not app.provider_state.resolving)  # type: ignore[attr-defined]
    return solve_screen(app)  # type: ignore[arg-type]


async def stream_slowly(pilot: Pilot[Any], fake: FakeLLM) -> SolveScreen:
    """A run of "What is 6 times 7?" started and caught mid-stream (5 characters every 30 ms):
    its first step is on screen."""
    fake.queue(
        Reply(text="".join(dcot_transcript("What is 6 times 7? It is 42")), chunk=5, delay=0.03)
    )
    screen = await ready_app(pilot)
    await submit(pilot, "What is 6 times 7?")
    await wait_for(pilot, lambda: "Restate the givens" in screen_text(pilot.app))  # type: ignore[arg-type]
    return screen


async def test_a_typed_problem_streams_steps_and_rewards_and_is_stored(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.responder = dcot_responder
    db = open_db(tmp_path / "p.db")
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready_app(pilot)
        assert app.provider_state.spec is not None
        await submit(pilot, "What is 6 times 7? It is 42")
        await wait_for(pilot, lambda: screen.state != "running")
        await settle(pilot)
        assert screen.state == "done"
        assert app.screen.query_one(RewardCurve).rewards == (0.4, 0.8, 0.9)
        blocks = list(app.screen.query(StepBlock))
        assert any(b.has_class("-backtrack") for b in blocks)
        assert any(b.kind == "answer" for b in blocks)
        assert "The answer is 42." in screen_text(app)
        row = db.execute("select status, answer, final_reward from runs").fetchone()
        assert row == ("done", "The answer is 42.", 0.9)
        assert db.execute("select count(*) from steps").fetchone()[0] == len(blocks)


async def test_esc_cancels_the_stream_and_the_run_is_stored_cancelled(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    db = open_db(tmp_path / "p.db")
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await stream_slowly(pilot, openai_env)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.state == "cancelled")
        await settle(pilot)
        assert "■ cancelled" in screen_text(app)
        assert "Restate the givens" in screen_text(app)  # what it produced stays on screen
        status, tokens_in, tokens_out, calls = db.execute(
            "select status, input_tokens, output_tokens, calls from runs"
        ).fetchone()
        assert status == "cancelled"
        kept = "".join(r[0] for r in db.execute("select content from steps"))
        assert "Restate the givens" in kept
        # The sidebar shows what the store keeps: the cut-off call's estimated tokens, not 0.
        stats = app.screen.query_one(Sidebar).stats
        assert tokens_out > 0 and calls == 1
        shown = (stats.usage.input_tokens, stats.usage.output_tokens, stats.calls)
        assert shown == (tokens_in, tokens_out, calls)
        # Those figures are the cut-off call's estimate: still marked ≈, tokens and cost.
        assert stats.estimated
        assert str(stats.render()).count("≈") == 2
        await wait_for(pilot, lambda: openai_env.disconnects >= 1)  # the HTTP stream stopped


async def test_the_sidebar_shows_an_estimate_while_streaming_then_the_real_figures(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    text = "".join(dcot_transcript("What is 6 times 7? It is 42"))
    openai_env.queue(Reply(text=text, chunk=10, delay=0.02))
    db = open_db(tmp_path / "p.db")
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready_app(pilot)
        await submit(pilot, "What is 6 times 7?")
        stats = app.screen.query_one(Sidebar).stats
        # OpenAI sends usage last: before it, the sidebar estimates, marked ≈.
        await wait_for(pilot, lambda: stats.estimated and stats.usage.output_tokens > 0)
        assert screen.state == "running" and stats.usage.input_tokens > 0
        assert "≈" in str(stats.render())
        await wait_for(pilot, lambda: screen.state == "done")
        await settle(pilot)
        stored = db.execute("select input_tokens, output_tokens from runs").fetchone()
        assert not stats.estimated and "≈" not in str(stats.render())
        assert (stats.usage.input_tokens, stats.usage.output_tokens) == stored


async def test_switching_paradigm_and_model_changes_the_next_request(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.queue(Reply("Two and two make four. Final answer: 4"))
    app = PonderApp(db=open_db(tmp_path / "p.db"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready_app(pilot)
        await pilot.press("ctrl+t", "ctrl+t")  # dcot -> g1 -> direct
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("ctrl+u", *"tiny-model", "enter")
        await wait_for(pilot, lambda: app.provider_state.model == "tiny-model")
        await submit(pilot, "What is 2 + 2?")
        await wait_for(pilot, lambda: screen.state != "running")
        await settle(pilot)
        assert screen.state == "done"
        body = openai_env.chat_requests[-1].body
        assert body["model"] == "tiny-model"
        assert len(openai_env.chat_requests) == 1  # direct: one call
        text = screen_text(app)
        assert "paradigm direct" in text and "model tiny-model" in text
        assert "Final answer: 4" in text


async def test_a_failing_provider_is_an_error_notice_not_a_crash(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.queue(Reply(status=401, error="invalid api key [bold]x[/bold]"))
    app = PonderApp(db=open_db(tmp_path / "p.db"))
    notes: list[tuple[str, str]] = []
    app.notify = lambda message, **kw: notes.append((message, kw.get("severity", "")))  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready_app(pilot)
        await submit(pilot, "What is 2 + 2?")
        await wait_for(pilot, lambda: screen.state != "running")
        assert screen.state == "failed"
        assert any(sev == "error" for _, sev in notes)
        assert "✗ failed" in screen_text(app)
        await pilot.press("ctrl+t")  # still alive and answering keys
        assert app.session.settings.paradigm == "g1"


async def test_without_a_provider_the_screen_says_how_and_the_rest_works(tmp_path: Path) -> None:
    db = open_db(tmp_path / "p.db")
    app = PonderApp(db=db)
    notes: list[tuple[str, str]] = []
    app.notify = lambda message, **kw: notes.append((message, kw.get("severity", "")))  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready_app(pilot)
        assert app.provider_state.spec is None
        text = screen_text(app)
        assert "No provider configured: set ANTHROPIC_API_KEY" in text
        banner = str(screen.query_one("#provider-banner").render())
        assert "press F3 to pick one (kept for next time" in banner  # the TUI's way, not flags
        assert "--provider" not in text
        assert "provider none" in text
        await submit(pilot, "What is 2 + 2?")
        assert screen.state == "idle"
        assert notes and notes[-1][1] == "error"
        await pilot.press("ctrl+t", "ctrl+o")  # settings and stored runs still work
        await pilot.pause()
        assert app.session.settings.paradigm == "g1"
        assert type(app.screen).__name__ == "OpenRunModal"


async def test_a_stored_run_opens_read_only(openai_env: FakeLLM, tmp_path: Path) -> None:
    openai_env.responder = dcot_responder
    db = open_db(tmp_path / "p.db")
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready_app(pilot)
        await submit(pilot, "What is 6 times 7? It is 42")
        await wait_for(pilot, lambda: screen.state == "done")
        (run_id,) = db.execute("select id from runs").fetchone()
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: not list(app.screen.query(StepBlock)))
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert f"#{run_id}" in screen_text(app)
        await pilot.press(*str(run_id), "enter")
        await wait_for(pilot, lambda: screen.state == "read-only")
        await settle(pilot)
        text = screen_text(app)
        assert "read-only" in text and f"run #{run_id}" in text
        assert "The answer is 42." in text
        assert app.screen.query_one(RewardCurve).rewards == (0.4, 0.8, 0.9)
        await pilot.press("f8")
        assert app.clipboard == "The answer is 42."


async def test_selecting_a_step_in_the_sidebar_scrolls_to_it() -> None:
    app = fixed_app()
    async with app.run_test(size=(120, 24)) as pilot:
        await feed(app, run_events(PROBLEM, GOOD_RUN + BACKTRACK_RUN[:0], answer="8"))
        await settle(pilot)
        chat = app.screen.query_one("#chat")
        chat.scroll_end(animate=False)
        await pilot.pause()
        step_list = app.screen.query_one(StepList)
        step_list.focus()
        step_list.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        first = app.screen.query(StepBlock).first()
        assert chat.scroll_y <= first.virtual_region.y
        assert chat.scroll_y < chat.max_scroll_y


# ---- snapshots (160x48, frozen clock, synthetic events: deterministic) ------------------------


def _snapshot_app(events: list[Event] | None) -> tuple[PonderApp, Any]:
    app = fixed_app()

    async def run_before(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one(PromptBox).cursor_blink = False
        if events is not None:
            await feed(app, events)
        await settle(pilot)

    return app, run_before


def test_snapshot_empty_screen(snap_compare: Any) -> None:
    app, run_before = _snapshot_app(None)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_finished_run(snap_compare: Any) -> None:
    events = run_events(PROBLEM, GOOD_RUN, answer="$x = 8$", final_reward=0.95)
    app, run_before = _snapshot_app(events)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_low_reward_backtrack(snap_compare: Any) -> None:
    events = run_events(PROBLEM, BACKTRACK_RUN, answer="8", final_reward=0.8)
    app, run_before = _snapshot_app(events)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


# ---- more behaviour ------------------------------------------------------------------------------


async def test_new_run_during_a_run_cancels_it_and_clears_the_chat(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    db = open_db(tmp_path / "p.db")
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await stream_slowly(pilot, openai_env)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.state == "idle")
        assert not list(app.screen.query(StepBlock))
        assert db.execute("select status from runs").fetchone() == ("cancelled",)
        assert app.is_running


def _long_run(n: int) -> list[Step]:
    body = "\n".join(f"Line {i} of the argument." for i in range(8))
    steps = [step(i, "step", body, budget_left=20 - i) for i in range(1, n + 1)]
    return steps


async def test_the_chat_follows_the_stream_only_while_at_the_bottom() -> None:
    app = fixed_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = solve_screen(app)
        chat = app.screen.query_one("#chat")
        events = run_events(PROBLEM, _long_run(12), finish=False, chunk=1000)[:-1]
        screen.begin_run(PROBLEM, RunSettings())
        for event in events[:19]:  # six steps: more than the chat shows
            screen.feed(event)
        await wait_for(pilot, lambda: chat.max_scroll_y > 0 and chat.scroll_y == chat.max_scroll_y)
        chat.scroll_home(animate=False)  # the reader scrolls up
        await pilot.pause()
        for event in events[19:]:
            screen.feed(event)
        await settle(pilot)
        await pilot.pause(0.1)
        assert chat.scroll_y == 0  # left where the reader put it
        chat.scroll_end(animate=False)  # back at the bottom: following again
        await pilot.pause()
        screen.feed(StepStarted(13, "step"))
        screen.feed(TextDelta(13, "\n".join(f"More {i}" for i in range(10))))
        await wait_for(pilot, lambda: "More 9" in screen_text(app))
        assert chat.scroll_y == chat.max_scroll_y


async def test_raw_latex_toggle_shows_the_source() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(app, run_events(PROBLEM, GOOD_RUN[:2], answer=None))
        await settle(pilot)
        assert "x/2 = 4" in screen_text(app)
        await pilot.press("f9")
        await pilot.pause()
        text = screen_text(app)
        assert "$\\frac{x}{2} = 4$" in text
        assert "math raw" in text
        await pilot.press("f9")
        await pilot.pause()
        assert "x/2 = 4" in screen_text(app)


async def test_up_recalls_prompts_of_stored_runs(tmp_path: Path) -> None:
    db = open_db(tmp_path / "p.db")
    for prompt in ("Older problem", "Newer problem"):
        db.execute("insert into runs (prompt, status) values (?, 'done')", (prompt,))
    db.conn.commit()
    app = PonderApp(db=db, provider_state=ProviderState(spec=FAKE_SPEC, resolving=False))
    async with app.run_test(size=SIZE) as pilot:
        box = app.screen.query_one(PromptBox)
        await pilot.press("up")
        assert box.text == "Newer problem"
        await pilot.press("up")
        assert box.text == "Older problem"


async def test_the_step_list_follows_a_long_run_until_the_user_picks_a_step() -> None:
    app = fixed_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = solve_screen(app)
        step_list = app.screen.query_one(StepList)
        events = run_events(PROBLEM, _long_run(60), finish=False, chunk=1000)[:-1]
        screen.begin_run(PROBLEM, RunSettings())
        for event in events[:90]:  # 30 steps: more than the list shows
            screen.feed(event)
        await wait_for(pilot, lambda: step_list.option_count == 30 and step_list.max_scroll_y > 0)
        await pilot.pause()
        assert step_list.scroll_y == step_list.max_scroll_y  # the latest step is in view
        step_list.focus()
        await pilot.press("up", "up")  # the user picks a step
        picked = step_list.highlighted
        assert picked == 28
        for event in events[90:]:  # 30 more: following them would scroll step 28 away
            screen.feed(event)
        await wait_for(pilot, lambda: step_list.option_count == 60)
        await pilot.pause()
        assert step_list.highlighted == picked
        top = step_list.scroll_y
        assert top <= picked < top + step_list.scrollable_content_region.height  # still in view
        await pilot.press("end")  # back to the latest: following again
        screen.feed(StepStarted(61, "step"))
        await wait_for(pilot, lambda: step_list.option_count == 61)
        await pilot.pause()
        assert step_list.scroll_y == step_list.max_scroll_y


async def test_the_provider_modal_names_the_presets() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        text = screen_text(app)
        for name in ("anthropic", "openai", "ollama", "groq", "openrouter", "vllm"):
            assert name in text


async def test_g1_titles_lose_their_own_numbers_and_the_gauge_counts_reflections() -> None:
    from tui.widgets.budget_gauge import BudgetGauge

    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = solve_screen(app)
        screen.begin_run(PROBLEM, RunSettings(paradigm="g1"))
        steps = [
            step(1, "step", "a", title="Step 1: set up", reward=0.8),
            step(2, "step", "b", title="Step 2: compute", reward=0.8),
            step(3, "reflection", "c", title="Step 3: look back", reward=0.9),
            step(4, "step", "d", title="Step 4: check", reward=0.8),
            step(5, "answer", "8"),
        ]
        for event in run_events(PROBLEM, steps, answer="8"):
            screen.feed(event)
        await settle(pilot)
        text = screen_text(app)
        assert "Step 3 · check" in text  # the model's "Step 4" would contradict our "Step 3"
        assert "Reflection · look back" in text
        assert "Step 4: check" not in text
        gauge = app.screen.query_one(BudgetGauge)
        assert gauge.used == 4  # what g1's max_steps counts: steps and reflections
        assert "4 of at most 40 steps" in text


async def test_pasted_escape_sequences_never_reach_the_terminal() -> None:
    from textual import events
    from textual.widgets import Input

    evil = "evil \x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b]52;c;ZXZpbA==\x07clip\x07"

    def raw_escapes(app: PonderApp) -> list[str]:
        return [
            s.text
            for s in screen_segments(app)
            if not s.control and ("\x1b" in s.text or "\x07" in s.text)
        ]

    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        box = app.screen.query_one(PromptBox)
        app.post_message(events.Paste(evil))  # bracketed paste into the prompt box
        await pilot.pause()
        assert box.text == "evil red  clip"
        box.clear()
        app.copy_to_clipboard(evil)  # Ctrl+V from the app's own clipboard
        await pilot.press("ctrl+v")
        assert box.text == "evil red  clip"
        assert raw_escapes(app) == []
        await pilot.press("ctrl+f")
        await pilot.press("slash")
        app.post_message(events.Paste(evil))  # into an Input: the History search
        await pilot.pause()
        assert app.screen.query_one("#history-search", Input).value == "evil red  clip"
        assert raw_escapes(app) == []


def _with_answer(steps: list[Step], answer: str) -> list[Step]:
    n = len(steps)
    return [
        *steps,
        step(n + 1, "answer", answer),
        step(n + 2, "final_reflection", "ok", reward=0.9),
    ]


@pytest.mark.parametrize("steps", [1, 3, 12])
@pytest.mark.parametrize("paced", [True, False], ids=["streamed", "one-frame"])
async def test_after_ctrl_n_the_chat_follows_the_new_run_to_its_answer(
    steps: int, paced: bool
) -> None:
    """Once seen: after a long run and Ctrl+N, the next run's answer stayed below the screen
    under blank lines (the chat was still anchored to the old run's end)."""
    app = fixed_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = solve_screen(app)
        chat = app.screen.query_one("#chat")
        screen.begin_run(PROBLEM, RunSettings())
        # The first run within a frame: it only has to leave the chat anchored at its end
        # (streaming it cost the suite a minute and reproduced nothing more).
        first = _with_answer(_long_run(12), "FIRST")
        for event in run_events(PROBLEM, first, answer="FIRST", chunk=1000):
            screen.feed(event)
        await settle(pilot)
        await wait_for(pilot, lambda: chat.max_scroll_y > 0 and chat.scroll_y == chat.max_scroll_y)
        await pilot.press("ctrl+n")
        await pilot.pause()
        screen.begin_run("The second problem", RunSettings())
        second = _with_answer(_long_run(steps), "SECOND-ANSWER")
        # Streamed in 20-character deltas, a frame apart: still dozens of frames per step.
        for event in run_events("The second problem", second, answer="SECOND-ANSWER", chunk=20):
            screen.feed(event)
            if paced:
                await pilot.pause(0.01)
        await settle(pilot)
        await wait_for(pilot, lambda: "✓ done" in screen_text(app))
        await wait_for(pilot, lambda: chat.scroll_y == chat.max_scroll_y)
        text = screen_text(app)
        assert "SECOND-ANSWER" in text
        assert chat.scroll_y >= 0  # no blank gap above the run
        if chat.max_scroll_y == 0:
            assert "The second problem" in text  # short: read from its start


async def test_a_g1_step_in_prose_shows_as_it_streams_and_esc_keeps_it(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    # A model that writes prose where g1 asks for JSON, then goes silent mid-step: the step's
    # text is on screen while it streams (not a blank header), and Esc keeps it with its tokens.
    prose = "First I look at what is asked, then I multiply six by seven to get the product."
    openai_env.queue(Reply(prose + " And then more.", stall_after=len(prose), chunk=8))
    db = open_db(tmp_path / "p.db")
    app = PonderApp(db=db, settings=RunSettings(paradigm="g1"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready_app(pilot)
        await submit(pilot, "What is 6 times 7?")
        await wait_for(pilot, lambda: "to get the product." in screen_text(app))
        assert screen.state == "running"
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.state == "cancelled")
        await settle(pilot)
        kept = db.execute("select content from steps where idx = 1").fetchone()[0]
        assert kept == prose
        assert db.execute("select output_tokens from runs").fetchone()[0] > 0


def test_the_tui_runs_under_the_configs_wall_time(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[limits]\nmax_time_s = 900\n")
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    assert PonderApp().session.settings.wall_time_s == 900  # the Solve and Bench screens' runs
