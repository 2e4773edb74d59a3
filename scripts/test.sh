#!/usr/bin/env bash
# Run the whole test suite on both Keras stacks: Keras 3 (what `pip install
# tensorflow` gives) and legacy Keras 2 (tf-keras, TF_USE_LEGACY_KERAS=1).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k corpus`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
echo "=== Keras 3 (tf.keras is keras 3) ==="
TF_USE_LEGACY_KERAS=0 .venv/bin/python -m pytest "$@" || status=$?
echo "=== Keras 2 (tf-keras, TF_USE_LEGACY_KERAS=1) ==="
TF_USE_LEGACY_KERAS=1 .venv/bin/python -m pytest "$@" || status=$?
exit $status
