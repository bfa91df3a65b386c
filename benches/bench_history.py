"""History and Grade on a store of 100,000 runs (SPEC §8: history opens in <= 0.3 s; issue 30:
the end of the list within 1 s, memory flat at <= 150 MiB however far one scrolls).

Each screen is measured in a fresh process, as a user meets it: the app opened on the store,
then the screen's first page painted, Ctrl+End to the last run, Ctrl+Home back, 150 pages of
PageDown (some 6,000 rows, well past the window the table holds), a search (History) or a
dataset filter and its end (Grade), and the process's resident memory at the end and at its
peak. Every step waits for the table to show its result and for one more paint.

Run: .venv/bin/python benches/bench_history.py [--db PATH] [--samples N]
(the database is built by benches/bench_store.py --build PATH; a minute or two the first time).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

TIME_LIMIT_S = 900  # `make bench` kills the bench after this
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = Path("/tmp/ponder-bench-store.db")
OPEN_TARGET_S = 0.3
JUMP_TARGET_S = 1.0
RSS_TARGET_MIB = 150
PAGES = 150  # PageDown presses: some 6,000 rows, six times the window
STEP_LIMIT_S = 120  # any one step of the script

SCRIPT = """
import asyncio, json, statistics, sys, time
sys.path.insert(0, sys.argv[2])
sys.path.insert(0, sys.argv[2] + "/benches")
from benchkit import Deadline
from reasoning.providers.base import ProviderSpec
from store.db import open_db
from tui.app import PonderApp, ProviderState

SCREEN, PAGES, LIMIT = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])


def memory():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    kib = lambda name: int(fields[name].split()[0])
    return kib("VmRSS") / 1024, kib("VmHWM") / 1024


async def until(pilot, what, condition):
    deadline = Deadline(LIMIT)
    while not condition():
        deadline.check(what)
        await pilot.pause(0.002)
    await pilot.pause()  # and one more paint


async def timed(pilot, what, start, condition):
    t0 = time.perf_counter()
    await start()
    await until(pilot, what, condition)
    return time.perf_counter() - t0


async def main():
    db = open_db(sys.argv[1], recover=False)
    app = PonderApp(db=db, provider_state=ProviderState(
        spec=ProviderSpec(kind="openai", name="openai", model="m"), resolving=False))
    out = {}
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        out["rss_start_mib"] = memory()[0]
        out["open_s"] = await timed(
            pilot, "first page", lambda: app.switch_mode(SCREEN),
            lambda: app.screen.id == SCREEN and app.screen.table.row_count > 0)
        screen = app.screen
        table = screen.table
        out["rows"] = screen.total
        at_end = lambda: table.exhausted and table.cursor_row == table.row_count - 1
        out["end_s"] = await timed(pilot, "the last row", lambda: pilot.press("ctrl+end"), at_end)
        out["last_key"] = table.current_key
        out["home_s"] = await timed(
            pilot, "the first row", lambda: pilot.press("ctrl+home"),
            lambda: table.window is not None and table.window[0] == 1 and table.cursor_row == 0)
        keys = []
        t0 = time.perf_counter()
        for _ in range(PAGES):
            k0 = time.perf_counter()
            await pilot.press("pagedown")
            keys.append(time.perf_counter() - k0)
        out["pages_s"] = time.perf_counter() - t0
        out["page_key_median_ms"] = statistics.median(keys) * 1000
        out["page_key_max_ms"] = max(keys) * 1000
        out["scrolled_rows"] = table.window[1] if table.window else -1
        out["held_rows"] = table.row_count
        if SCREEN == "history":
            field = screen.query_one("#history-search")
            for name, word in (("search_common_s", sys.argv[6]), ("search_rare_s", sys.argv[7])):
                field.focus()
                field.value = word  # as typed; Enter searches at once
                await pilot.pause()
                generation = screen._generation

                async def search():
                    await pilot.press("enter")

                out[name] = await timed(
                    pilot, f"the search for {word!r}", search,
                    lambda: screen._generation > generation and screen.search == word
                    and "Searching" not in str(screen.query_one("#history-status").render()))
                out[name.replace("_s", "_hits")] = screen.total
        else:
            from textual.widgets import Select

            select = screen.query_one("#filter-dataset", Select)

            async def pick():
                select.value = "jee"

            out["filter_s"] = await timed(
                pilot, "the dataset filter", pick,
                lambda: screen.filter.dataset == "jee" and table.row_count > 0)
            out["filter_rows"] = screen.total
            out["filter_end_s"] = await timed(
                pilot, "the filtered list's end", lambda: pilot.press("ctrl+end"), at_end)
        out["rss_end_mib"], out["rss_peak_mib"] = memory()
    print(json.dumps(out))

