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

import ctypes
import functools
import os
import platform
from typing import Callable, FrozenSet, Optional, Tuple

from absl import logging

from kinetics_i3d import errors
from kinetics_i3d import lazy_modules

# Measures (with TensorFlow) and imports this module: loaded when first used.
calibration = lazy_modules.load('kinetics_i3d.models.calibration')

PRECISIONS = ('float32', 'bfloat16', 'auto', 'forced-bfloat16', 'int8')
# The arithmetics a network can run in.
ARITHMETICS = ('float32', 'bfloat16', 'float16')
# A faster arithmetic runs only when it measured at least this much faster.
MIN_SPEEDUP = 1.2

# oneDNN's ISA names (`ONEDNN_MAX_CPU_ISA`) as the bit masks of its
# `dnnl_cpu_isa_t`: each ISA's mask includes those of the ISAs below it.
_ONEDNN_ISA_MASKS = {
    'SSE41': 0x1,
    'AVX': 0x3,
    'AVX2': 0x7,
    'AVX2_VNNI': 0xf,
    'AVX2_VNNI_2': 0x1f,
    'AVX512_CORE': 0x27,
    'AVX512_CORE_VNNI': 0x67,
    'AVX512_CORE_BF16': 0xe7,
    'AVX10_1_512': 0x1ef,
    'AVX512_CORE_FP16': 0x1ef,
    'AVX10_1_512_AMX': 0xfef,
    'AVX512_CORE_AMX': 0xfef,
    'AVX10_1_512_AMX_FP16': 0x1fef,
    'AVX512_CORE_AMX_FP16': 0x1fef,
}
_BF16_ISA = _ONEDNN_ISA_MASKS['AVX512_CORE_BF16']
_AMX_ISA = _ONEDNN_ISA_MASKS['AVX512_CORE_AMX']
_FP16_ISA = _ONEDNN_ISA_MASKS['AVX512_CORE_FP16']
_BF16_CPU_FLAGS = ('avx512_bf16', 'amx_bf16')
_FP16_CPU_FLAGS = ('avx512_fp16', 'amx_fp16')
_MIN_GPU_CAPABILITY = {'bfloat16': (8, 0), 'float16': (7, 0)}
# Linux's arch_prctl: a process must ask for AMX's tile state before using it,
# and the kernel (or the hypervisor under it) may refuse.
_SYS_ARCH_PRCTL = 158
_ARCH_REQ_XCOMP_PERM = 0x1023
_XFEATURE_XTILEDATA = 18


def cpuinfo_field(name: str) -> Optional[str]:
  """A field of the first CPU in `/proc/cpuinfo`, None where there is none."""
  try:
    with open('/proc/cpuinfo') as f:
      for line in f:
        if line.split(':')[0].strip() == name:
          return line.split(':', 1)[1].strip()
  except OSError:
    pass
  return None


@functools.lru_cache(maxsize=None)
def cpu_flags() -> FrozenSet[str]:
  """The CPU's feature flags (`/proc/cpuinfo`), empty where there is none."""
  return frozenset((cpuinfo_field('flags') or '').split())


def onednn_isa_cap() -> str:
  """`ONEDNN_MAX_CPU_ISA` as the user set it, upper case ('' when unset)."""
  return os.environ.get('ONEDNN_MAX_CPU_ISA', '').strip().upper()


def onednn_enabled() -> bool:
  """Whether TensorFlow runs oneDNN's kernels (`kinetics_i3d` turns them on
  unless the user set `TF_ENABLE_ONEDNN_OPTS`)."""
  return os.environ.get('TF_ENABLE_ONEDNN_OPTS', '1') != '0'


def cpu_has_bfloat16() -> bool:
  """Whether the CPU has bfloat16 dot products (AVX512_BF16 or AMX)."""
  return bool(cpu_flags() & set(_BF16_CPU_FLAGS))


def _isa_cap_excludes(isa_mask: int) -> bool:
  mask = _ONEDNN_ISA_MASKS.get(onednn_isa_cap())
  return mask is not None and (mask & isa_mask) != isa_mask


def isa_cap_below_cpu() -> bool:
  """Whether `ONEDNN_MAX_CPU_ISA` keeps oneDNN below AVX-512 on a CPU that
  has it (as when an AVX2-only machine is emulated)."""
  return ('avx512f' in cpu_flags() and
          _isa_cap_excludes(_ONEDNN_ISA_MASKS['AVX512_CORE']))


def isa_cap_excludes_bfloat16() -> bool:
  """Whether `ONEDNN_MAX_CPU_ISA` keeps oneDNN below its bfloat16 ISAs."""
  return _isa_cap_excludes(_BF16_ISA)


@functools.lru_cache(maxsize=None)
def amx_permitted() -> bool:
  """Whether the kernel lets this process use AMX's tiles (x86-64 Linux:
  arch_prctl(ARCH_REQ_XCOMP_PERM)); CPUID may list AMX where a kernel or
  hypervisor withholds it, and oneDNN then falls back to AVX-512."""
  if platform.machine() not in ('x86_64', 'AMD64'):
    return False
  try:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.syscall(_SYS_ARCH_PRCTL, _ARCH_REQ_XCOMP_PERM,
                        _XFEATURE_XTILEDATA) == 0
  except (OSError, AttributeError):
    return False


def amx_in_use() -> bool:
  """Whether oneDNN runs bfloat16 convolutions on AMX tiles here: the CPU
  lists AMX-BF16, the kernel grants the tiles, oneDNN is on and not capped
  below AMX, and no GPU takes the network."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return ('amx_bf16' in cpu_flags() and 'amx_tile' in cpu_flags() and
          onednn_enabled() and not _isa_cap_excludes(_AMX_ISA) and
          amx_permitted() and not tf.config.list_physical_devices('GPU'))


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
  needed, isa = {'bfloat16': (_BF16_CPU_FLAGS, _BF16_ISA),
                 'float16': (_FP16_CPU_FLAGS, _FP16_ISA)}[arithmetic]
  if not onednn_enabled():
    return False, ('TF_ENABLE_ONEDNN_OPTS=0 leaves TensorFlow on Eigen\'s '
                   f'{arithmetic} convolutions, which are slow')
  if not cpu_flags() & set(needed):
    return False, (f'this CPU has no {arithmetic} arithmetic (neither '
                   f'{" nor ".join(needed)})')
  if _isa_cap_excludes(isa):
    return False, (f'ONEDNN_MAX_CPU_ISA={onednn_isa_cap()} keeps oneDNN from '
                   f'the CPU\'s {arithmetic} instructions')
  found = sorted(cpu_flags() & set(needed))
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
