#!/usr/bin/env bash
# The main job: fetch what can be had, then classify the cricket sample.
# Usage: demo.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")"
PY="${1:-python}"

"$PY" fetch_data.py --source=auto
if [[ -f data/v_CricketShot_g04_c01_rgb.npy && -f data/v_CricketShot_g04_c01_flow.npy \
      && -f data/checkpoints/flow_imagenet/model.ckpt.index ]]; then
  echo "== evaluate_sample.py --eval_type=joint (the released output for the cricket sample)"
  "$PY" evaluate_sample.py --eval_type=joint
else
  echo "The cricket samples and the Flow checkpoints come only with the original release," \
       "which needs internet: run 'python fetch_data.py --source=original' where GitHub is reachable."
  echo "The Kinetics-400 RGB checkpoint is ready: data/checkpoints/rgb_imagenet/model.ckpt."
fi
