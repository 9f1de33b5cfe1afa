"""A small int8 I3D for tests, made once per process.

The registry's RGB checkpoint quantized by the real path (`int8.quantize.
build`), calibrated on the ten crops of two windows of 16 frames of the
cyclist in bikes.mp4 (4-5.6 s) and measured on two windows of the street
after it (6-10 s), two crops each: the full recipe with fewer, shorter
windows. Twenty inputs give the activations' ranges of those frames only
(the recipe's 300 cover a corpus), so tests run it on the cyclist.
"""

import atexit
import functools
import shutil
import tempfile

from kinetics_i3d.int8 import calibration_set
from kinetics_i3d.int8 import quantize
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
                        f'{root}/{WEIGHTS}', calibration_inputs=20,
                        minimum_inputs=20, held_out_inputs=4, window=WINDOW)
