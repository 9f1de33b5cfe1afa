"""Remakes the documentation's pictures with the project's own commands.

  .venv/bin/python tools/make_doc_pictures.py

- `docs/pictures/timeline.png`: `classify_video.py --plot` on the whole of
  `data/videos/bikes.mp4`, 1.6 s windows every 0.4 s (the RGB stream);
- `docs/pictures/bikes_rgb.png`, `docs/pictures/bikes_flow.png`: the RGB and
  TV-L1 flow inputs `preprocess_video.py` makes of the cyclist (4.0-5.6 s),
  every eighth frame side by side, drawn as the release's gifs draw them
  ((rgb + 1) / 2; flow + 0.5 in red and green).

Needs `make registry-data` (the checkpoint and the sample videos).
"""

import os
import subprocess
import sys
import tempfile

from absl import app
import numpy as np
from PIL import Image

from kinetics_i3d.testing import repo_paths
from kinetics_i3d.video import gifs

PICTURES = os.path.join(repo_paths.ROOT, 'docs', 'pictures')
_EVERY = 8


def _run(script: str, *args: str) -> None:
  subprocess.run([sys.executable, os.path.join(repo_paths.ROOT, script),
                  *args], check=True)


def _strip(frames: np.ndarray, path: str) -> None:
  """Every `_EVERY`-th frame, side by side, 2 pixels apart."""
  chosen = frames[::_EVERY]
  gap = np.full((chosen.shape[1], 2, 3), 255, np.uint8)
  row = np.concatenate([piece for frame in chosen for piece in (frame, gap)
                        ][:-1], axis=1)
  Image.fromarray(row).save(path, optimize=True)
  print(f'Wrote {path} ({len(chosen)} frames).')


def main(argv) -> None:
  del argv
  os.makedirs(PICTURES, exist_ok=True)
  timeline = os.path.join(PICTURES, 'timeline.png')
  if os.path.exists(timeline):  # --plot never overwrites.
    os.remove(timeline)
  bikes = repo_paths.registry_video('bikes.mp4')
  checkpoints = f'--checkpoint_dir={repo_paths.DATA_DIR}/checkpoints'
  _run('classify_video.py', bikes, '--eval_type=rgb', '--window_sec=1.6',
       '--stride_sec=0.4', checkpoints, '--top_k=3',
       f'--plot={timeline}')
  with tempfile.TemporaryDirectory() as tmp:
    rgb, flow = os.path.join(tmp, 'rgb.npy'), os.path.join(tmp, 'flow.npy')
    _run('preprocess_video.py', bikes, '--start_sec=4', '--end_sec=5.6',
         f'--rgb_out={rgb}', f'--flow_out={flow}')
    _strip(gifs.rgb_visualisation(np.load(rgb)),
           os.path.join(PICTURES, 'bikes_rgb.png'))
    _strip(gifs.flow_visualisation(np.load(flow)),
           os.path.join(PICTURES, 'bikes_flow.png'))


if __name__ == '__main__':
  app.run(main)
