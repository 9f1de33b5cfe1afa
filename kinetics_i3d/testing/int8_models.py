"""Small int8 I3Ds for tests and benchmarks, made once per process.

The registry's RGB checkpoint quantized by the real path (`int8.quantize.
build`), calibrated on the ten crops of one window of 16 frames of the
cyclist in bikes.mp4 (4-5.6 s) and measured on one window of the street
after it (6-10 s), two crops: the full recipe with fewer, shorter
windows. Ten inputs give the activations' ranges of those frames only
(the recipe's 300 cover a corpus), so tests run it on the cyclist.
"""

import atexit
import functools
import shutil
import tempfile
from typing import Mapping, Sequence

import numpy as np

from kinetics_i3d.int8 import calibration_set
from kinetics_i3d.int8 import quantize
from kinetics_i3d.int8 import runtime
from kinetics_i3d.models import inference
from kinetics_i3d.testing import repo_paths

WEIGHTS = 'rgb_imagenet'
WINDOW = 16


def split() -> calibration_set.Split:
  """The cyclist of bikes.mp4 calibrates, the street after it is held
  out."""
  bikes = repo_paths.registry_video('bikes.mp4')
  return calibration_set.Split([calibration_set.Video(bikes, 4.0, 5.6)],
                               [calibration_set.Video(bikes, 6.0, 10.0)])


@functools.lru_cache(maxsize=None)
def small_model() -> quantize.Result:
  """The model folder (removed when the process ends) and what made it."""
  root = tempfile.mkdtemp(prefix='int8_model_')
  atexit.register(shutil.rmtree, root, ignore_errors=True)
  return quantize.build(WEIGHTS, repo_paths.registry_checkpoint(), split(),
                        f'{root}/{WEIGHTS}', calibration_inputs=10,
                        minimum_inputs=10, held_out_inputs=2, window=WINDOW)


_SPEED_MODELS = {}


def speed_predictor(models: Mapping[str, object],
                    streams: Sequence[str]) -> runtime.Int8Predictor:
  """Streams quantized by the recipe on 10 seeded random inputs (each once
  per process), for benchmarks: int8's speed does not depend on the
  calibration.

  Args:
    models: `i3d.InceptionI3d`s by stream, with weights.
    streams: the streams to run.
  """
  rng = np.random.default_rng(1)
  for stream in streams:
    if stream not in _SPEED_MODELS:
      channels = {'rgb': 3, 'flow': 2}[stream]
      inputs = [rng.uniform(-1, 1, (1, 16, 224, 224, channels))
                .astype(np.float32) for _ in range(10)]
      _SPEED_MODELS[stream] = quantize.quantize_network(
          quantize.to_openvino(inference.Predictor({stream: models[stream]})),
          inputs)
  return runtime.Int8Predictor({s: _SPEED_MODELS[s] for s in streams})
