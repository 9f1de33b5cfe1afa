"""Speed and agreement of the TensorFlow TV-L1 port against OpenCV's.

Runs OpenCV's TV-L1 (one process per core, one thread each, as
`preprocess_video.py` does) and the TensorFlow port (with and without XLA)
on the same consecutive frame pairs, and prints pairs/s for each, the
TensorFlow port's set-up cost (tracing and XLA compilation, once per
frame size and process), and the end-point error of the TensorFlow flow
against OpenCV's: mean, median, 99th percentile, share of pixels over 1 px,
and the mean absolute difference in the network's units (flow clipped to
+-20 px and divided by 20).

  python benchmarks/flow_benchmark.py [--pairs=FILE.npz] [--save_flow=OUT.npy]
      [--batch_size=8] [--json]

FILE.npz holds `frames`, uint8 grayscale [N + 1, H, W]. Without --pairs, two
sets come from the registry videos (`make registry-data`) at 341x256: easy
(`bigbuckbunny.mp4` from 2.4 s, slow motion under 0.5 px) and hard
(`bikes.mp4` from 2.8 s, a passing cyclist, about 5 px). --save_flow writes
the TensorFlow (XLA) flow, [N, H, W, 2], of the first set.
"""

import json
import os
import time
from typing import Dict, Sequence

from absl import app
from absl import flags
import cv2
import numpy as np
import tensorflow as tf

from kinetics_i3d.testing import machine
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.video import decoding
from kinetics_i3d.video import optical_flow

_PAIRS = flags.DEFINE_string('pairs', None,
                             '.npz with uint8 `frames` [N + 1, H, W].')
_SAVE_FLOW = flags.DEFINE_string('save_flow', None,
                                 'Write the TensorFlow flow here (.npy).')
_BATCH_SIZE = flags.DEFINE_integer('batch_size', 8,
                                   'Pairs per TensorFlow call.')
_NUM_PAIRS = flags.DEFINE_integer('num_pairs', 8,
                                  'Pairs per registry video without --pairs.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')

_SIZE = (341, 256)  # (width, height), the frames the flow stream sees.
_REGISTRY_SETS = (('easy', 'bigbuckbunny.mp4', 2.4),
                  ('hard', 'bikes.mp4', 2.8))


