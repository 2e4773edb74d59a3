#!/usr/bin/env bash
# The kit's main job on the bundled examples: set up .venv, grade the example
# class in examples/ (in parallel, each submission isolated), then show what
# the class missed. Results land in grading-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m autograder grade-batch examples --output grading-output --force --report
echo
echo "Per-student results: grading-output/results/   Grades: grading-output/grades.csv"
echo "Class report: grading-output/report.html (and a chart per lab: report*.png)"
