"""`ponder scores` from the command line: the pinned --json fields, --bench, --latest, and a real
bench whose score an ad-hoc re-run leaves alone."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import ponder
from fakellm import FakeLLM, Reply, system_text
from store_helpers import add_problems, add_run, grade_right

from ponder.launch import main


def seed(db, n: int = 4) -> list[int]:
    """Dataset `exam`: bench B1 with direct 1/4 and dcot 3/4, rewards on the dcot runs."""
    ids = add_problems(db, "exam", n, reference="1")
    for i, pid in enumerate(ids):
        for paradigm, right, reward in (("direct", i == 0, None), ("dcot", i < 3, 0.9 - 0.2 * i)):
            run_id = add_run(
                db,
                pid,
                "x",
                paradigm=paradigm,
                final_reward=reward,
                bench_id="B1",
                started_at="2026-01-01",
            )
            grade_right(db, run_id, right)
    return ids


PINNED_SCORE_FIELDS = {
    "dataset",
    "model",
    "paradigm",
    "problems",
    "n",
    "graded",
    "score_sum",
    "full",
    "partial",
    "zero",
    "needs_human",
    "ungraded",
    "points",
    "max_points",
    "tokens",
    "cost_usd",
    "mean",
    "total",
    "failed",
    "ci95",
    "reward_auroc",
}
PINNED_COMPARISON_FIELDS = {
    "dataset",
    "model",
    "problems",
    "direct",
    "dcot",
    "g1",
    "gain_dcot",
    "gain_g1",
    *(f"{f}_{t}" for f in ("paired", "ci95", "p_value") for t in ("dcot", "g1")),
}


def test_scores_json_has_the_pinned_fields(capsys, db):
    seed(db)
    code, out, _ = ponder(capsys, "scores", "exam", "--json")
    assert code == 0
    data = json.loads(out)
    by = {r["paradigm"]: r for r in data["scores"]}
    for row in data["scores"]:
        assert set(row) >= PINNED_SCORE_FIELDS
    dcot = by["dcot"]
    assert (dcot["total"], dcot["n"], dcot["failed"]) == ("3/4", 4, 0)
    low, high = dcot["ci95"]
    assert low < dcot["mean"] == 0.75 < high
    assert dcot["reward_auroc"] == 1.0  # rewards 0.9, 0.7, 0.5 right; 0.3 wrong
    assert by["direct"]["reward_auroc"] is None  # no rewards
    [pair] = data["comparison"]
    assert set(pair) >= PINNED_COMPARISON_FIELDS
    assert (pair["paired_dcot"], pair["paired_g1"]) == (4, 0)
    assert pair["p_value_dcot"] == 0.5  # 2 discordant pairs, both for dcot
    assert pair["ci95_dcot"][0] <= 0 and pair["ci95_g1"] is None and pair["p_value_g1"] is None
    assert pair["gain_dcot"] == 2


def test_scores_text_shows_coverage_rule_ci_and_verdict(capsys, db, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # every column (a narrow terminal drops coverage)
    seed(db)
    code, out, _ = ponder(capsys, "scores", "exam")
    assert code == 0
    assert "4 of 4" in out and "[0.30, 0.95]" in out  # Wilson interval of 3/4
    assert "counted: the run of the latest bench" in out
    assert "no detectable difference on 4 problems" in out
    assert "Wilson score interval" in out and "sign-flip" in out


def test_bench_option_and_an_unknown_bench(capsys, db):
    ids = seed(db)
    add_run(db, ids[0], None, "failed", bench_id="B2", started_at="2026-01-02")
    _, out, _ = ponder(capsys, "scores", "exam", "--json")
    dcot = next(r for r in json.loads(out)["scores"] if r["paradigm"] == "dcot")
    assert (dcot["total"], dcot["failed"], dcot["benches"]) == ("2/4", 1, ["B1", "B2"])
    _, out, _ = ponder(capsys, "scores", "exam", "--json", "--bench", "B1")
    data = json.loads(out)
    assert data["rule"] == "the runs of bench B1 only"
    assert [r["total"] for r in data["scores"]] == ["3/4", "1/4"]
    code, _, err = ponder(capsys, "scores", "exam", "--bench", "nope")
    assert code == 2 and "no bench 'nope'" in err
    with pytest.raises(SystemExit) as exit_:
        main(["scores", "--bench", "B1", "--latest"])
    assert exit_.value.code == 2 and "not allowed with" in capsys.readouterr().err


def test_scores_csv_has_the_new_columns(capsys, db):
    seed(db)
    _, out, _ = ponder(capsys, "scores", "exam", "--csv")
    rows = {r["paradigm"]: r for r in csv.DictReader(out.splitlines())}
    assert rows["dcot"]["failed"] == "0" and rows["dcot"]["reward_auroc"] == "1.0"
    assert float(rows["dcot"]["ci95_low"]) < 0.75 < float(rows["dcot"]["ci95_high"])


# ---- a real bench, then an ad-hoc re-run ---------------------------------------------------


def _answering(right: set[tuple[str, str]]):
    def respond(body: dict[str, Any]) -> Reply:
        text = next(m for m in body["messages"] if m["role"] == "user")["content"]
        text = text if isinstance(text, str) else "".join(b.get("text", "") for b in text)
        key = text.split(":")[0].split()[-1]
        dcot = "<step>" in system_text(body)
        paradigm = "dcot" if dcot else "direct"
        answer = str(7 * int(key)) if (key, paradigm) in right else "0"
        if dcot:
            return Reply(
                "<step>Work\nIt out.</step>\n<count>19</count>\n<reflection>ok</reflection>\n"
                f"<reward>0.9</reward>\n<answer>{answer}</answer>\n"
                "<reflection>done</reflection>\n<reward>0.8</reward>"
            )
        return Reply(f"Working.\nFinal answer: {answer}")

    return respond


def test_an_adhoc_rerun_leaves_a_finished_bench_score_unchanged(
    capsys, fake_llm: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    sheet = tmp_path / "small.csv"
    sheet.write_text(
        "id,question,answer,kind\n"
        + "".join(f"{i},Problem {i}: what is {i} times 7?,{7 * i},integer\n" for i in range(1, 7))
    )
    assert main(["import", str(sheet), "--dataset", "small"]) == 0
    right = {("1", "dcot"), ("2", "dcot"), ("3", "dcot"), ("1", "direct"), ("2", "direct")}
    fake_llm.responder = _answering(right)
    flags = ["--paradigm", "dcot", "--paradigm", "direct", "--model", "gpt-4o-mini"]
    assert main(["bench", "small", "--base-url", fake_llm.base_url_openai, *flags]) == 0
    capsys.readouterr()
    _, before, _ = ponder(capsys, "scores", "small", "--json")
    dcot = next(r for r in json.loads(before)["scores"] if r["paradigm"] == "dcot")
    assert (dcot["total"], dcot["mean"]) == ("3/6", 0.5)

    # Re-run problem 4 by hand: it gets it right this time, and is not graded yet.
    right.add(("4", "dcot"))
    argv = ["solve", "--problem", "small:4", "--base-url", fake_llm.base_url_openai]
    assert main([*argv, "--model", "gpt-4o-mini", "--json"]) == 0
    capsys.readouterr()
    _, after, _ = ponder(capsys, "scores", "small", "--json")
    assert json.loads(after) == json.loads(before)

    # Graded, it still leaves the bench's score alone, unless asked for the latest runs.
    assert main(["grade", "small", "--auto"]) == 0
    capsys.readouterr()
    _, graded, _ = ponder(capsys, "scores", "small", "--json")
    assert json.loads(graded) == json.loads(before)
    _, latest, _ = ponder(capsys, "scores", "small", "--json", "--latest")
    dcot = next(r for r in json.loads(latest)["scores"] if r["paradigm"] == "dcot")
    assert (dcot["total"], dcot["adhoc"]) == ("4/6", 1)
