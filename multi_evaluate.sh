#!/usr/bin/env bash
# Runs evaluate_sample.py for every combination into out/.
# Unlike the original script, which passed `--imagenet_pretrained false` (read
# by absl as true, so its no_imagenet outputs repeat the imagenet ones), the
# no_imagenet runs here do evaluate the from-scratch checkpoints.
# Usage: [JOBS=N] multi_evaluate.sh [PYTHON [OUT_DIR [evaluate_sample.py flags...]]]
# JOBS (default 1) runs that many evaluations at a time; the script fails if
# any does.
set -euo pipefail
cd "$(dirname "$0")"
PY="${1:-python}"
OUT="${2:-out}"
shift $(( $# < 2 ? $# : 2 ))
mkdir -p "$OUT"

evaluate() {  # evaluate PRETRAINED EVAL_TYPE NAME
  "$PY" evaluate_sample.py --imagenet_pretrained="$1" --eval_type="$2" "${FLAGS[@]}" \
      > "$OUT/$3.txt.tmp"
  mv "$OUT/$3.txt.tmp" "$OUT/$3.txt"
}
PIDS=()
run() {  # run PRETRAINED EVAL_TYPE NAME, once fewer than JOBS are running
  while (( $(jobs -rp | wc -l) >= ${JOBS:-1} )); do wait -n || true; done
  evaluate "$@" &
  PIDS+=($!)
}
FLAGS=("$@")

run true joint imagenet_joint
run true flow imagenet_flow
run true rgb imagenet_rgb
run false rgb600 no_imagenet_rgb600
run false joint no_imagenet_joint
run false flow no_imagenet_flow
run false rgb no_imagenet_rgb
STATUS=0
for pid in "${PIDS[@]}"; do wait "$pid" || STATUS=1; done
exit "$STATUS"
