"""Typing bench (SPEC §8): characters typed and pasted into the Solve screen's prompt box.

Through Pilot (the real app, headless, 80x24), each case sends its keys in one burst, the way a
fast typist's terminal or tmux's send-keys delivers them, and times from the last key sent to
the first frame painted with the whole text in the box:
  - 1,000 characters typed into an empty box (target: on screen within 1 s of the last key);
  - 1,000 characters typed at the end of a box that already holds 100 kB (typing at any length);
  - a 100 kB paste, bracketed (one Paste event, as terminals send it; target within 1 s);
  - 20 kB sent as keys (a paste the terminal does not bracket).
Then the same in a real pseudo-terminal: `ponder` at 80x24, bytes written to the terminal, time
until the last word is in what the app wrote back.
"""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT / "benches"))

from benchkit import spawn_in_pty  # noqa: E402

SIZE = (80, 24)
WORDS = "let x be a real number such that x squared minus five x plus six is zero find x "
END = " zqxjend"  # the last word: found once the whole text is on screen


def text_of(length: int, *, lines: int = 0) -> str:
    """`length` characters of words ending in END; with `lines`, a newline every that many."""
    body = (WORDS * (length // len(WORDS) + 1))[: length - len(END)] + END
    if lines:
        body = "\n".join(body[i : i + lines] for i in range(0, len(body), lines))
    return body


# ---- through Pilot -----------------------------------------------------------------------


async def pilot_case(kind: str, text: str, before: str = "") -> dict[str, float]:
    """Send `text` as a burst of keys (kind "keys") or one paste ("paste"); seconds from the
    last key sent to the first paint with all of it in the box."""
    from textual import events
    from textual.keys import _character_to_key
    from tui_helpers import fixed_app

    from tui.widgets.prompt_box import PromptBox

    app = fixed_app()
    paints: list[float] = []
    display = app._display

    def timed_display(screen: Any, renderable: Any) -> None:
        paints.append(time.monotonic())
        display(screen, renderable)

    app._display = timed_display  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        box = app.screen.query_one(PromptBox)
        if before:
            box.load_text(before)
            box.move_cursor(box.document.end)
            await pilot.pause()
        driver = app._driver
        assert driver is not None
        want = before + text
        first = time.monotonic()
        if kind == "paste":
            event: events.Event = events.Paste(text)
            event.set_sender(app)
            driver.send_message(event)
        else:
            for char in text:
                key = char if char.isalnum() else _character_to_key(char)
                event = events.Key(key, char)
                event.set_sender(app)
                driver.send_message(event)
        last = time.monotonic()
        while box.text != want:
            await asyncio.sleep(0.002)
        complete = time.monotonic()
        while not paints or paints[-1] < complete:
            app.screen._on_timer_update()  # what the screen's refresh timer does
            await asyncio.sleep(0.002)
        painted = next(t for t in paints if t >= complete)
    return {"send": last - first, "on_screen": painted - last, "total": painted - first}


# ---- in a real pseudo-terminal -----------------------------------------------------------


def pty_case(data: bytes, marker: bytes, timeout: float = 60.0) -> float:
    """Start `ponder` in a pty, write `data` once its first screen is up, and return the
    seconds from the last byte written to `marker` in its output."""
    ponder = str(Path(sys.executable).with_name("ponder"))
    tmp = tempfile.mkdtemp()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")
    }
    env.update(
        TERM="xterm-256color",
        PONDER_CONFIG=os.path.join(tmp, "config.toml"),
        XDG_CONFIG_HOME=tmp,
        XDG_DATA_HOME=tmp,
    )
    proc, master = spawn_in_pty([ponder, "--db", os.path.join(tmp, "typing.db")], env, SIZE)
    seen = b""
    try:
        deadline = time.monotonic() + 20
        while b"Enter sends" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.05)[0]:
                seen += os.read(master, 65536)
        time.sleep(0.5)  # the provider probe and the first paints settle
        while select.select([master], [], [], 0.05)[0]:
            os.read(master, 65536)
        os.set_blocking(master, False)
        out = b""
        pending = data
        while pending:  # write while reading: the app's output must not fill the pty
            _, writable, _ = select.select([], [master], [], 0.05)
            if writable:
                try:
                    pending = pending[os.write(master, pending[:4096]) :]
                except BlockingIOError:
                    pass
            while select.select([master], [], [], 0)[0]:
                out += os.read(master, 65536)
        last = time.monotonic()
        deadline = last + timeout
        while marker not in out[-200_000:] and time.monotonic() < deadline:
            if select.select([master], [], [], 0.05)[0]:
                out += os.read(master, 65536)
        return time.monotonic() - last if marker in out else float("nan")
    finally:
        os.set_blocking(master, True)
        os.write(master, b"\x11")  # ctrl+q
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(master)


def line(name: str, chars: int, figures: dict[str, float], target: float | None) -> bool:
    ok = target is None or figures["on_screen"] <= target
    rate = chars / figures["total"]
    goal = f" (target <= {target:.0f} s)" if target is not None else ""
    print(
        f"{name}: last key -> on screen {figures['on_screen']:.3f} s{goal}; "
        f"{rate:,.0f} characters/s from the first key"
    )
    return ok


def main() -> int:
    typed = text_of(1_000)
    pasted = text_of(100_000, lines=400)
    keys = text_of(20_000)
    ok = line("typed 1,000 into an empty box", 1_000, asyncio.run(pilot_case("keys", typed)), 1.0)
    ok &= line(
        "typed 1,000 after 100 kB",
        1_000,
        asyncio.run(pilot_case("keys", typed, before=text_of(100_000, lines=400) + "\n")),
        1.0,
    )
    ok &= line("pasted 100 kB (bracketed)", 100_000, asyncio.run(pilot_case("paste", pasted)), 1.0)
    line("20 kB sent as keys (unbracketed)", 20_000, asyncio.run(pilot_case("keys", keys)), None)
    marker = END.strip().encode()
    print("in a pseudo-terminal (ponder at 80x24, bytes written to it):")
    for name, data in (
        ("typed 1,000", typed.encode()),
        ("pasted 100 kB (bracketed)", b"\x1b[200~" + pasted.encode() + b"\x1b[201~"),
        ("20 kB as keys (unbracketed)", keys.encode()),
    ):
        seconds = pty_case(data, marker)
        print(f"  {name}: last byte written -> on screen {seconds:.3f} s")
        if name != "20 kB as keys (unbracketed)":
            ok &= seconds <= 1.0
    print("PASS" if ok else "MISS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
