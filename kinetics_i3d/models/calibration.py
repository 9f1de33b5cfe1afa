"""How fast this machine runs I3D's convolutions in each arithmetic, measured.

Whether bfloat16 (or float16) is faster than float32 depends on more than the
CPU's flags: on Intel cores without AMX, AVX512_BF16's dot products do no
more multiply-adds per cycle than float32's FMAs, and oneDNN's bfloat16
convolutions there run at half float32's speed; on AMD Zen 4 the same flag
gives 1.7-2x. So the choice is measured: three of I3D's own convolutions
(`SHAPES`), each run in each arithmetic, best of a few runs, well under two
seconds in all. The result is kept per machine in the user cache
(`calibration.json`), keyed by what decides it (`machine_key`): the CPU's
model and flags, TensorFlow's version and build (which fix oneDNN's),
`ONEDNN_MAX_CPU_ISA`, `TF_ENABLE_ONEDNN_OPTS` and the device. A change of any
of them measures again; a damaged file is measured again with one warning.
"""

import dataclasses
import hashlib
import json
import os
import time
from typing import Callable, Dict, Mapping, Optional, Sequence

from absl import logging
import numpy as np

from kinetics_i3d import outputs
from kinetics_i3d.downloads import cache
from kinetics_i3d.models import hardware

CACHE_FILE = 'calibration.json'
# (input [batch, frames, height, width, channels], kernel size, output
# channels) of three I3D convolutions at 8 frames: Conv3d_2c_3x3, the 3x3x3
# branch of Mixed_3b and a 1x1x1 of Mixed_4b.
SHAPES = (((1, 8, 56, 56, 64), 3, 192),
          ((1, 8, 28, 28, 96), 3, 128),
          ((1, 8, 14, 14, 480), 1, 192))
_RUNS = 3

# Seconds of the shapes in one arithmetic: (precision) -> seconds.
Measure = Callable[[str], float]


def machine_key(device: Optional[str] = None) -> str:
  """What decides the arithmetic's speed here, as one string.

  Args:
    device: the device the network runs on ('GPU:<name>' or 'CPU'); found
      when None.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if device is None:
    gpus = tf.config.list_physical_devices('GPU')
    device = 'CPU'
    if gpus:
      details = tf.config.experimental.get_device_details(gpus[0])
      device = 'GPU:' + details.get('device_name', gpus[0].name)
  flags = ' '.join(sorted(hardware.cpu_flags()))
  parts = {
      'cpu': hardware.cpuinfo_field('model name') or '',
      'cpu_flags': hashlib.sha256(flags.encode()).hexdigest()[:16],
      'tensorflow': f'{tf.version.VERSION} {tf.version.GIT_VERSION}',
      'ONEDNN_MAX_CPU_ISA': hardware.onednn_isa_cap(),
      'TF_ENABLE_ONEDNN_OPTS': '1' if hardware.onednn_enabled() else '0',
      'device': device,
  }
  return json.dumps(parts, sort_keys=True)


def measure_convolutions(dtype_name: str) -> float:
  """Seconds of `SHAPES` in one arithmetic: each the best of a few runs."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  dtype = tf.as_dtype(dtype_name)
  rng = np.random.default_rng(0)
  total = 0.0
  for shape, kernel, channels in SHAPES:
    x = tf.constant(rng.standard_normal(shape), dtype)
    w = tf.constant(rng.standard_normal(
        (kernel,) * 3 + (shape[-1], channels)) * 0.05, dtype)
    conv = tf.function(
        lambda x, w: tf.nn.conv3d(x, w, (1, 1, 1, 1, 1), 'SAME'),
        autograph=False)
    conv(x, w).numpy()  # Traces, and lets oneDNN make its primitive.
    best = float('inf')
    for _ in range(_RUNS):
      start = time.perf_counter()
      conv(x, w).numpy()
      best = min(best, time.perf_counter() - start)
    total += best
  return total


@dataclasses.dataclass(frozen=True)
class Calibration:
  """Measured seconds of `SHAPES` per arithmetic, on one machine.

  Attributes:
    key: `machine_key` of the machine.
    seconds: seconds by precision name ('float32' always among them).
  """
  key: str
  seconds: Mapping[str, float]

  def speedup(self, precision_name: str) -> float:
    """float32's time over `precision_name`'s (above 1: faster)."""
    return self.seconds['float32'] / self.seconds[precision_name]


def _cache_path(cache_dir: Optional[str]) -> str:
  return os.path.join(cache_dir or cache.home(), CACHE_FILE)


def _read(path: str) -> Dict[str, Dict[str, float]]:
  """The cached calibrations by key; {} when there are none or the file is
  damaged (said in one warning)."""
  if not os.path.exists(path):
    return {}
  try:
    with open(path) as f:
      entries = json.load(f)
    if not isinstance(entries, dict) or not all(
        isinstance(s, dict) and all(isinstance(v, (int, float)) and v > 0
                                    for v in s.values())
        for s in entries.values()):
      raise ValueError('not a calibration file')
    return entries
  except (OSError, ValueError) as error:
    logging.warning('The arithmetic calibration in %s cannot be read (%s): '
                    'measuring again.', path, error)
    return {}


def calibrate(precisions: Sequence[str],
              measure: Measure = measure_convolutions,
              key: Optional[str] = None,
              cache_dir: Optional[str] = None) -> Calibration:
  """This machine's calibration for `precisions` (and float32), from the
  cache when it holds one for this machine, else measured and cached.

  Args:
    precisions: arithmetics to compare with float32.
    measure: seconds of the convolutions in an arithmetic (tests inject one).
    key: the machine (`machine_key()` when None).
    cache_dir: where `calibration.json` is (the user cache when None).

  Returns:
    The calibration.
  """
  key = key if key is not None else machine_key()
  path = _cache_path(cache_dir)
  entries = _read(path)
  seconds = dict(entries.get(key, {}))
  wanted = ['float32'] + [p for p in precisions if p != 'float32']
  missing = [p for p in wanted if p not in seconds]
  if missing:
    for name in missing:
      seconds[name] = measure(name)
    entries[key] = seconds
    try:
      os.makedirs(os.path.dirname(path), exist_ok=True)
      with outputs.atomic(path) as temporary:
        with open(temporary, 'w') as f:
          json.dump(entries, f, indent=1, sort_keys=True)
    except OSError as error:  # A read-only cache measures each time.
      logging.warning('Cannot keep the arithmetic calibration in %s (%s).',
                      path, error)
  return Calibration(key, {p: seconds[p] for p in wanted})


def fastest(calibration: Calibration, candidates: Sequence[str],
            min_speedup: float) -> str:
  """The candidate with the largest speedup over float32, if it reaches
  `min_speedup`, else float32."""
  best = max(candidates, key=calibration.speedup, default=None)
  if best is not None and calibration.speedup(best) >= min_speedup:
    return best
  return 'float32'
