"""Measures FVD's embedding speed and what bfloat16 changes in the distance.

Two fixed, seeded sets of --num_videos 16-frame 64x64 clips (smooth moving
textures, and the same textures with noise), embedded with the registry
checkpoint in float32 and in bfloat16 (after a warm-up batch): videos per
second for each, and FVD and KVD in each precision with their relative
change.

  python benchmarks/fvd_benchmark.py [--num_videos=64] [--batch_size=8] [--json]

Needs `make registry-data` (the RGB checkpoint).
"""

import json
import os
import time
from typing import Sequence

from absl import app
from absl import flags
import numpy as np

from kinetics_i3d import fvd
from kinetics_i3d.testing import machine
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos

_NUM_VIDEOS = flags.DEFINE_integer('num_videos', 64, 'Videos per set.')
_BATCH_SIZE = flags.DEFINE_integer('batch_size', 8, 'Videos per batch.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')


def _sets(num_videos: int):
  rng = np.random.default_rng(0)
  clean = np.stack([
      synthetic_videos.moving_texture(16, 64, 64, dx=rng.uniform(-2, 2),
                                      dy=rng.uniform(-2, 2), seed=i)
      for i in range(num_videos)
  ])
  noise = rng.normal(0, 20, clean.shape)
  noisy = np.clip(clean + noise, 0, 255).astype(np.uint8)
  return clean, noisy


def main(argv: Sequence[str]) -> None:
  del argv
  clean, noisy = _sets(_NUM_VIDEOS.value)
  batch = _BATCH_SIZE.value
  results = {}
  for precision in ('float32', 'bfloat16'):
    embedder = fvd.Embedder(repo_paths.registry_checkpoint(), precision)
    embedder(clean[:batch])  # Warm-up: trace and oneDNN kernels.
    start = time.perf_counter()
    embeddings = [
        np.concatenate([
            embedder(videos[i:i + batch]).numpy()
            for i in range(0, len(videos), batch)
        ]) for videos in (clean, noisy)
    ]
    seconds = time.perf_counter() - start
    results[precision] = {
        'videos_per_sec': round(2 * len(clean) / seconds, 2),
        'fvd': fvd.frechet_distance(*embeddings),
        'kvd': fvd.kernel_distance(*embeddings),
    }
  change = {
      k: (results['bfloat16'][k] - results['float32'][k]) / results['float32'][k]
      for k in ('fvd', 'kvd')
  }
  summary = {'cpu': machine.cpu_name(), 'cores': os.cpu_count(),
             'num_videos': len(clean), 'num_frames': 16,
             'batch_size': batch, 'results': results,
             'bfloat16_relative_change': change}
  if _JSON.value:
    print(json.dumps(summary, indent=2))
    return
  print(f'{summary["cpu"]}, {summary["cores"]} cores; {len(clean)} + '
        f'{len(noisy)} clips of 16 frames, batch {batch}')
  for precision, r in results.items():
    print(f'{precision:9s} {r["videos_per_sec"]:7.2f} videos/s  '
          f'FVD {r["fvd"]:.4f}  KVD {r["kvd"]:.4f}')
  print(f'bfloat16 changes FVD by {100 * change["fvd"]:+.3f}% and KVD by '
        f'{100 * change["kvd"]:+.3f}%')


if __name__ == '__main__':
  app.run(main)
