#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; the zip's
# contents are in /autograder/source. Build the zip with
#   python -m autograder gradescope --lab @LAB@ --make-zip autograder.zip
# AUTOGRADER_ROOT (default /autograder) and SKIP_APT=1 let the kit's own tests rebuild
# this image in a temporary folder, exactly as here but without apt; PIP_CACHE=1 lets
# them reuse pip's cache (the image itself keeps none: it would only make it larger).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
# Everything installed below must be readable by the user nobody, who runs students' code.
umask 022

if [ "${SKIP_APT:-0}" != "1" ]; then
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi

cache=--no-cache-dir
if [ "${PIP_CACHE:-0}" = "1" ]; then cache=; fi
"${PYTHON:-python3}" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet $cache --upgrade pip
# What grading and the lab's notebook need, at the versions the kit is tested on (requirements.txt
# in the zip; a test keeps it in step with the kit's own requirements.txt).
"$ROOT/venv/bin/python" -m pip install --quiet $cache -r "$SOURCE/requirements.txt"

# The grader is not installed into the venv: it runs from $SOURCE, which from now on only root
# can read. Students' code runs as the unprivileged user nobody, so it cannot read the hidden
# checks or the lab's solution there (see the README's trust model).
chmod -R go-rwx "$SOURCE"

# Build-time self-test: grade the lab's own solution, as a submission would be graded. A library
# missing here fails the build now, visibly, rather than scoring every student 0 later.
# It grades with the zip's settings, as run_autograder does.
[ -f "$SOURCE/environment.sh" ] && . "$SOURCE/environment.sh"
cd "$SOURCE"
"$ROOT/venv/bin/python" -m autograder gradescope --lab @LAB@ --self-test
