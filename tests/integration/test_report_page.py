"""The report's page and data without a browser: model text stays text, each arm's settings and
graders, recorded results beside fresh runs, and the per-problem lines."""

from __future__ import annotations

import json
import re

from store_helpers import add_problems, add_run, grade_right

from graders.scoring.counted import Rule
from ponder.report.build import build_report
from ponder.report.markdown import render_markdown
from ponder.report.page import render_html, unpacked
from store.grades import add_grade
from store.importers.recorded import RecordedResult, Verdict
from store.importers.rows import Warnings
from store.recorded import store_recorded

ESCAPE = "</script><script>alert(1)</script><img src=x onerror=alert(2)> & \u2028"


def seeded(db) -> list[int]:
    ids = add_problems(db, "exam", 3)
    params = json.dumps({"max_tokens": 512, "temperature": 0.2, "budget": 10})
    for i, pid in enumerate(ids):
        run = add_run(
            db,
            pid,
            ESCAPE,
            paradigm="dcot",
            model="m",
            params=params,
            base_url="http://127.0.0.1:8000/v1",
            steps=[("step", ESCAPE, ESCAPE)],
            stop_reason="no_protocol" if i == 0 else "answer",
            output_tokens=100 * (i + 1),
        )
        grade_right(db, run, i < 2)
    add_run(db, ids[2], None, status="failed", paradigm="direct", model="m", params=params)
    return ids


def test_model_text_is_never_markup_or_script_in_the_page(db):
    seeded(db)
    html = render_html(build_report(db, "exam", Rule()))
    # Exactly the page's three script elements (its data, its packed runs, its code); nothing
    # of the model's ends or opens one.
    assert len(re.findall(r"<script", html)) == 3 and html.count("</script>") == 3
    assert "<img" not in html and "alert(1)</script>" not in html
    assert "\u2028" not in html.split('id="report-data">')[1]
    data = json.loads(html.split('id="report-data">')[1].split("</script>")[0])
    assert data["rows"][0][4][0][1].startswith("</script><script>alert(1)")  # text, decoded
    packed = html.split('data-packing="gzip+base64">')[1].split("</script>")[0]
    assert re.fullmatch(r"[A-Za-z0-9+/=]*", packed)  # base64: nothing in it is markup
    run = next(iter(unpacked(packed).values()))
    assert run["ans"] == ESCAPE and run["st"][0][3] == ESCAPE  # the text itself, whole


def test_each_arm_says_its_settings_and_who_graded(db):
    [p1, *_] = seeded(db)
    human = db.conn.execute("select min(id) from runs").fetchone()[0]
    add_grade(db, human, grader="human", grader_name="ann", score=0.5, verdict="partial")
    report = build_report(db, "exam", Rule())
    arms = {arm.label: arm for arm in report.arms}
    dcot, direct = arms["m · dcot"], arms["m · direct"]
    assert dict(dcot.settings) == {
        "endpoint": "openai @ 127.0.0.1",
        "max tokens": "512",
        "output budget": "16384",  # at least the default run budget
        "step budget": "10",
        "temperature": "0.2",
        "prompts": "bundled",
    }
    assert "step budget" not in dict(direct.settings)
    assert dcot.graders == (("auto", 2), ("human ann", 1))
    assert direct.graders == () and direct.row.failed == 1
    # Per problem: each arm's answer, grade and grader; a failed run says so.
    line = report.lines[2]
    assert [c.verdict if c else None for c in line.cells] == ["zero", "failed"]
    assert report.lines[0].cells[0].grader == "human ann"


def test_recorded_results_sit_beside_fresh_runs_and_say_where_they_came_from(db):
    seeded(db)
    results = [
        RecordedResult(k, "o1", "direct", None, Verdict("full", 1.0), "solved", "row 2")
        for k in ("1", "2")
    ]
    store_recorded(db, "exam", results, "the write-up", Warnings())
    report = build_report(db, "exam", Rule())
    recorded = next(a for a in report.arms if a.row.model == "o1")
    assert recorded.recorded_from == "the write-up"
    assert recorded.settings == (("recorded by", "the write-up"),)
    assert recorded.graders == (("human the write-up", 2),)
    md = render_markdown(report)
    assert "| o1 | direct | 2/2 | 1.00 |" in md and "| recorded | - | - |" in md
    # The fresh arm's counts: one run of three did not follow the protocol; tokens per run.
    assert "| m | dcot | 2/3 | 0.67 | [0.21, 0.94] | 3 | 3 | 0 | 0 | 2 of 3 | 200 | ? |" in md
    html = render_html(report)
    assert "recorded result from" in html  # the viewer says so instead of showing no steps
