"""The Score charts screen: with vs without per model and calibration, from the store."""

from __future__ import annotations

from pathlib import Path

from store_helpers import add_problem, add_run, grade_right
from tui_helpers import SIZE, fixed_app, screen_text, wait_for

from store.db import open_db
from tui.screens.score_charts import ScoreChartsScreen, load_charts


def seeded(tmp_path: Path):
    db = open_db(tmp_path / "ponder.db")
    for k in range(1, 7):
        pid = add_problem(db, str(k), "1", dataset="exam", text="P")
        for paradigm, right, reward in (("direct", k <= 2, None), ("dcot", k <= 5, 1 - k / 10)):
            run = add_run(
                db,
                pid,
                None,
                paradigm=paradigm,
                model="m\x1b]0;x\x07",
                final_reward=reward,
                bench_id="B",
                started_at="2026",
            )
            grade_right(db, run, right)
    return db


def test_load_charts_reads_means_intervals_and_verdicts(tmp_path):
    data = load_charts(seeded(tmp_path), "exam")
    [group] = data.with_without.groups
    assert [(b.series, b.note) for b in group.bars] == [("direct", "2/6"), ("dcot", "5/6")]
    [verdict] = data.verdicts
    assert verdict.startswith("exam · m · dcot − direct: +0.50")  # the dataset on every line
    assert verdict.endswith("no detectable difference on 6 problems")  # p = 0.25
    assert "\x1b" not in verdict
    assert data.calibration.groups[0].name.endswith(" · dcot")  # names are made safe when drawn


async def test_score_charts_screen_from_the_palette_command(tmp_path):
    db = seeded(tmp_path)
    app = fixed_app(db=db)
    async with app.run_test(size=SIZE) as pilot:
        app.action_score_charts()
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ScoreChartsScreen) and app.screen.data is not None,
        )
        await pilot.pause()
        text = screen_text(app)
        assert "Scores of every dataset" in text
        assert "no detectable difference on 6 problems" in text
        assert "█ direct   ▒ dcot" in text and "█ reward ≥ 0.8" in text
        # Each bar labelled in words, readable without colour.
        assert "m: █ direct 0.33 [0.10, 0.70] 2/6 · ▒ dcot 0.83 [0.44, 0.97] 5/6" in text
        assert "Mean score with 95% CI" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ScoreChartsScreen))
