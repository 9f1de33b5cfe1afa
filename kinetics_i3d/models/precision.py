"""Which arithmetic the network runs in: bfloat16 only where the device has it.

bfloat16 halves the time of the network where the hardware multiplies
bfloat16 numbers and accumulates in float32: CPUs with AVX512_BF16 or AMX
(through oneDNN), NVIDIA GPUs of compute capability 8.0 (Ampere) or newer.
Elsewhere TensorFlow has no fast bfloat16 convolution: on an AVX2 CPU it runs
Eigen's, several times slower than float32 and accumulating in bfloat16 (7x
the error of rounding the inputs alone). So a request for bfloat16 runs
float32 there, and says why in one line.
"""

import functools
import os
from typing import FrozenSet, Optional, Tuple

from absl import logging

PRECISIONS = ('float32', 'bfloat16')

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
_BF16_CPU_FLAGS = ('avx512_bf16', 'amx_bf16')
_MIN_GPU_CAPABILITY = (8, 0)


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


def isa_cap_excludes_bfloat16() -> bool:
  """Whether `ONEDNN_MAX_CPU_ISA` keeps oneDNN below its bfloat16 ISAs."""
  return _isa_cap_excludes(_BF16_ISA)


def amx_in_use() -> bool:
  """Whether oneDNN runs bfloat16 convolutions on AMX tiles here: the CPU
  has AMX-BF16, oneDNN is on and not capped below AMX, and no GPU takes the
  network."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return ('amx_bf16' in cpu_flags() and onednn_enabled() and
          not _isa_cap_excludes(_AMX_ISA) and
          not tf.config.list_physical_devices('GPU'))


def _gpu_support() -> Tuple[bool, str]:
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  gpu = tf.config.list_physical_devices('GPU')[0]
  details = tf.config.experimental.get_device_details(gpu)
  name = details.get('device_name', gpu.name)
  capability = details.get('compute_capability')
  if capability and tuple(capability) >= _MIN_GPU_CAPABILITY:
    return True, f'the GPU {name} has bfloat16 arithmetic'
  shown = '.'.join(map(str, capability)) if capability else 'unknown'
  return False, (f'the GPU {name} has compute capability {shown}; bfloat16 '
                 'arithmetic needs 8.0 (Ampere) or newer')


def _cpu_support() -> Tuple[bool, str]:
  if not onednn_enabled():
    return False, ('TF_ENABLE_ONEDNN_OPTS=0 leaves TensorFlow on Eigen\'s '
                   'bfloat16 convolutions, which are slow and accumulate in '
                   'bfloat16')
  if not cpu_has_bfloat16():
    return False, ('this CPU has no bfloat16 arithmetic (neither '
                   f'{" nor ".join(_BF16_CPU_FLAGS)})')
  if isa_cap_excludes_bfloat16():
    return False, (f'ONEDNN_MAX_CPU_ISA={onednn_isa_cap()} keeps oneDNN from '
                   'the CPU\'s bfloat16 instructions')
  found = sorted(cpu_flags() & set(_BF16_CPU_FLAGS))
  return True, f'the CPU has {" and ".join(found)}'


def bfloat16_support() -> Tuple[bool, str]:
  """Whether the device the network runs on does bfloat16 arithmetic.

  The device is the first GPU when TensorFlow sees one (where it places the
  network), else the CPU.

  Returns:
    (supported, reason): the reason names what has or lacks it.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if tf.config.list_physical_devices('GPU'):
    return _gpu_support()
  return _cpu_support()


def choose(requested: str) -> str:
  """The precision to run for a requested one.

  bfloat16 where the device does bfloat16 arithmetic; float32 otherwise, with
  one warning line on stderr saying why.

  Args:
    requested: 'float32' or 'bfloat16'.

  Returns:
    The precision to use.

  Raises:
    ValueError: unknown precision.
  """
  if requested not in PRECISIONS:
    raise ValueError(f'precision must be one of {", ".join(PRECISIONS)}, '
                     f'got {requested!r}')
  if requested == 'float32':
    return requested
  supported, reason = bfloat16_support()
  if supported:
    return requested
  logging.warning('bfloat16 was asked for, but %s: running float32.', reason)
  return 'float32'
