#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; the zip's
# contents are in /autograder/source. Build the zip with
#   python -m autograder gradescope --lab @LAB@ --make-zip autograder.zip
# AUTOGRADER_ROOT (default /autograder) and SKIP_APT=1 let the kit's own tests rebuild
# this image in a temporary folder, exactly as here but without apt.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"

if [ "${SKIP_APT:-0}" != "1" ]; then
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi

"${PYTHON:-python3}" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --no-cache-dir --upgrade pip
# Only what grading needs, at the versions the kit is tested on (requirements.txt in the zip).
"$ROOT/venv/bin/python" -m pip install --quiet --no-cache-dir -r "$SOURCE/requirements.txt"

# The grader is not installed into the venv: it runs from $SOURCE, which from now on only root
# can read. Students' code runs as the unprivileged user nobody, so it cannot read the hidden
# checks or the lab's solution there (see the README's trust model).
chmod -R go-rwx "$SOURCE"

# Smoke test at build time: the grader, the lab and the notebook's libraries import.
cd "$SOURCE"
"$ROOT/venv/bin/python" -c "import autograder.labs.@LAB@, tensorflow, IPython, matplotlib; print('autograder ready for @LAB@, TensorFlow', tensorflow.__version__)"