def _registry_frames(video: str, start_sec: float, pairs: int) -> np.ndarray:
  """uint8 grayscale [pairs + 1, 256, 341] from a registry video at 25 fps."""
  path = repo_paths.registry_video(video)
  transform = lambda f: cv2.cvtColor(  # pylint: disable=g-long-lambda
      cv2.resize(f, _SIZE, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
  decoded = decoding.decode(path, transform, start_sec=start_sec,
                            end_sec=start_sec + (pairs + 1.5) / 25)
  return np.stack(decoded.frames[:pairs + 1])


def _opencv(frames: np.ndarray) -> Dict:
  cores = os.cpu_count() or 1
  with optical_flow.TVL1(cores) as engine:
    engine(frames[:cores + 1])  # Starts the worker processes.
    start = time.perf_counter()
    flow = engine(list(frames))
    seconds = time.perf_counter() - start
  return {'flow': flow, 'seconds': seconds, 'processes': cores}


def _tensorflow(frames: np.ndarray, jit_compile: bool,
                batch_size: int) -> Dict:
  engine = optical_flow.TensorFlowTVL1(batch_size, jit_compile=jit_compile)
  start = time.perf_counter()
  engine(list(frames))  # Traces and, with XLA, compiles its batch sizes.
  first_run = time.perf_counter() - start
  start = time.perf_counter()
  flow = engine(list(frames))
  seconds = time.perf_counter() - start
  return {'flow': flow, 'seconds': seconds,
          'setup_seconds': first_run - seconds}


def agreement(flow: np.ndarray, reference: np.ndarray) -> Dict[str, float]:
  """End-point error statistics of `flow` against `reference` ([N, H, W, 2])."""
  epe = np.sqrt(np.sum(np.square(flow - reference), axis=-1))
  units = lambda f: np.clip(f, -20, 20) / 20  # pylint: disable=g-long-lambda
  return {
      'epe_mean': float(epe.mean()),
      'epe_median': float(np.median(epe)),
      'epe_p99': float(np.percentile(epe, 99)),
      'share_over_1px': float(np.mean(epe > 1)),
      'network_units_mad': float(np.abs(units(flow) - units(reference)).mean()),
  }


def _measure(name: str, frames: np.ndarray, batch_size: int) -> Dict:
  pairs = len(frames) - 1
  opencv = _opencv(frames)
  result = {
      'set': name, 'pairs': pairs, 'height': frames.shape[1],
      'width': frames.shape[2],
      'mean_motion_px': float(np.sqrt(np.sum(
          np.square(opencv['flow']), axis=-1)).mean()),
      'opencv': {'pairs_per_sec': pairs / opencv['seconds'],
                 'processes': opencv['processes']},
  }
  for label, jit in (('tensorflow', False), ('tensorflow_xla', True)):
    run = _tensorflow(frames, jit, batch_size)
    result[label] = {
        'pairs_per_sec': pairs / run['seconds'],
        'setup_seconds': run['setup_seconds'],
        'batch_size': batch_size,
        **agreement(run['flow'], opencv['flow']),
    }
    result[label]['ratio_to_opencv'] = (
        result[label]['pairs_per_sec'] / result['opencv']['pairs_per_sec'])
    result['_flow'] = run['flow']  # The XLA run's, the last.
  return result


def _print(summary: Dict, results: Sequence[Dict]) -> None:
  print(f'{summary["device"]}, {summary["cores"]} cores, TensorFlow '
        f'{summary["tensorflow"]} ({summary["threads"]} intra-op threads)')
  for r in results:
    print(f'\n{r["set"]}: {r["pairs"]} pairs of {r["width"]}x{r["height"]}, '
          f'mean motion {r["mean_motion_px"]:.2f} px')
    print(f'  OpenCV ({r["opencv"]["processes"]} processes): '
          f'{r["opencv"]["pairs_per_sec"]:.3f} pairs/s')
    for label in ('tensorflow', 'tensorflow_xla'):
      t = r[label]
      print(f'  {label} (batch {t["batch_size"]}): {t["pairs_per_sec"]:.3f} '
            f'pairs/s = {t["ratio_to_opencv"]:.2f}x OpenCV; set-up '
            f'{t["setup_seconds"]:.1f} s; EPE mean {t["epe_mean"]:.4f} '
            f'median {t["epe_median"]:.4f} p99 {t["epe_p99"]:.3f} px, '
            f'{100 * t["share_over_1px"]:.3f}% over 1 px; network units '
            f'{t["network_units_mad"]:.5f}')


def main(argv: Sequence[str]) -> None:
  del argv
  if _PAIRS.value:
    with np.load(_PAIRS.value) as data:
      sets = [(os.path.basename(_PAIRS.value), data['frames'])]
  else:
    sets = [(name, _registry_frames(video, start, _NUM_PAIRS.value))
            for name, video, start in _REGISTRY_SETS]
  gpus = tf.config.list_physical_devices('GPU')
  summary = {
      'device': (tf.config.experimental.get_device_details(gpus[0]).get(
          'device_name', 'GPU') if gpus else machine.cpu_name()),
      'cores': os.cpu_count(),
      'threads': tf.config.threading.get_intra_op_parallelism_threads() or
                 os.cpu_count(),
      'tensorflow': tf.__version__,
  }
  results = [_measure(name, frames, _BATCH_SIZE.value)
             for name, frames in sets]
  if _SAVE_FLOW.value:
    np.save(_SAVE_FLOW.value, results[0]['_flow'])
  for r in results:
    del r['_flow']
  if _JSON.value:
    print(json.dumps({**summary, 'sets': results}, indent=1))
  else:
    _print(summary, results)


if __name__ == '__main__':
  app.run(main)