asyncio.run(main())
"""


def measure(db: Path, screen: str, common: str, rare: str) -> dict[str, float]:
    """One fresh process on one screen: its figures."""
    args = (str(db), str(ROOT), screen, str(PAGES), str(STEP_LIMIT_S), common, rare)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S - 60,
    )
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SystemExit(f"FAILED: the {screen} screen's run ended with: {tail}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--samples", type=int, default=3, help="fresh processes per screen")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benches"))
    from bench_store import _common_and_rare_words, ensure_bench_db

    from store.db import open_db

    db_path = ensure_bench_db(args.db)
    db = open_db(db_path, recover=False)
    common, rare = _common_and_rare_words(db)
    db.close()
    missed = []
    for screen in ("history", "grade"):
        samples = [measure(db_path, screen, common, rare) for _ in range(max(1, args.samples))]

        def med(key: str, samples: list[dict[str, float]] = samples) -> float:
            return statistics.median(s[key] for s in samples)

        def worst(key: str, samples: list[dict[str, float]] = samples) -> float:
            return max(s[key] for s in samples)

        first = samples[0]
        print(
            f"{screen.title()} on {int(first['rows']):,} runs ({len(samples)} fresh processes; median, worst):"
        )
        print(
            f"  open, first page painted:  {med('open_s'):.3f} s, {worst('open_s'):.3f} s (target <= {OPEN_TARGET_S} s for History)"
        )
        print(
            f"  Ctrl+End to the last run:  {med('end_s'):.3f} s, {worst('end_s'):.3f} s (target <= {JUMP_TARGET_S} s)"
        )
        print(f"  Ctrl+Home back to the top: {med('home_s'):.3f} s, {worst('home_s'):.3f} s")
        print(
            f"  {PAGES} PageDowns ({int(first['scrolled_rows']):,} rows down, {int(first['held_rows']):,} held):"
            f" {med('pages_s'):.2f} s; a key median {med('page_key_median_ms'):.1f} ms, max {worst('page_key_max_ms'):.0f} ms"
        )
        if screen == "history":
            print(
                f"  search {common!r} ({int(first['search_common_hits']):,} runs): {med('search_common_s'):.3f} s, {worst('search_common_s'):.3f} s"
            )
            print(
                f"  search {rare!r} ({int(first['search_rare_hits']):,} runs): {med('search_rare_s'):.3f} s, {worst('search_rare_s'):.3f} s"
            )
        else:
            print(
                f"  dataset filter 'jee' ({int(first['filter_rows']):,} runs, problem order): {med('filter_s'):.3f} s, {worst('filter_s'):.3f} s"
            )
            print(
                f"  its last run (Ctrl+End):   {med('filter_end_s'):.3f} s, {worst('filter_end_s'):.3f} s"
            )
        print(
            f"  memory: {med('rss_start_mib'):.0f} MiB at start, {med('rss_end_mib'):.0f} MiB at the end,"
            f" peak {worst('rss_peak_mib'):.0f} MiB (target <= {RSS_TARGET_MIB} MiB)"
        )
        if screen == "history" and med("open_s") > OPEN_TARGET_S:
            missed.append(f"History opened in {med('open_s'):.3f} s")
        if med("end_s") > JUMP_TARGET_S:
            missed.append(f"{screen}: Ctrl+End took {med('end_s'):.3f} s")
        if worst("rss_peak_mib") > RSS_TARGET_MIB:
            missed.append(f"{screen}: peak memory {worst('rss_peak_mib'):.0f} MiB")
    print("PASS" if not missed else "MISS: " + "; ".join(missed))
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())
