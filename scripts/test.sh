#!/usr/bin/env bash
# Run the whole test suite on both Keras stacks: Keras 3 (what `pip install
# tensorflow` gives) and legacy Keras 2 (tf-keras, TF_USE_LEGACY_KERAS=1).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k corpus`.
#
# The two stacks run side by side, each in its own pytest process (every
# test works in its own temporary folders), and each one's output is shown
# when it ends: a run waits mostly on one subject process at a time, so two
# share a 2-core machine well. AUTOGRADER_TEST_SERIAL=1 runs them one after
# the other, with live output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

stack_name() { if [ "$1" = 1 ]; then echo "Keras 2 (tf-keras, TF_USE_LEGACY_KERAS=1)"; else echo "Keras 3 (tf.keras is keras 3)"; fi; }

if [ "${AUTOGRADER_TEST_SERIAL:-0}" = 1 ]; then
    status=0
    for legacy in 0 1; do
        echo "=== $(stack_name $legacy) ==="
        TF_USE_LEGACY_KERAS=$legacy .venv/bin/python -m pytest "$@" || status=$?
    done
    exit $status
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
pids=()
for legacy in 0 1; do
    # Each session grades half of the corpus's attacks on the process (tests/labs/test_corpus.py).
    AUTOGRADER_TEST_SPLIT_ATTACKS=1 TF_USE_LEGACY_KERAS=$legacy .venv/bin/python -m pytest -p no:cacheprovider "$@" \
        > "$logs/$legacy.log" 2>&1 &
    pids+=($!)
done
echo "running both stacks side by side (output below as each ends)..."
status=0
for index in 0 1; do
    code=0
    wait "${pids[$index]}" || code=$?
    echo "=== $(stack_name $index): exit $code ==="
    cat "$logs/$index.log"
    [ $code = 0 ] || status=$code
done
exit $status
