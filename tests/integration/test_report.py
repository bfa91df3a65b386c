"""`ponder report`: Markdown tables, and an HTML page whose SVG charts a real browser renders."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from cli_helpers import ponder
from store_helpers import add_problems, add_run, grade_right

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
                    "x",
                    paradigm=paradigm,
                    model=model,
                    final_reward=reward,
                    bench_id="B1",
                    started_at="2026-01-01",
                )
                grade_right(db, run_id, right)


def test_markdown_report_has_the_three_tables(capsys, db):
    seed(db)
    code, out, _ = ponder(capsys, "report", "exam")
    assert code == 0 and out.startswith("# Ponder report: exam")
    for heading in ("## Scores", "## With technique vs without (paired)", "## Reward calibration"):
        assert heading in out
    table_lines = [line for line in out.splitlines() if line.startswith("| ")]
    header = next(line for line in table_lines if "paradigm" in line and "mean" in line)
    assert "| 95% CI |" in header and "| coverage |" in header
    assert "| good-model | dcot | 6 | 6 | 5/6 | 0.83 |" in out
    assert "no detectable difference on 6 problems" in out
    # Model text is neither a table column nor raw HTML in Markdown.
    assert "&lt;img src=x onerror=&quot;" not in out  # quotes stay, angle brackets do not
    assert '&lt;img src=x onerror="document.title=1"&gt;\\|m' in out
    assert "<img" not in out


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

# Appended to a copy of the report: after layout, what the browser drew, into the DOM.
PROBE = """
<script>
const charts = [...document.querySelectorAll("svg.chart")].map(svg => ({
  bars: [...svg.querySelectorAll("rect.bar")].map(r => {
    const b = r.getBBox(); return [r.dataset.series, +r.dataset.value, b.width, b.height]; }),
  whiskers: [...svg.querySelectorAll("path.whisker")].map(p => p.getBBox().height),
  shown: svg.getBoundingClientRect().width,
}));
const out = document.createElement("pre");
out.id = "probe";
out.textContent = JSON.stringify({charts, title: document.title,
  images: document.querySelectorAll("img").length});
document.body.appendChild(out);
</script>
"""


CHART_ONLY = (
    "body { margin: 0 } body > :not(figure) { display: none }"
    " figure { margin: 0 } figure ~ figure { display: none }"
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
def test_html_report_renders_its_charts_in_chromium(capsys, db, tmp_path):
    seed(db)
    page = tmp_path / "exam.html"
    assert ponder(capsys, "report", "exam", "-o", str(page))[0] == 0
    html = page.read_text()
    assert html.count("<svg") == 2 and "<script" not in html  # a static, self-contained page
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"))

    dom = _chromium("--dump-dom", probed.as_uri(), profile=tmp_path / "profile-dom")
    assert 'id="probe"' in dom.stdout, dom.stderr[-2000:]
    start = dom.stdout.index('<pre id="probe">') + len('<pre id="probe">')
    probe = json.loads(dom.stdout[start : dom.stdout.index("</pre>", start)].replace("&quot;", '"'))
    assert probe["images"] == 0 and probe["title"] == "Ponder report: exam"  # no injected markup
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
