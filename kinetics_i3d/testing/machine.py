"""What machine a benchmark runs on, to print beside its figures.

The CPU's name and model, the vector ISA oneDNN uses on it, its clock, and
from those its FP32 peak: cores x clock x float32 lanes x 2 (a fused
multiply-add is two FLOPs) x FMA units per core. Beside that theoretical
peak, measured ceilings (the best `tf.matmul` rate in float32 and bfloat16),
and where oneDNN's time goes layer by layer (`ONEDNN_VERBOSE=1`).
"""

import dataclasses
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from kinetics_i3d.models import hardware


def seconds(work: Callable[[], object]) -> float:
  """Wall-clock seconds `work()` takes."""
  start = time.perf_counter()
  work()
  return time.perf_counter() - start


def cpu_name() -> str:
  """The CPU's model name, from /proc/cpuinfo where there is one."""
  return (hardware.cpuinfo_field('model name') or platform.processor() or
          'unknown CPU')


def cpu_description() -> str:
  """The name with vendor, family and model, e.g. 'AMD EPYC (family 25,
  model 17)', which tells Zen generations apart where the name does not."""
  family = hardware.cpuinfo_field('cpu family')
  model = hardware.cpuinfo_field('model')
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


# A chain of dependent 64-bit multiplies: `imul r64, r64` takes 3 cycles on
# every x86 core of the last fifteen years (Intel since Nehalem, Atom since
# Goldmont, AMD since Zen) and, unlike an add, no renamer folds or fuses it,
# so the chain runs at exactly one multiply per 3 cycles. (A chain of
# dependent adds is no clock on Golden Cove and later cores, which execute
# several immediate adds a cycle: it measured 11.68 GHz on a Sapphire
# Rapids.)
IMUL_LATENCY = 3
CHAIN = 8  # Multiplies per loop iteration.
_CLOCK_PROGRAM = r"""
#include <stdio.h>
#include <time.h>
int main(void) {
  unsigned long x = 3, m = 0x9E3779B97F4A7C15ul, n = 50000000;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (unsigned long i = 0; i < n; i++) {
    __asm__ volatile(
        "imul %1, %0\n\timul %1, %0\n\timul %1, %0\n\timul %1, %0\n\t"
        "imul %1, %0\n\timul %1, %0\n\timul %1, %0\n\timul %1, %0"
        : "+r"(x) : "r"(m));
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (b.tv_sec - a.tv_sec) + 1e-9 * (b.tv_nsec - a.tv_nsec);
  printf("%lu %.9f\n", n, s);
  return x == 1;
}
"""
# A measured clock above the sysfs maximum by more than this is wrong.
_SYSFS_MARGIN = 1.05
_SYSFS_MAX = '/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq'


def clock_program() -> str:
  """The C source of the clock measurement (it prints iterations, seconds)."""
  return _CLOCK_PROGRAM


def ghz_from_chain(iterations: int, seconds: float) -> float:
  """The clock that runs `iterations` x CHAIN dependent multiplies in
  `seconds`."""
  return iterations * CHAIN * IMUL_LATENCY / seconds / 1e9


def sysfs_max_ghz() -> Optional[float]:
  """The kernel's maximum frequency of CPU 0, None where it has none (VMs)."""
  try:
    with open(_SYSFS_MAX) as f:
      return int(f.read()) / 1e6
  except (OSError, ValueError):
    return None


def choose_clock(measured: Optional[float], sysfs_max: Optional[float],
                 nominal: Optional[float]) -> Dict[str, object]:
  """The clock to compute peaks with, from what could be read.

  The measurement where it holds (not above the sysfs maximum, where there is
  one); else the sysfs maximum; else the nominal `cpu MHz`, which is below
  the boost clock.

  Returns:
    'ghz', 'source', and every reading ('measured_ghz', 'sysfs_max_ghz',
    'nominal_ghz'), so a report can show them side by side.
  """
  readings = {'measured_ghz': measured, 'sysfs_max_ghz': sysfs_max,
              'nominal_ghz': nominal}
  if measured and (not sysfs_max or measured <= _SYSFS_MARGIN * sysfs_max):
    return dict(readings, ghz=measured,
                source='measured (dependent 64-bit multiplies, 3 cycles each)')
  if sysfs_max:
    return dict(readings, ghz=sysfs_max,
                source='sysfs maximum (the measurement was above it)')
  return dict(readings, ghz=nominal or 0.0, source='/proc/cpuinfo (nominal)')


