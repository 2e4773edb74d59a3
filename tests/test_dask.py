"""grade-batch on a Dask cluster: the same grade_one, isolated by each worker's own zygote.

The cluster is a real one (worker processes, one thread each), started inside
the test; the command gets its scheduler address, as an instructor would pass
the address of a cluster spread over several machines.
"""
from __future__ import annotations

import csv
import json
import os

import pytest

distributed = pytest.importorskip("distributed")

from autograder import batch  # noqa: E402
from autograder.cli import main  # noqa: E402

from test_batch import ASSIGNMENT, CLI_LIMITS, record, submitted, write_case  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        yield cluster


def test_grade_batch_on_a_local_dask_cluster(tmp_path, cluster, capsys):
    course = tmp_path / "course"
    write_case(submitted(course, "ada"), ASSIGNMENT, "correct_reference_solution")
    write_case(submitted(course, "bob"), ASSIGNMENT, "missing_bias")
    write_case(submitted(course, "dee"), ASSIGNMENT, "os_exit_in_build")
    submitted(course, "fay").mkdir(parents=True)
    out = tmp_path / "out"

    code = main(["grade-batch", str(course), "--scheduler", cluster.scheduler_address,
                 "--output", str(out), "--quiet", "--report", *CLI_LIMITS])
    assert code == 0
    printed = capsys.readouterr().out
    assert "graded 4 now, 0 from earlier runs, 4 in all" in printed

    ada, bob, dee, fay = (record(out, s) for s in ("ada", "bob", "dee", "fay"))
    assert ada["score"] == 17 and ada["error"] is None
    assert 0 < bob["score"] < 17
    assert dee["score"] == 0 and "exited with code 3" in dee["error"]
    assert fay["status"] == "not_graded" and fay["score"] == 0
    # Graded in the workers (their own processes, their own zygotes), not here.
    workers = {r["worker"]["pid"] for r in (ada, bob, dee)}
    assert os.getpid() not in workers
    assert all(r["worker"]["thread"].startswith(tuple("0123456789")) or "Dask" in r["worker"]["thread"]
               for r in (ada, bob, dee))
    assert all(r["worker"]["zygote_rss_mb"] > 100 for r in (ada, bob, dee))
    with open(out / "grades.csv", newline="") as f:
        assert [r["student_id"] for r in csv.DictReader(f)] == ["ada", "bob", "dee", "fay"]
    assert (out / "report.html").is_file() and (out / "report.png").is_file()
    run = json.loads((out / "run.json").read_text())
    assert run["executor"].startswith("Dask at ") and run["workers"] == 2

    # The same resume rules as on one machine: nothing is graded twice.
    assert main(["grade-batch", str(course), "--scheduler", cluster.scheduler_address,
                 "--output", str(out), "--quiet", *CLI_LIMITS]) == 0
    assert "graded 0 now, 4 from earlier runs" in capsys.readouterr().out


def test_unreachable_scheduler_is_a_usage_error(tmp_path, capsys, monkeypatch):
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "a.ipynb").write_text("{}")
    monkeypatch.setattr(batch.DaskExecutor, "connect_timeout_s", 2.0)
    code = main(["grade-batch", str(flat), "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the Dask scheduler") and len(err.strip().splitlines()) == 1
