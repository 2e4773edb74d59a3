"""grade-batch on a Dask cluster: the same grade_one, each submission in its worker's contained subject.

The cluster is a real one (worker processes, one thread each), started inside the test; the
command gets its scheduler address, as an instructor passes the address of a cluster spread over
several machines. A subject cannot reach the cluster (no TCP), so a hostile submission on one
worker changes nobody else's record.
"""
from __future__ import annotations

import csv
import json
import os

import pytest

distributed = pytest.importorskip("distributed")

from autograder import batch  # noqa: E402
from autograder.cli import main  # noqa: E402

from test_batch import ASSIGNMENT, CLI_LIMITS, FULL, record, submit  # noqa: E402



@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        yield cluster


def test_grade_batch_on_a_local_dask_cluster(tmp_path, cluster, capsys):
    course = tmp_path / "course"
    submit(course, "ada", "correct_reference_solution")
    submit(course, "amy", "forge_parent_fds_through_proc")
    submit(course, "bob", "call_without_bias")
    submit(course, "cal", "neighbour_kill_everything")
    submit(course, "dee", "os_exit_in_build")
    (course / "submitted" / "fay" / ASSIGNMENT).mkdir(parents=True)
    out = tmp_path / "out"

    code = main(["grade-batch", str(course), "--scheduler", cluster.scheduler_address,
                 "--output", str(out), "--quiet", "--report", *CLI_LIMITS])
    assert code == 0
    assert "graded 6 now, 0 from earlier runs, 6 in all" in capsys.readouterr().out

    ada, amy, bob, cal, dee, fay = (record(out, s) for s in ("ada", "amy", "bob", "cal", "dee", "fay"))
    assert ada["score"] == FULL and ada["error"] is None
    assert amy["score"] == bob["score"] == FULL - 8
    assert cal["score"] == 0 and dee["score"] == 0 and "code 3" in dee["error"]
    assert fay["status"] == "not_graded" and fay["score"] == 0
    # Graded in the workers (their own processes, their own zygotes), not here, and every worker lived.
    workers = {r["worker"]["pid"] for r in (ada, amy, bob, cal, dee)}
    assert os.getpid() not in workers and len(cluster.scheduler_info["workers"]) == 2
    assert all(r["worker"]["zygote_rss_mb"] > 100 for r in (ada, bob, dee))
    with open(out / "grades.csv", newline="") as f:
        assert [r["student_id"] for r in csv.DictReader(f)] == ["ada", "amy", "bob", "cal", "dee", "fay"]
    assert (out / "report.html").is_file()
    run = json.loads((out / "run.json").read_text())
    assert run["executor"].startswith("Dask at ") and run["workers"] == 2

    # The same resume rules as on one machine: nothing is graded twice.
    assert main(["grade-batch", str(course), "--scheduler", cluster.scheduler_address,
                 "--output", str(out), "--quiet", *CLI_LIMITS]) == 0
    assert "graded 0 now, 6 from earlier runs" in capsys.readouterr().out


def test_unreachable_scheduler_is_a_usage_error(tmp_path, capsys, monkeypatch):
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "a.ipynb").write_text("{}")
    monkeypatch.setattr(batch.DaskExecutor, "connect_timeout_s", 2.0)
    code = main(["grade-batch", str(flat), "--assignment", ASSIGNMENT, "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the Dask scheduler") and len(err.strip().splitlines()) == 1
