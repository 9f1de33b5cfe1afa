#!/usr/bin/env bash
# Runs evaluate_sample.py for every combination into out/.
# Unlike the original script, which passed `--imagenet_pretrained false` (read
# by absl as true, so its no_imagenet outputs repeat the imagenet ones), the
# no_imagenet runs here do evaluate the from-scratch checkpoints. The seven
# runs share one process (evaluate_sample.py --output_dir): TensorFlow starts
# once and each checkpoint is restored once.
# Usage: multi_evaluate.sh [PYTHON [OUT_DIR [evaluate_sample.py flags...]]]
# Exits with status 1 if any combination failed; the others are written.
set -euo pipefail
cd "$(dirname "$0")"
PY="${1:-python}"
OUT="${2:-out}"
shift $(( $# < 2 ? $# : 2 ))
exec "$PY" evaluate_sample.py --output_dir="$OUT" "$@"