def _measure_chain() -> Optional[float]:
  """The clock measured by the multiply chain, best of 3; None without gcc."""
  with tempfile.TemporaryDirectory() as tmp:
    source, binary = os.path.join(tmp, 'clock.c'), os.path.join(tmp, 'clock')
    with open(source, 'w') as f:
      f.write(_CLOCK_PROGRAM)
    try:
      subprocess.run(['gcc', '-O1', source, '-o', binary], check=True,
                     capture_output=True)
      runs = []
      for _ in range(3):
        iterations, seconds = subprocess.run(
            [binary], check=True, capture_output=True, text=True).stdout.split()
        runs.append(ghz_from_chain(int(iterations), float(seconds)))
      return max(runs)
    except (OSError, subprocess.CalledProcessError):
      return None


def clock_ghz() -> Dict[str, object]:
  """The core clock under load, with every reading it was checked against
  (see `choose_clock`)."""
  nominal = hardware.cpuinfo_field('cpu MHz')
  return choose_clock(_measure_chain(), sysfs_max_ghz(),
                      float(nominal) / 1000 if nominal else None)


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
  return 'AVX-512' if 'avx512f' in hardware.cpu_flags() else 'AVX2'


def fma_units(isa: str) -> int:
  """Vector FMA units per core for an ISA, from the CPU's family.

  AVX2: 2 on Intel cores since Haswell and AMD Zen 1 to 5. AVX-512: 2 on
  Intel server cores (some Xeon Silver and Gold 5xxx have 1: override) and
  AMD Zen 5 (family 26); 1 on Zen 4 (family 25), which runs 512-bit
  instructions in two halves.
  """
  family = int(hardware.cpuinfo_field('cpu family') or 0)
  amd = hardware.cpuinfo_field('vendor_id') == 'AuthenticAMD'
  if isa == 'AVX-512' and amd and family < 26:
    return 1
  return 2


def fp32_peak(isa: str, clock: float, lanes: Optional[int] = None,
              units: Optional[int] = None) -> Peak:
  """The FP32 peak of this machine's cores with `isa` (overridable)."""
  return Peak(isa, os.cpu_count() or 1, clock,
              lanes or (16 if isa == 'AVX-512' else 8), units or fma_units(isa))


def matmul_ceiling(dtype: str, sizes: Sequence[int] = (2048, 4096),
                   repeats: int = 3) -> Dict[str, float]:
  """The best `tf.matmul` rate of this process, a measured ceiling.

  Square products of each size (2 n^3 FLOPs), after a warm-up: the median of
  `repeats`, the best size kept. What the machine does with the kernels
  TensorFlow has, beside the theoretical peak.

  Args:
    dtype: 'float32' or 'bfloat16'.
    sizes: matrix sizes tried.
    repeats: timed products per size.

  Returns:
    'gflops' and the 'size' that reached it.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  best = {'gflops': 0.0, 'size': 0}
  for n in sizes:
    a = tf.cast(tf.random.stateless_uniform([n, n], [0, n]), dtype)
    b = tf.cast(tf.random.stateless_uniform([n, n], [1, n]), dtype)
    product = tf.function(lambda x, y: tf.reduce_sum(
        tf.cast(tf.matmul(x, y)[:1, :1], tf.float32)))
    product(a, b).numpy()  # Warm-up: trace and kernels.
    times = []
    for _ in range(repeats):
      times.append(seconds(lambda: product(a, b).numpy()))  # pylint: disable=cell-var-from-loop
    gflops = 2 * n**3 / statistics.median(times) / 1e9
    if gflops > best['gflops']:
      best = {'gflops': gflops, 'size': n}
  return best


def onednn_layer_times(verbose_output: str) -> List[Dict[str, object]]:
  """oneDNN's primitives by time, from the lines `ONEDNN_VERBOSE=1` prints.

  Args:
    verbose_output: what a process printed while oneDNN ran (one forward
      pass, say).

  Returns:
    One entry per distinct primitive (kind, implementation, shape):
    'kind', 'implementation', 'shape', 'calls', 'ms' and 'share' of the
    total, longest first.
  """
  totals: Dict[Tuple[str, str, str], List[float]] = {}
  for line in verbose_output.splitlines():
    fields = line.split(',')
    if not line.startswith('onednn_verbose') or 'exec' not in fields:
      continue
    at = fields.index('exec')
    try:
      ms = float(fields[-1])
    except ValueError:
      continue
    key = (fields[at + 2], fields[at + 3], fields[-2])
    totals.setdefault(key, []).append(ms)
  everything = sum(sum(times) for times in totals.values()) or 1.0
  entries = [{'kind': kind, 'implementation': implementation, 'shape': shape,
              'calls': len(times), 'ms': sum(times),
              'share': sum(times) / everything}
             for (kind, implementation, shape), times in totals.items()]
  return sorted(entries, key=lambda e: -e['ms'])
