"""Which arithmetic the network runs in: measured, never slower than float32.

What can be asked for (`PRECISIONS`):

- 'float32', the default: the released models' arithmetic.
- 'bfloat16': bfloat16 where the device has bfloat16 arithmetic (CPUs with
  AVX512_BF16 or AMX through oneDNN, NVIDIA GPUs of compute capability 8.0
  or newer) and it measured at least `MIN_SPEEDUP` times float32's speed on
  I3D's own convolutions (`calibration`). Elsewhere float32 runs, and one
  line says why: no such arithmetic (on an AVX2 CPU TensorFlow has only
  Eigen's bfloat16 convolutions, several times slower and accumulating in
  bfloat16), or its measured speed (Intel cores without AMX run oneDNN's
  bfloat16 convolutions at about half float32's speed).
- 'auto': the fastest of float32, bfloat16 and float16 (where the device has
  float16 arithmetic: AVX512_FP16 or AMX-FP16, GPUs of compute capability
  7.0 or newer) by the same measurement; float16's rounding error is below
  bfloat16's. float32 unless another measured `MIN_SPEEDUP` times faster.
- 'forced-bfloat16': bfloat16 whatever it costs, for studying its numerics.
- 'int8': the network quantized by NNCF, run by OpenVINO (`kinetics_i3d.int8`,
  the `int8` extra), for corpus-scale features and classification; not
  TensorFlow, so `choose` does not take it, and the commands that exist to
  match reference numbers (evaluate_sample, evaluate, FVD) refuse it
  (`refuse_int8`).
"""

from typing import Callable, Optional, Tuple

from absl import logging

from kinetics_i3d import errors
from kinetics_i3d import lazy_modules
from kinetics_i3d.models import hardware

# Measures (with TensorFlow) and imports this module: loaded when first used.
calibration = lazy_modules.load('kinetics_i3d.models.calibration')

_MIN_GPU_CAPABILITY = {'bfloat16': (8, 0), 'float16': (7, 0)}
PRECISIONS = ('float32', 'bfloat16', 'auto', 'forced-bfloat16', 'int8')
# The arithmetics a network can run in.
ARITHMETICS = ('float32', 'bfloat16', 'float16')
# A faster arithmetic runs only when it measured at least this much faster.
MIN_SPEEDUP = 1.2

def _gpu_support(arithmetic: str) -> Tuple[bool, str]:
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  gpu = tf.config.list_physical_devices('GPU')[0]
  details = tf.config.experimental.get_device_details(gpu)
  name = details.get('device_name', gpu.name)
  capability = details.get('compute_capability')
  needed = _MIN_GPU_CAPABILITY[arithmetic]
  if capability and tuple(capability) >= needed:
    return True, f'the GPU {name} has {arithmetic} arithmetic'
  shown = '.'.join(map(str, capability)) if capability else 'unknown'
  return False, (f'the GPU {name} has compute capability {shown}; '
                 f'{arithmetic} arithmetic needs '
                 f'{".".join(map(str, needed))} or newer')


def _cpu_support(arithmetic: str) -> Tuple[bool, str]:
  needed, isa = {
      'bfloat16': (hardware.BF16_CPU_FLAGS, hardware.BF16_ISA),
      'float16': (hardware.FP16_CPU_FLAGS, hardware.FP16_ISA)}[arithmetic]
  if not hardware.onednn_enabled():
    return False, ('TF_ENABLE_ONEDNN_OPTS=0 leaves TensorFlow on Eigen\'s '
                   f'{arithmetic} convolutions, which are slow')
  if not hardware.cpu_flags() & set(needed):
    return False, (f'this CPU has no {arithmetic} arithmetic (neither '
                   f'{" nor ".join(needed)})')
  if hardware.isa_cap_excludes(isa):
    return False, (f'ONEDNN_MAX_CPU_ISA={hardware.onednn_isa_cap()} keeps '
                   f'oneDNN from the CPU\'s {arithmetic} instructions')
  found = sorted(hardware.cpu_flags() & set(needed))
  return True, f'the CPU has {" and ".join(found)}'


