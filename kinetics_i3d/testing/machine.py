"""What machine a benchmark runs on, to print beside its figures.

The CPU's name and model, the vector ISA oneDNN uses on it, its clock, and
from those its FP32 peak: cores x clock x float32 lanes x 2 (a fused
multiply-add is two FLOPs) x FMA units per core.
"""

import dataclasses
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, Optional

from kinetics_i3d.models import precision


def seconds(work: Callable[[], object]) -> float:
  """Wall-clock seconds `work()` takes."""
  start = time.perf_counter()
  work()
  return time.perf_counter() - start


def cpu_name() -> str:
  """The CPU's model name, from /proc/cpuinfo where there is one."""
  return (precision.cpuinfo_field('model name') or platform.processor() or
          'unknown CPU')


def cpu_description() -> str:
  """The name with vendor, family and model, e.g. 'AMD EPYC (family 25,
  model 17)', which tells Zen generations apart where the name does not."""
  family = precision.cpuinfo_field('cpu family')
  model = precision.cpuinfo_field('model')
  if family is None:
    return cpu_name()
  return f'{cpu_name()} (family {family}, model {model})'


_PROBE = r'''
import tensorflow as tf
x = tf.ones([1, 4, 16, 16, 8])
tf.nn.conv3d(x, tf.ones([3, 3, 3, 8, 8]), [1] * 5, 'SAME').numpy()
'''


def onednn_probe(environment: Dict[str, str]) -> Dict[str, str]:
  """The ISA oneDNN uses and the kernel of a float32 3-D convolution.

  Runs one convolution in a new process with `ONEDNN_VERBOSE=1` and reads
  what oneDNN prints.

  Args:
    environment: the process's environment (TF_ENABLE_ONEDNN_OPTS,
      ONEDNN_MAX_CPU_ISA...).

  Returns:
    'isa': e.g. 'Intel AVX2', or 'none' when oneDNN is not used;
    'convolution': e.g. 'brg_conv_fwd:avx2', or 'Eigen' when TensorFlow runs
    its own kernel.
  """
  result = subprocess.run([sys.executable, '-c', _PROBE],
                          env=dict(environment, ONEDNN_VERBOSE='1'),
                          capture_output=True, text=True, check=True)
  isa = re.search(r'onednn_verbose,.*info,cpu,isa:(.*)', result.stdout)
  conv = re.search(r'onednn_verbose,.*exec,cpu,convolution,([^,]+),',
                   result.stdout)
  return {'isa': isa.group(1).strip() if isa else 'none',
          'convolution': conv.group(1) if conv else 'Eigen'}


_CLOCK_PROGRAM = r'''
#include <stdio.h>
#include <time.h>
int main(void) {
  long x = 0, n = 200000000;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                     "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                     : "+r"(x));
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (b.tv_sec - a.tv_sec) + 1e-9 * (b.tv_nsec - a.tv_nsec);
  printf("%f\n", 8.0 * n / s / 1e9);
  return x == 0;
}
'''


def clock_ghz() -> Dict[str, object]:
  """The core clock: measured with a chain of dependent adds (one a cycle),
  else the nominal `cpu MHz` of /proc/cpuinfo (lower than the boost clock)."""
  with tempfile.TemporaryDirectory() as tmp:
    source, binary = os.path.join(tmp, 'clock.c'), os.path.join(tmp, 'clock')
    with open(source, 'w') as f:
      f.write(_CLOCK_PROGRAM)
    try:
      subprocess.run(['gcc', '-O1', source, '-o', binary], check=True,
                     capture_output=True)
      runs = [float(subprocess.run([binary], check=True, capture_output=True,
                                   text=True).stdout) for _ in range(3)]
      return {'ghz': max(runs), 'source': 'measured (dependent adds)'}
    except (OSError, subprocess.CalledProcessError):
      pass
  return {'ghz': float(precision.cpuinfo_field('cpu MHz') or 0) / 1000,
          'source': '/proc/cpuinfo (nominal)'}


@dataclasses.dataclass(frozen=True)
class Peak:
  """A CPU's FP32 peak for one vector ISA.

  Attributes:
    isa: 'AVX-512' or 'AVX2'.
    cores: cores used.
    clock_ghz: their clock.
    lanes: float32 lanes of a vector.
    fma_units: vector FMA units per core at that width.
  """
  isa: str
  cores: int
  clock_ghz: float
  lanes: int
  fma_units: int

  @property
  def gflops(self) -> float:
    return self.cores * self.clock_ghz * self.lanes * 2 * self.fma_units


def vector_isa(onednn_isa: str) -> str:
  """'AVX-512' or 'AVX2': the widest vectors oneDNN uses (from its `isa:`
  line); without oneDNN, the CPU's (as TensorFlow's Eigen kernels see it)."""
  if onednn_isa != 'none':
    return 'AVX-512' if 'AVX-512' in onednn_isa else 'AVX2'
  return 'AVX-512' if 'avx512f' in precision.cpu_flags() else 'AVX2'


def fma_units(isa: str) -> int:
  """Vector FMA units per core for an ISA, from the CPU's family.

  AVX2: 2 on Intel cores since Haswell and AMD Zen 1 to 5. AVX-512: 2 on
  Intel server cores (some Xeon Silver and Gold 5xxx have 1: override) and
  AMD Zen 5 (family 26); 1 on Zen 4 (family 25), which runs 512-bit
  instructions in two halves.
  """
  family = int(precision.cpuinfo_field('cpu family') or 0)
  amd = precision.cpuinfo_field('vendor_id') == 'AuthenticAMD'
  if isa == 'AVX-512' and amd and family < 26:
    return 1
  return 2


def fp32_peak(isa: str, clock: float, lanes: Optional[int] = None,
              units: Optional[int] = None) -> Peak:
  """The FP32 peak of this machine's cores with `isa` (overridable)."""
  return Peak(isa, os.cpu_count() or 1, clock,
              lanes or (16 if isa == 'AVX-512' else 8), units or fma_units(isa))
