"""Measures the start-up of `evaluate_sample.py` against a minimal program.

The baseline (`--baseline`, run in a child) is the least TensorFlow needs to
do the same job: import TensorFlow, read the checkpoint's tensors into
`tf.Variable`s, run the I3D forward pass in plain `tf.nn` ops
(`kinetics_i3d/testing/plain_i3d.py`) under one `tf.function` on the 79-frame
sample, print the norm of the logits. The benchmark alternates --runs whole
processes of each (`evaluate_sample.py --eval_type=rgb`, then the baseline),
reports their medians and ratio, and the phases of the script's own path
timed in one process (`--phases`): import, model (build and restore), fold,
first call (trace and run), second call.

  python benchmarks/startup_benchmark.py [--runs=5] [--json]

Needs `make registry-data` (the RGB checkpoint).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Sequence

from absl import app
from absl import flags

_RUNS = flags.DEFINE_integer('runs', 5, 'Alternated runs of each program.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')
_BASELINE = flags.DEFINE_string('baseline', None,
                                'Internal: run the baseline on this sample.')
_PHASES = flags.DEFINE_string('phases', None,
                              'Internal: time the phases on this sample.')
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CHECKPOINT = os.path.join(_ROOT, 'data', 'checkpoints', 'rgb_imagenet',
                           'model.ckpt')


def _baseline(sample: str) -> None:
  """The minimal program: variables from the checkpoint, tf.nn ops."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  from kinetics_i3d.testing import \
      plain_i3d  # pylint: disable=g-import-not-at-top
  reader = tf.train.load_checkpoint(_CHECKPOINT)
  prefix = 'RGB/inception_i3d/'
  weights = {
      name[len(prefix):]: tf.Variable(reader.get_tensor(name))
      for name in reader.get_variable_to_shape_map()
      if name.startswith(prefix)
  }
  forward = tf.function(lambda x: plain_i3d.logits(weights, x))
  logits = forward(tf.constant(np.load(sample)))[0, 0, 0].numpy()
  print('Norm of logits: %f' % np.linalg.norm(logits))


def _phases(sample: str) -> None:
  """Times each phase of evaluate_sample.py's path in this process."""
  times = {}
  start = time.perf_counter()
  import numpy as np  # pylint: disable=g-import-not-at-top

  import evaluate_sample  # pylint: disable=g-import-not-at-top,unused-import
  from kinetics_i3d.models import \
      inference  # pylint: disable=g-import-not-at-top
  from kinetics_i3d import \
      pretrained  # pylint: disable=g-import-not-at-top
  times['import'] = time.perf_counter() - start
  start = time.perf_counter()
  model = pretrained.load('rgb_imagenet', checkpoint=_CHECKPOINT)
  times['build and restore'] = time.perf_counter() - start
  start = time.perf_counter()
  predictor = inference.Predictor({'rgb': model})
  times['fold'] = time.perf_counter() - start
  clip = np.load(sample)
  start = time.perf_counter()
  predictor({'rgb': clip})
  times['first call (trace and run)'] = time.perf_counter() - start
  start = time.perf_counter()
  predictor({'rgb': clip})
  times['second call (run)'] = time.perf_counter() - start
  print(json.dumps(times))


def _seconds(command: List[str]) -> float:
  start = time.perf_counter()
  result = subprocess.run(command, capture_output=True, text=True,
                          check=False, cwd=_ROOT)
  if result.returncode:
    sys.exit(f'{" ".join(command)} failed: {result.stderr[-2000:]}')
  return time.perf_counter() - start


def main(argv: Sequence[str]) -> None:
  del argv
  if _BASELINE.value:
    _baseline(_BASELINE.value)
    return
  if _PHASES.value:
    _phases(_PHASES.value)
    return
  import numpy as np  # pylint: disable=g-import-not-at-top

  from kinetics_i3d.testing import \
      machine  # pylint: disable=g-import-not-at-top
  with tempfile.TemporaryDirectory() as tmp:
    sample = os.path.join(tmp, 'sample_rgb.npy')
    rng = np.random.default_rng(0)
    np.save(sample, rng.uniform(-1, 1, (1, 79, 224, 224, 3)).astype(
        np.float32))
    me = os.path.abspath(__file__)
    script = [sys.executable, 'evaluate_sample.py', '--eval_type=rgb',
              f'--rgb_sample={sample}']
    baseline = [sys.executable, me, f'--baseline={sample}']
    runs: Dict[str, List[float]] = {'evaluate_sample.py': [], 'baseline': []}
    for _ in range(_RUNS.value):
      runs['evaluate_sample.py'].append(_seconds(script))
      runs['baseline'].append(_seconds(baseline))
    phases = json.loads(subprocess.run(
        [sys.executable, me, f'--phases={sample}'], capture_output=True,
        text=True, check=True, cwd=_ROOT).stdout)
  medians = {k: statistics.median(v) for k, v in runs.items()}
  summary = {
      'cpu': machine.cpu_name(), 'cores': os.cpu_count(),
      'median_sec': {k: round(v, 3) for k, v in medians.items()},
      'ratio': round(medians['evaluate_sample.py'] / medians['baseline'], 3),
      'runs_sec': {k: [round(x, 3) for x in v] for k, v in runs.items()},
      'phases_sec': {k: round(v, 3) for k, v in phases.items()},
  }
  if _JSON.value:
    print(json.dumps(summary, indent=2))
    return
  print(f'{summary["cpu"]}, {summary["cores"]} cores; median of '
        f'{_RUNS.value} alternated runs')
  for name, seconds in summary['median_sec'].items():
    print(f'{name:20s} {seconds:6.3f} s')
  print(f'ratio {summary["ratio"]:.3f}')
  print('phases of evaluate_sample.py in one process:')
  for name, seconds in summary['phases_sec'].items():
    print(f'  {name:28s} {seconds:6.3f} s')


if __name__ == '__main__':
  app.run(main)
