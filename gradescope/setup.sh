#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# The zip's contents are in /autograder/source (build the zip with
# `python -m autograder gradescope --make-zip autograder.zip`).
set -euo pipefail
cd /autograder/source

apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip

python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --no-cache-dir --upgrade pip
# Only what grading needs (no Jupyter or nbgrader), at the versions the kit is tested on.
grep -E '^(tensorflow-cpu|keras|tf-keras|rich)==' requirements.txt > /tmp/grading-requirements.txt
/autograder/venv/bin/pip install --no-cache-dir -r /tmp/grading-requirements.txt
/autograder/venv/bin/pip install --no-cache-dir --no-deps .

# Smoke test at build time: the grader and TensorFlow import.
/autograder/venv/bin/python -c "import autograder.checks, tensorflow; print('autograder ready, TensorFlow', tensorflow.__version__)"
