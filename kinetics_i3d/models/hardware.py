"""What the CPU and oneDNN offer: feature flags, the ISA cap, AMX.

Read from `/proc/cpuinfo` and the environment, without TensorFlow (but
`amx_in_use`, which asks it about GPUs). `precision` decides arithmetic with
these; `speed_probe` (the measurement) keys its cache by them.
"""

import ctypes
import functools
import os
import platform
from typing import FrozenSet, Optional

# oneDNN's ISA names (`ONEDNN_MAX_CPU_ISA`) as the bit masks of its
# `dnnl_cpu_isa_t`: each ISA's mask includes those of the ISAs below it.
ONEDNN_ISA_MASKS = {
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
BF16_ISA = ONEDNN_ISA_MASKS['AVX512_CORE_BF16']
AMX_ISA = ONEDNN_ISA_MASKS['AVX512_CORE_AMX']
FP16_ISA = ONEDNN_ISA_MASKS['AVX512_CORE_FP16']
BF16_CPU_FLAGS = ('avx512_bf16', 'amx_bf16')
FP16_CPU_FLAGS = ('avx512_fp16', 'amx_fp16')
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
  return bool(cpu_flags() & set(BF16_CPU_FLAGS))


def isa_cap_excludes(isa_mask: int) -> bool:
  """Whether `ONEDNN_MAX_CPU_ISA` keeps oneDNN below an ISA (`ONEDNN_ISA_MASKS`)."""
  mask = ONEDNN_ISA_MASKS.get(onednn_isa_cap())
  return mask is not None and (mask & isa_mask) != isa_mask


def isa_cap_below_cpu() -> bool:
  """Whether `ONEDNN_MAX_CPU_ISA` keeps oneDNN below AVX-512 on a CPU that
  has it (as when an AVX2-only machine is emulated)."""
  return ('avx512f' in cpu_flags() and
          isa_cap_excludes(ONEDNN_ISA_MASKS['AVX512_CORE']))


def isa_cap_excludes_bfloat16() -> bool:
  """Whether `ONEDNN_MAX_CPU_ISA` keeps oneDNN below its bfloat16 ISAs."""
  return isa_cap_excludes(BF16_ISA)


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
          onednn_enabled() and not isa_cap_excludes(AMX_ISA) and
          amx_permitted() and not tf.config.list_physical_devices('GPU'))
