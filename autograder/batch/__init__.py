"""Grade a whole class: find the submissions, grade them in parallel, keep every result.

- :mod:`.discover` turns a folder into :class:`Task` values (nbgrader's
  ``submitted/`` tree, or a flat folder of notebooks);
- :mod:`.run` grades each task (:func:`grade_one`, which never raises for a
  submission's sake) and keeps each record as it arrives (:func:`run_batch`);
- :mod:`.executors` runs the grading on local threads or a Dask cluster;
- :mod:`.store` owns the output folder: records, ``grades.csv``, the lock.
"""
from .discover import BatchError, Layout, Task, discover, find_layout
from .executors import DaskExecutor, Executor, LocalExecutor
from .run import GRADED, GRADER_ERROR, NOT_GRADED, BatchSummary, grade_one, is_current, run_batch
from .store import CSV_NAME, RESULTS_DIR, csv_text, load_records, result_path, write_atomic

__all__ = ["BatchError", "Layout", "Task", "discover", "find_layout", "DaskExecutor", "Executor", "LocalExecutor",
           "GRADED", "GRADER_ERROR", "NOT_GRADED", "BatchSummary", "grade_one", "is_current", "run_batch",
           "CSV_NAME", "RESULTS_DIR", "csv_text", "load_records", "result_path", "write_atomic"]
