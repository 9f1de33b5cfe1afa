#!/usr/bin/env bash
# Runs evaluate_sample.py for every combination into out/.
# Unlike the original script, which passed `--imagenet_pretrained false` (read
# by absl as true, so its no_imagenet outputs repeat the imagenet ones), the
# no_imagenet runs here do evaluate the from-scratch checkpoints.
# Usage: multi_evaluate.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")"
PY="${1:-python}"
mkdir -p out

run() {  # run PRETRAINED EVAL_TYPE OUTPUT
  "$PY" evaluate_sample.py --imagenet_pretrained="$1" --eval_type="$2" > "out/$3.txt.tmp"
  mv "out/$3.txt.tmp" "out/$3.txt"
}

run true joint imagenet_joint
run true flow imagenet_flow
run true rgb imagenet_rgb
run false rgb600 no_imagenet_rgb600
run false joint no_imagenet_joint
run false flow no_imagenet_flow
run false rgb no_imagenet_rgb
