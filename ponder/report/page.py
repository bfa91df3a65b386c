"""The report as one self-contained HTML page: summary, comparisons, settings, graders, charts,
and the per-problem table whose rows open each run's transcript in the page (no network).

Model text is only ever escaped text: in the markup through html.escape, in the embedded JSON
with every <, > and & as \\u escapes, in the packed runs as base64, and in the transcript viewer
through textContent."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from html import escape
from typing import Any

from ponder.report.build import ANSWER_SHOWN, Arm, Cell, Report
from ponder.report.tables import (
    PROBLEM_SHOWN,
    VERDICT_MARK,
    agreement_cells,
    comparison_cells,
    grader_cells,
    settings_cells,
    short,
    summary_cells,
)
from ponder.score_text import METHOD_NOTE
from ponder.words import usd

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _h(text: object) -> str:
    """Text for HTML: escaped, control characters dropped (newlines and tabs kept)."""
    return escape(_CONTROL.sub("", str(text)), quote=True)


_STYLE = """
:root { color-scheme: light; --muted: #555; --line: #ddd; }
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1200px;
  padding: 0 1rem; color: #222; line-height: 1.35; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
nav { font-size: .9rem; margin: .5rem 0 1rem; } nav a { margin-right: .9rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .85rem; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .45rem; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
td { overflow-wrap: anywhere; }
th { font-weight: 600; background: #f6f6f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
p.note, p.meta { color: var(--muted); font-size: .85rem; max-width: 70rem; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
table.problems { table-layout: fixed; }
table.problems td.key { width: 4.5rem; } table.problems td.ref { width: 8rem; }
table.problems tbody tr { cursor: pointer; }
table.problems tbody tr:hover { background: #f3f7fb; }
a.run { display: block; color: inherit; text-decoration: none; }
a.run .ans { display: block; font-family: ui-monospace, monospace; font-size: .8rem; }
a.run .grade { font-weight: 600; } a.run .by { color: var(--muted); font-size: .8rem; }
.v-full .grade { color: #1a6b35; } .v-zero .grade, .v-failed .grade { color: #a3231b; }
.v-partial .grade { color: #7a5a00; }
.search { display: flex; gap: .75rem; align-items: center; margin: .5rem 0; }
.search input { font: inherit; padding: .3rem .5rem; width: 24rem; max-width: 60%; }
dialog { width: min(960px, 94vw); max-height: 88vh; padding: 0; border: 1px solid #888; }
dialog .bar { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--line);
  display: flex; gap: .5rem; align-items: center; padding: .5rem 1rem; flex-wrap: wrap; }
dialog .bar h3 { margin: 0; font-size: 1rem; flex: 1 1 auto; }
dialog .body { padding: .5rem 1rem 1rem; }
dialog pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f7f7f7;
  padding: .5rem; margin: .25rem 0 .75rem; font-size: .85rem; }
dialog .step h4 { margin: .75rem 0 0; font-size: .9rem; }
dialog .arms button[aria-pressed="true"] { font-weight: 700; }
"""

_SCRIPT = """
(() => {
  let data = null;
  const load = () => data || (data = JSON.parse(document.getElementById("report-data").textContent));
  const dialog = document.getElementById("transcript");
  const body = dialog.querySelector(".body");
  const title = dialog.querySelector("h3");
  const arms = dialog.querySelector(".arms");
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const num = x => (x === null || x === undefined) ? "-" : String(Math.round(x * 100) / 100);
  function section(name, text) {
    body.append(el("h4", name));
    body.append(el("pre", text === null || text === undefined || text === "" ? "(none)" : text));
  }
  // Every run's transcript, packed (gzip, base64): unpacked once, when one first opens.
  let packedRuns = null;
  const runs = () => packedRuns || (packedRuns = (async () => {
    const text = document.getElementById("report-runs").textContent.trim();
    let bytes;
    if (Uint8Array.fromBase64) bytes = Uint8Array.fromBase64(text);
    else {
      const bin = atob(text);
      bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    }
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  })());
  let drawn = Promise.resolve();
  const show = runId => (drawn = draw(String(runId)));
  async function draw(runId) {
    const d = load();
    const run = (await runs())[runId];
    if (!run) return;
    const problem = d.problems[run.p];
    title.textContent = `Problem ${problem[0]} · ${d.arms[run.a]} · run ${runId}`;
    body.replaceChildren();
    arms.replaceChildren();
    for (const [other, arm] of problem[3]) {
      const b = el("button", d.arms[arm]);
      b.type = "button";
      b.setAttribute("aria-pressed", String(other === Number(runId)));
      b.addEventListener("click", () => show(other));
      arms.append(b);
    }
    const facts = [`status ${run.s}`, `stop ${run.sr || "-"}`, `final reward ${num(run.fr)}`,
      `output tokens ${run.ot}`, `cost ${run.c}`];
    if (run.rec) facts.unshift(`recorded result from ${run.rec}: no transcript`);
    body.append(el("p", facts.join(" · "), "meta"));
    section("Problem", problem[1]);
    section("Reference", problem[2]);
    if (run.err) section("Error", run.err);
    const steps = el("div");
    for (const [idx, kind, stepTitle, content, reward, budget, backtrack] of run.st) {
      const s = el("div", null, "step");
      let head = `${idx}. ${kind}${stepTitle ? ": " + stepTitle : ""}`;
      if (reward !== null) head += ` · reward ${num(reward)}`;
      if (budget !== null) head += ` · budget left ${budget}`;
      if (backtrack) head += " · backtrack";
      s.append(el("h4", head), el("pre", content));
      steps.append(s);
    }
    body.append(el("h4", `Steps (${run.st.length})`), steps);
    section("Answer", run.ans);
    body.append(el("h4", "Grade history"));
    if (!run.g.length) body.append(el("p", "not graded yet"));
    else {
      const table = el("table");
      const head = table.createTHead().insertRow();
      for (const h of ["grader", "verdict", "score", "points", "extracted", "note", "when"])
        head.append(el("th", h));
      const tb = table.createTBody();
      for (const [by, verdict, score, points, max, extracted, note, when] of run.g) {
        const row = tb.insertRow();
        const pts = points === null ? "-" : `${num(points)}/${num(max)}`;
        for (const v of [by, verdict, num(score), pts, extracted || "", note || "", when])
          row.append(el("td", v));
      }
      body.append(table);
    }
    if (!dialog.open) dialog.showModal();
    history.replaceState(null, "", "#run-" + runId);
  }
  const table = document.getElementById("problems");
  table.addEventListener("click", e => {
    const link = e.target.closest("a[data-run]");
    const row = e.target.closest("tr[data-first]");
    if (link) { e.preventDefault(); show(link.dataset.run); }
    else if (row) show(row.dataset.first);
  });
  dialog.querySelector(".close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => history.replaceState(null, "", location.pathname));
  // The per-problem table shows a page of rows at a time (the first page is in the HTML, so
  // that a large report opens at once); search and paging draw rows from the data.
  const input = document.getElementById("search");
  const shown = document.getElementById("shown");
  const pager = document.getElementById("pager");
  const tbody = table.tBodies[0];
  let index = null, timer = null, matches = null, page = 0;
  function cellEl(cell) {
    const td = el("td");
    if (!cell) { td.className = "none"; td.textContent = "—"; return td; }
    const [run, answer, verdict, grader] = cell;
    const a = el("a", null, "run v-" + verdict);
    a.href = "#run-" + run;
    a.dataset.run = run;
    a.append(el("span", answer || "(no answer)", "ans"), el("span", load().marks[verdict] || verdict, "grade"));
    if (grader) a.append(" ", el("span", grader, "by"));
    td.append(a);
    return td;
  }
  function rowEl(r) {
    const [pid, key, text, ref, cells] = r;
    const tr = el("tr");
    tr.dataset.p = pid;
    const first = cells.find(c => c);
    tr.dataset.first = first ? first[0] : "";
    tr.append(el("td", key, "key"), el("td", text), el("td", ref || "-", "ref"), ...cells.map(cellEl));
    return tr;
  }
  function render() {
    const d = load();
    const list = matches || d.rows.map((_, i) => i);
    const pages = Math.max(1, Math.ceil(list.length / d.page));
    page = Math.min(page, pages - 1);
    const start = page * d.page;
    tbody.replaceChildren(...list.slice(start, start + d.page).map(i => rowEl(d.rows[i])));
    drawPager(list.length, start);
  }
  function drawPager(total, start) {
    const size = Number(pager.dataset.page);  // not from the data: no parse at load
    pager.replaceChildren();
    if (total <= size) return;
    const back = el("button", "‹ previous"), next = el("button", "next ›");
    back.type = next.type = "button";
    back.disabled = start === 0;
    next.disabled = start + size >= total;
    back.addEventListener("click", () => { page -= 1; render(); });
    next.addEventListener("click", () => { page += 1; render(); });
    pager.append(back, el("span", ` rows ${start + 1}–${Math.min(total, start + size)} of ${total} `), next);
  }
  function filter() {
    const d = load();
    const words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    if (!index) {
      index = d.rows.map(([pid, key, , ref, cells]) => [key, d.problems[pid][1], ref,
        ...cells.filter(c => c).map(c => c.slice(1).join(" "))].join(" ").toLowerCase());
    }
    matches = words.length ? index.flatMap((t, i) => words.every(w => t.includes(w)) ? [i] : []) : null;
    page = 0;
    render();
    shown.textContent = words.length ? `${matches.length} of ${d.rows.length} problems match` : "";
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(filter, 150); });
  if (pager.dataset.total) drawPager(Number(pager.dataset.total), 0);
  window.ponderReport = { show, filter, drawn: () => drawn };
  // Unpack the transcripts once the page is idle, so that the first one opens at once.
  (window.requestIdleCallback || setTimeout)(() => runs());
  const m = location.hash.match(/^#run-(\\d+)$/);
  if (m) show(m[1]);
})();
"""


def _json_text(value: Any) -> str:
    """JSON for a <script type="application/json">: nothing in it can end the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _table(headers: list[str], rows: list[list[str]], numeric: set[int], cls: str = "") -> str:
    head = "".join(
        f'<th class="num">{_h(h)}</th>' if i in numeric else f"<th>{_h(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_h(c)}</td>' if i in numeric else f"<td>{_h(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>\n"
        for row in rows
    )
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def _cell_html(cell: Cell | None) -> str:
    if cell is None:
        return '<td class="none">—</td>'
    by = f' <span class="by">{_h(cell.grader)}</span>' if cell.grader else ""
    return (
        f'<td><a class="run v-{cell.verdict}" href="#run-{cell.run_id}" data-run="{cell.run_id}">'
        f'<span class="ans">{_h(short(cell.answer, ANSWER_SHOWN) or "(no answer)")}</span>'
        f'<span class="grade">{_h(VERDICT_MARK.get(cell.verdict, cell.verdict))}</span>{by}</a></td>'
    )


PAGE_ROWS = 200  # rows of the per-problem table drawn at a time


def problems_html(report: Report) -> str:
    """The per-problem table with its first page of rows (the script draws the others)."""
    arms = report.arms
    head = "<th>key</th><th>problem</th><th>reference</th>" + "".join(
        f"<th>{_h(a.label)}</th>" for a in arms
    )
    widths = (
        '<col class="key" style="width:4.5rem"><col style="width:24%"><col style="width:8rem">'
        + "".join("<col>" for _ in arms)
    )
    body = []
    for line in report.lines[:PAGE_ROWS]:
        first = next((c.run_id for c in line.cells if c is not None), "")
        body.append(
            f'<tr data-p="{line.problem_id}" data-first="{first}">'
            f'<td class="key">{_h(line.key)}</td>'
            f"<td>{_h(short(line.text, PROBLEM_SHOWN))}</td>"
            f'<td class="ref">{_h(short(line.reference, 60) or "-")}</td>'
            + "".join(_cell_html(c) for c in line.cells)
            + "</tr>\n"
        )
    more = len(report.lines) - PAGE_ROWS
    after = (
        f'<p class="note">{more:,} more problems: the buttons above the table page through'
        " them (with JavaScript), or see the Markdown report.</p>"
        if more > 0
        else ""
    )
    return (
        f'<table class="problems" id="problems"><colgroup>{widths}</colgroup>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{''.join(body)}</tbody>\n</table>{after}"
    )


def _data(report: Report) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the search, the pages and the transcript viewer read: problems, arms and rows; and
    apart, every counted run with its transcript (the bulk, read when a transcript opens)."""
    from store.recorded import SOURCE_PARAM

    runs_of: dict[int, list[list[int]]] = {}
    for line in report.lines:
        runs_of[line.problem_id] = [[c.run_id, i] for i, c in enumerate(line.cells) if c]
    problems: dict[str, list[Any]] = {}
    for line in report.lines:
        problems[str(line.problem_id)] = [
            line.key,
            line.text,
            line.reference,
            runs_of[line.problem_id],
        ]
    arm_of = {arm.key: i for i, arm in enumerate(report.arms)}
    runs: dict[str, dict[str, Any]] = {}
    transcripts = report.transcripts or {}
    for run_id, run in (report.runs or {}).items():
        t = transcripts.get(run_id)
        arm = arm_of.get((report.dataset, run.model, run.paradigm, run.provider))
        if arm is None:
            continue
        runs[str(run_id)] = {
            "p": run.problem_id,
            "a": arm,
            "s": run.status,
            "sr": run.stop_reason,
            "ans": run.answer,
            "fr": run.final_reward,
            "ot": run.output_tokens,
            "c": usd(run.cost_usd),
            "err": t.error if t else None,
            "rec": run.params.get(SOURCE_PARAM),
            "st": [
                [s.index, s.kind, s.title, s.content, s.reward, s.budget_left, s.backtrack]
                for s in (t.steps if t else ())
            ],
            "g": [
                [
                    _grader(g.grader, g.grader_name),
                    g.verdict,
                    g.score,
                    g.points,
                    g.max_points,
                    g.extracted,
                    g.note,
                    g.created_at,
                ]
                for g in (t.grades if t else ())
            ],
        }
    rows = [
        [
            line.problem_id,
            line.key,
            short(line.text, PROBLEM_SHOWN),
            short(line.reference, 60),
            [
                None
                if c is None
                else [c.run_id, short(c.answer, ANSWER_SHOWN), c.verdict, c.grader]
                for c in line.cells
            ],
        ]
        for line in report.lines
    ]
    data = {
        "arms": [a.label for a in report.arms],
        "problems": problems,
        "rows": rows,
        "page": PAGE_ROWS,
        "marks": VERDICT_MARK,
    }
    return data, runs


def _grader(grader: str, name: str | None) -> str:
    from ponder.report.build import grader_label

    return grader_label(grader, name)


def _section(anchor: str, title: str, content: str, note: str = "") -> str:
    note_html = f'<p class="note">{_h(note)}</p>' if note else ""
    return f'<section id="{anchor}"><h2>{_h(title)}</h2>\n{content}\n{note_html}</section>'


def _arm_note(arms: tuple[Arm, ...]) -> str:
    recorded = sorted({a.recorded_from for a in arms if a.recorded_from})
    if not recorded:
        return ""
    return (
        " Recorded results (provider 'recorded', from "
        + ", ".join(recorded)
        + ") are imported verdicts: graded by their source, no transcript, no tokens or cost."
    )


def render_html(report: Report) -> str:
    from ponder.report.chart_data import calibration_chart, with_without_chart
    from ponder.report.render import CALIBRATION_NOTE
    from ponder.report.svg_chart import render_svg
    from ponder.score_text import CALIBRATION_HEADERS, MEAN_NOTE, calibration_cells

    title = f"Ponder report: {report.dataset}"
    parts = [
        f"<h1>{_h(title)}</h1>",
        f'<p class="meta">{report.problems} problems in the dataset · generated'
        f" {_h(report.generated)} · which run counts: {_h(report.rule)}.</p>",
    ]
    if not report.rows:
        parts.append(
            "<p>No finished runs on this dataset yet: <code>ponder bench DATASET</code>.</p>"
        )
        return _page(title, "\n".join(parts), None)
    parts.append(
        '<nav><a href="#summary">Summary</a><a href="#comparison">With vs without</a>'
        '<a href="#settings">Settings</a><a href="#graders">Graders</a>'
        '<a href="#per-problem">Per problem</a><a href="#calibration">Calibration</a></nav>'
    )
    headers, rows, numeric = summary_cells(report)
    parts.append(
        _section(
            "summary",
            "Summary",
            _table(headers, rows, numeric, "summary"),
            f"{MEAN_NOTE[0].upper()}{MEAN_NOTE[1:]}. Protocol followed: done runs whose model"
            " followed the paradigm's protocol (the others' answers were taken from their text)."
            + _arm_note(report.arms),
        )
    )
    headers, rows, numeric = comparison_cells(report)
    chart = render_svg(with_without_chart(report.rows))
    content = _table(headers, rows, numeric) if rows else "<p>No model was run both ways yet.</p>"
    parts.append(
        _section(
            "comparison",
            "With technique vs without (paired)",
            f"{content}\n<figure>{chart}</figure>",
            f"Paired on the problems scored under both. {METHOD_NOTE}.",
        )
    )
    headers, rows, numeric = settings_cells(report)
    parts.append(_section("settings", "Settings each arm ran with", _table(headers, rows, numeric)))
    headers, rows, numeric = grader_cells(report)
    graders = _table(headers, rows, numeric)
    a_headers, a_rows, a_numeric = agreement_cells(report)
    if a_rows:
        graders += "\n<h3>Judge against human grades (runs graded by both)</h3>\n"
        graders += _table(a_headers, a_rows, a_numeric)
    else:
        graders += "\n<p>No run was graded by both a judge and a human: no agreement to show.</p>"
    parts.append(
        _section(
            "graders",
            "Who graded",
            graders,
            "The grade that counts is a run's latest human grade, else its latest automatic or"
            " judge grade. Weighted κ: Cohen's kappa on zero < partial < full, linear weights.",
        )
    )
    search = (
        '<div class="search"><label for="search">Search</label>'
        '<input id="search" type="search" placeholder="problem, answer, grade, grader…"'
        ' autocomplete="off"><span id="shown" aria-live="polite"></span>'
        f'<span id="pager" data-total="{len(report.lines)}" data-page="{PAGE_ROWS}"></span></div>'
    )
    parts.append(
        _section(
            "per-problem",
            "Per problem",
            search + problems_html(report),
            "Each row opens the transcript of its run (steps, rewards, feedback, answer, grade"
            " history); the buttons at its top switch to the other arms' runs of the problem.",
        )
    )
    cal_rows = calibration_cells(report.rows, any(a.label.endswith(")") for a in report.arms))
    cal = (
        _table(list(CALIBRATION_HEADERS)[1:], [r[1:] for r in cal_rows], set(range(2, 9)))
        + f"\n<figure>{render_svg(calibration_chart(report.rows))}</figure>"
        if cal_rows
        else "<p>No run with a final reward yet.</p>"
    )
    parts.append(
        _section(
            "calibration",
            "Reward calibration",
            cal,
            f"Accuracy per final-reward band: {CALIBRATION_NOTE}.",
        )
    )
    return _page(title, "\n".join(parts), *_data(report))


def _csp() -> str:
    """Nothing is fetched, and only the page's own script runs (its hash), whatever the data."""
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
        f" script-src 'sha256-{digest}'"
    )


def packed(value: Any) -> str:
    """JSON, gzipped, in base64: a third of the text or less for the browser to read through
    at load (the page unpacks it with DecompressionStream when a transcript first opens)."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def unpacked(text: str) -> Any:
    """The value `packed` packed (for tests)."""
    return json.loads(gzip.decompress(base64.b64decode(text)))


def _page(
    title: str, body: str, data: dict[str, Any] | None, runs: dict[str, Any] | None = None
) -> str:
    viewer = ""
    if data is not None:
        viewer = (
            '\n<dialog id="transcript" aria-label="Transcript"><div class="bar"><h3></h3>'
            '<span class="arms"></span><button type="button" class="close">Close</button></div>'
            '<div class="body"></div></dialog>\n'
            f'<script type="application/json" id="report-data">{_json_text(data)}</script>\n'
            '<script type="application/octet-stream" id="report-runs"'
            f' data-packing="gzip+base64">{packed(runs or {})}</script>\n'
            f"<script>{_SCRIPT}</script>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_csp()}">\n'
        f"<title>{_h(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + body
        + viewer
        + "\n</body>\n</html>\n"
    )
