"""`ponder report`: Markdown tables, and an HTML page whose SVG charts a real browser renders."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from chromium import Browser
from cli_helpers import ponder
from store_helpers import add_problems, add_run, grade_right

from ponder.report import page as report_html
from store.grades import add_grade

EVIL = '<img src=x onerror="document.title=1">|m'


def seed(db) -> None:
    """Two models on `exam` (6 problems): direct and dcot, rewards on the dcot runs."""
    ids = add_problems(db, "exam", 6, reference="1")
    for model, direct_right, dcot_right in (("good-model", 3, 5), (EVIL, 1, 2)):
        for i, pid in enumerate(ids):
            for paradigm, right, reward in (
                ("direct", i < direct_right, None),
                ("dcot", i < dcot_right, 0.95 - 0.15 * i),
            ):
                run_id = add_run(
                    db,
                    pid,
                    f"answer {i + 1}" if model == "good-model" else EVIL,
                    paradigm=paradigm,
                    model=model,
                    final_reward=reward,
                    bench_id="B1",
                    started_at="2026-01-01",
                    params=json.dumps({"max_tokens": 1024, "budget": 12, "reinforce": "self"}),
                    steps=[("step", "Plan", f"step text {i + 1}"), ("reflection", None, EVIL)]
                    if paradigm == "dcot"
                    else (),
                )
                grade_right(db, run_id, right)
    # One run graded by a person and by a judge: who graded, and their agreement.
    add_grade(db, run_id, grader="human", grader_name="ann", score=1.0, verdict="full")
    add_grade(
        db,
        run_id,
        grader="llm",
        grader_name="gpt-4o",
        score=0.5,
        verdict="partial",
        points=5,
        max_points=10,
    )


def test_markdown_report_has_its_tables_without_transcripts(capsys, db):
    seed(db)
    code, out, _ = ponder(capsys, "report", "exam")
    assert code == 0 and out.startswith("# Ponder report: exam")
    headings = [line for line in out.splitlines() if line.startswith("#")]
    assert headings == [
        "# Ponder report: exam",
        "## Summary",
        "## With technique vs without (paired)",
        "## Settings each arm ran with",
        "## Who graded",
        "## Judge against human grades",
        "## Per problem",
        "## Reward calibration",
    ]
    table_lines = [line for line in out.splitlines() if line.startswith("| ")]
    header = next(line for line in table_lines if "paradigm" in line and "mean" in line)
    assert header.startswith("| model | paradigm | total | mean | 95% CI | planned | graded |")
    # planned, graded, pending, failed, protocol followed, mean output tokens, cost
    assert (
        "| good-model | dcot | 5/6 | 0.83 | [0.44, 0.97] | 6 | 6 | 0 | 0 | 6 of 6 | 0 | ? |" in out
    )
    assert "no detectable difference on 6 problems" in out
    assert "max tokens 1024 · output budget 16384 · step budget 12 · reinforce self" in out
    assert "| good-model · dcot | auto 6 | 0 |" in out
    assert "m · dcot | auto 5 · human ann 1 | 0 |" in out
    assert "| gpt-4o | 1 | 5.00 pts | -5.00 pts | 0% |" in out
    assert "| 1 | Problem 1 | 1 | " in out and "answer 1 · ✓ full (auto)" in out
    # The dataset is named once, not on every row; no HTML entity in any table header.
    assert "| exam |" not in out and "&lt;" not in out
    assert "| ≥ 0.8 | 0.5–0.8 | \\< 0.5 |" in out
    # Transcripts are the HTML's: no step text here.
    assert "step text 1" not in out
    # Model text is neither a table column nor raw HTML in Markdown.
    assert '\\<img src=x onerror="document.title=1"\\>\\|m' in out
    assert "<img" not in out.replace("\\<img", "")


def test_report_writes_a_file_format_from_its_suffix(capsys, db, tmp_path):
    seed(db)
    path = tmp_path / "exam.html"
    code, out, _ = ponder(capsys, "report", "exam", "-o", str(path))
    assert code == 0 and out == f"wrote the html report of exam to {path}\n"
    assert path.read_text().startswith("<!DOCTYPE html>")
    md = tmp_path / "exam.txt"
    assert ponder(capsys, "report", "exam", "-o", str(md))[0] == 0
    assert md.read_text().startswith("# Ponder report")
    forced = tmp_path / "r.html"
    assert ponder(capsys, "report", "exam", "-o", str(forced), "--format", "md")[0] == 0
    assert forced.read_text().startswith("# Ponder report")


def test_report_errors_are_one_line(capsys, db, tmp_path):
    seed(db)
    code, _, err = ponder(capsys, "report", "nope")
    assert code == 2 and "no dataset 'nope'" in err
    code, _, err = ponder(capsys, "report", "exam", "-o", str(tmp_path / "no" / "r.md"))
    assert code == 2 and err.startswith("ponder report: error: cannot write")
    code, _, err = ponder(capsys, "report", "exam", "--bench", "nope")
    assert code == 2 and "no bench 'nope'" in err


def test_report_of_a_dataset_with_no_runs(capsys, db):
    seed(db)
    db.conn.execute("insert into problems (dataset, key, text) values ('empty', '1', 'x')")
    db.conn.commit()
    code, out, _ = ponder(capsys, "report", "empty", "--format", "html")
    assert code == 0 and "No finished runs on this dataset yet" in out


# ---- the HTML in a real browser -------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs the Debian package)"
)

# Evaluated in the page (the report itself, under its own Content-Security-Policy: the page's
# script is its own; this one comes through the DevTools protocol): what the browser drew, and
# what a reader's clicks and typing do.
PROBE = """(async () => {
  const charts = [...document.querySelectorAll("svg.chart")].map(svg => ({
    bars: [...svg.querySelectorAll("rect.bar")].map(r => {
      const b = r.getBBox(); return [r.dataset.series, +r.dataset.value, b.width, b.height]; }),
    whiskers: [...svg.querySelectorAll("path.whisker")].map(p => p.getBBox().height),
    shown: svg.getBoundingClientRect().width,
  }));
  const root = document.documentElement;
  const summary = document.querySelector("table.summary").getBoundingClientRect();
  // Open a transcript from the per-problem table: problem 2, good-model with dcot.
  const column = [...document.querySelectorAll("#problems th")]
    .findIndex(th => th.textContent === "good-model · dcot");
  const row = document.querySelectorAll("#problems tbody tr")[1];
  [...row.querySelectorAll("a[data-run]")].find(a => a.closest("td").cellIndex === column).click();
  await window.ponderReport.drawn();
  const dialog = document.getElementById("transcript");
  const transcript = {
    open: dialog.open, title: dialog.querySelector("h3").textContent,
    steps: [...dialog.querySelectorAll(".step h4")].map(h => h.textContent),
    text: dialog.querySelector(".body").textContent,
    arms: [...dialog.querySelectorAll(".arms button")].map(b => b.textContent),
  };
  // Another arm's run of the same problem, from the dialog's buttons.
  [...dialog.querySelectorAll(".arms button")].find(b => b.textContent.startsWith("good-model · direct")).click();
  await window.ponderReport.drawn();
  transcript.other = dialog.querySelector("h3").textContent;
  dialog.close();
  // Paging: the first page is in the HTML, the next one drawn from the data.
  const keys = () => [...document.querySelectorAll("#problems tbody tr")].map(r => r.cells[0].textContent);
  const pages = [keys(), document.getElementById("pager").textContent];
  [...document.querySelectorAll("#pager button")].find(b => b.textContent.startsWith("next")).click();
  pages.push(keys(), document.getElementById("pager").textContent);
  // The search box, typed into: the rows whose text has every word, once the count shows.
  const input = document.getElementById("search");
  input.value = "answer 3";
  input.dispatchEvent(new Event("input"));
  const said = document.getElementById("shown");
  await new Promise(done => { const t = setInterval(() => said.textContent && (clearInterval(t), done()), 20); });
  return {charts, title: document.title, images: document.querySelectorAll("img").length,
    scroll: [root.scrollWidth, root.clientWidth], summaryRight: summary.right, transcript, pages,
    search: {keys: keys(), said: said.textContent}};
})()"""


CHART_ONLY = (
    "body { margin: 0; padding: 0 } body > * { display: none }"
    " body > #comparison { display: block } #comparison > :not(figure) { display: none }"
    " figure { margin: 0 }"
)


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=180, check=False
    )


def _png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB(A) rows of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        f, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = previous[i], previous[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, channels, rows


@needs_chromium
@pytest.mark.slow
def test_html_report_in_chromium_fits_1280_opens_a_transcript_and_searches(
    capsys, db, tmp_path, monkeypatch
):
    seed(db)
    monkeypatch.setattr(report_html, "PAGE_ROWS", 4)  # 6 problems: two pages
    page = tmp_path / "exam.html"
    assert ponder(capsys, "report", "exam", "-o", str(page))[0] == 0
    html = page.read_text()
    # One file, nothing fetched, only its own script; model text never markup.
    assert html.count("<svg") == 2 and "default-src 'none'" in html
    assert html.count("<script") == 3 and "src=" not in html.replace("src=x onerror", "")
    assert "<img" not in html

    with Browser(1280, 900) as browser:
        browser.open(page.as_uri())
        assert browser.eval("typeof window.ponderReport") == "object"  # allowed by its policy
        probe = browser.eval(PROBE)
        # The page's own script opens the run named in the address (a new load, not a jump).
        browser.open("about:blank")
        browser.open(page.as_uri() + "#run-4")
        opened = browser.eval(
            "window.ponderReport.drawn().then(() => document.getElementById('transcript').open)"
        )
    assert opened
    assert probe["images"] == 0 and probe["title"] == "Ponder report: exam"  # no injected markup
    # No horizontal scroll at a 1280 px window: the summary table fits.
    scroll_width, client_width = probe["scroll"]
    assert scroll_width <= client_width <= 1280 and probe["summaryRight"] <= client_width
    # The transcript of a run, opened from the per-problem table, inside the page.
    t = probe["transcript"]
    assert t["open"] and t["title"] == "Problem 2 · good-model · dcot · run 4"
    assert t["steps"] == ["1. step: Plan", "2. reflection"]
    assert "step text 2" in t["text"] and "answer 2" in t["text"] and EVIL in t["text"]
    assert "auto" in t["text"] and len(t["arms"]) == 4  # the problem's four runs, one per arm
    assert t["other"] == "Problem 2 · good-model · direct · run 3"
    assert probe["pages"] == [
        ["1", "2", "3", "4"],
        "‹ previous rows 1–4 of 6 next ›",
        ["5", "6"],
        "‹ previous rows 5–6 of 6 next ›",
    ]
    # The search box: the rows whose text has every word.
    assert probe["search"] == {"keys": ["3"], "said": "1 of 6 problems match"}
    with_without, calibration = probe["charts"]
    # 2 models x (direct, dcot), each bar drawn with a height proportional to its mean.
    assert len(with_without["bars"]) == 4 and len(with_without["whiskers"]) == 4
    heights = {(s, round(v, 4)): h for s, v, w, h in with_without["bars"]}
    assert all(w > 5 for _, _, w, _ in with_without["bars"])
    assert heights[("dcot", round(5 / 6, 4))] == pytest.approx(220 * 5 / 6, abs=1)
    assert heights[("direct", 0.5)] == pytest.approx(110, abs=1)
    assert all(h > 10 for h in with_without["whiskers"])  # intervals, not points
    assert calibration["bars"] and calibration["shown"] > 300

    # A screenshot of the first chart alone (small, so that decoding it here stays quick).
    only_chart = tmp_path / "chart.html"
    only_chart.write_text(html.replace("</head>", f"<style>{CHART_ONLY}</style></head>"))
    shot = tmp_path / "shot.png"
    result = _chromium(
        "--window-size=760,360",
        f"--screenshot={shot}",
        only_chart.as_uri(),
        profile=tmp_path / "p2",
    )
    assert shot.exists(), result.stderr[-2000:]
    width, channels, rows = _png_pixels(shot)
    blue, orange = (0x00, 0x72, 0xB2), (0xE6, 0x9F, 0x00)  # the direct and dcot bars

    def count(colour: tuple[int, int, int]) -> int:
        total = 0
        for row in rows:
            for x in range(0, width * channels, channels):
                if tuple(row[x : x + 3]) == colour:
                    total += 1
        return total

    assert count(blue) > 2000 and count(orange) > 2000  # the bars are on screen, filled