def support(arithmetic: str) -> Tuple[bool, str]:
  """Whether the device the network runs on has `arithmetic` ('bfloat16' or
  'float16') in hardware.

  The device is the first GPU when TensorFlow sees one (where it places the
  network), else the CPU.

  Returns:
    (supported, reason): the reason names what has or lacks it.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if tf.config.list_physical_devices('GPU'):
    return _gpu_support(arithmetic)
  return _cpu_support(arithmetic)


def bfloat16_support() -> Tuple[bool, str]:
  """`support('bfloat16')`."""
  return support('bfloat16')


def choose(requested: str,
           measure: Optional[Callable[[str], float]] = None,
           supports: Optional[Callable[[str], Tuple[bool, str]]] = None,
           cache_dir: Optional[str] = None) -> str:
  """The arithmetic to run for a requested precision (see the module).

  The first request for bfloat16 or auto on a machine measures the
  candidates (`calibration.calibrate`, cached per machine).

  Args:
    requested: one of `PRECISIONS`.
    measure: seconds of the calibration convolutions in an arithmetic
      (tests inject one; `calibration.measure_convolutions` when None).
    supports: whether the device has an arithmetic, with the reason
      (`support` when None).
    cache_dir: where the calibration is kept (the user cache when None).

  Returns:
    One of `ARITHMETICS`.

  Raises:
    ValueError: unknown precision, or int8 (which TensorFlow does not run).
  """
  if requested not in PRECISIONS:
    raise ValueError(f'precision must be one of {", ".join(PRECISIONS)}, '
                     f'got {requested!r}')
  if requested == 'int8':
    raise ValueError('int8 runs through OpenVINO, not TensorFlow: build it '
                     'with kinetics_i3d.int8.store.predictor')
  if requested == 'float32':
    return 'float32'
  if requested == 'forced-bfloat16':
    return 'bfloat16'
  supports = supports or support
  wanted = ('bfloat16',) if requested == 'bfloat16' else ('bfloat16',
                                                          'float16')
  reasons = {name: supports(name) for name in wanted}
  candidates = [name for name in wanted if reasons[name][0]]
  if not candidates:
    if requested == 'bfloat16':
      logging.warning('bfloat16 was asked for, but %s: running float32.',
                      reasons['bfloat16'][1])
    return 'float32'
  measured = calibration.calibrate(
      candidates, measure or calibration.measure_convolutions,
      cache_dir=cache_dir)
  chosen = calibration.fastest(measured, candidates, MIN_SPEEDUP)
  if requested == 'bfloat16' and chosen != 'bfloat16':
    logging.warning(
        'bfloat16 was asked for, but it measured %.2fx float32\'s speed here '
        '(%.0f ms against %.0f ms on I3D\'s convolutions; it runs from '
        '%.1fx): running float32. --precision=forced-bfloat16 runs it anyway.',
        measured.speedup('bfloat16'), 1000 * measured.seconds['bfloat16'],
        1000 * measured.seconds['float32'], MIN_SPEEDUP)
  elif requested == 'auto':
    logging.info('precision auto: %s (%s against float32, measured).', chosen,
                 ', '.join(f'{name} {measured.speedup(name):.2f}x'
                           for name in candidates))
  return chosen


def refuse_int8(requested: str, what: str) -> None:
  """Raises InputError when int8 is asked of a command that reproduces
  reference numbers.

  Args:
    requested: the precision asked for.
    what: the command or metric, e.g. 'FVD'.
  """
  if requested == 'int8':
    raise errors.InputError(
        f'{what} does not run int8: it exists to match the reference '
        'numbers, and int8 moves them (features to a cosine of about 0.995 '
        'of float32\'s); use float32')
