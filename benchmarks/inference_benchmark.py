"""Measures I3D inference speed on this machine.

Fixed, seeded inputs and weights; a warm-up call, then the median of
--repeats timed calls of the compiled inference path (`kinetics_i3d.
inference.Predictor`: batch norm folded, one `tf.function`). For RGB, Flow
and joint, at 79 frames batch 1 and 64 frames batch 8, in float32 and
bfloat16, it reports seconds per clip, clips per second, GFLOP/s and the
fraction of the machine's FP32 peak.

FLOPs: every Conv3D of the traced graph counts 2 x (output elements) x
(kernel volume x input channels), a multiply-add being 2 FLOPs (278 GFLOPs
for one 79-frame RGB clip); pools, biases and ReLUs are left out.

FP32 peak = cores x clock x 16 float32 lanes (AVX-512) x 2 (an FMA is two
FLOPs) x FMA units per core. The clock is measured by timing a chain of
dependent integer additions (one per cycle) in a small C program compiled
with gcc; without gcc, the `cpu MHz` of /proc/cpuinfo is used (the nominal
clock, lower than the boost clock the cores run at). FMA units: 2 per core
on AMD Zen 5 (family 26) and on Intel server cores, 1 on Zen 4 (512-bit
instructions in two halves); --fma_units overrides.

It also times `evaluate_sample.py --eval_type=rgb` end to end (a fresh
process: imports, restore, fold, first call) on the cricket clip rebuilt from
the release's gif when `../shared` holds it, else on a random clip.

  python benchmarks/inference_benchmark.py [--repeats=3] [--json]
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, Sequence

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inference
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.video import gifs

_REPEATS = flags.DEFINE_integer('repeats', 3, 'Timed calls per figure.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')
_FMA_UNITS = flags.DEFINE_integer('fma_units', None,
                                  'AVX-512 FMA units per core (default: from '
                                  'the CPU family).')
_CONFIGS = ((79, 1), (64, 8))
_CHANNELS = {'rgb': 3, 'flow': 2}

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


def _clock_ghz() -> Dict[str, object]:
  """The core clock: measured with a dependent-add chain, else /proc."""
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
  with open('/proc/cpuinfo') as f:
    mhz = [float(l.split(':')[1]) for l in f if l.startswith('cpu MHz')]
  return {'ghz': max(mhz) / 1000, 'source': '/proc/cpuinfo (nominal)'}


def _fma_units() -> int:
  if _FMA_UNITS.value:
    return _FMA_UNITS.value
  with open('/proc/cpuinfo') as f:
    info = f.read()
  vendor_amd = 'AuthenticAMD' in info
  family = int(info.split('cpu family')[1].split(':')[1].split()[0])
  return 1 if vendor_amd and family < 26 else 2


def _peak_gflops() -> Dict[str, object]:
  with open('/proc/cpuinfo') as f:
    has_avx512 = 'avx512f' in f.read()
  clock = _clock_ghz()
  cores = os.cpu_count() or 1
  lanes = 16 if has_avx512 else 8
  units = _fma_units()
  return {
      'cores': cores, 'clock_ghz': round(clock['ghz'], 3),
      'clock_source': clock['source'], 'float32_lanes': lanes,
      'fma_units_per_core': units,
      'fp32_peak_gflops': cores * clock['ghz'] * lanes * 2 * units,
  }


def _conv_gflops(network: inference.FoldedI3D, shape) -> float:
  graph = tf.function(network).get_concrete_function(
      tf.TensorSpec(shape, tf.float32)).graph
  total = 0
  for op in graph.get_operations():
    if op.type == 'Conv3D':
      kernel = op.inputs[1].shape
      total += 2 * np.prod(op.outputs[0].shape) * np.prod(kernel[:4])
  return float(total) / 1e9


def _models() -> Dict[str, i3d.InceptionI3d]:
  models = {}
  for seed, (stream, channels) in enumerate(_CHANNELS.items()):
    tf.random.set_seed(seed)
    models[stream] = i3d.InceptionI3d()
    checkpoints.build(models[stream], channels)
  return models


def _time_forward(predictor, inputs) -> float:
  predictor(inputs)  # Warm-up: trace and oneDNN kernels.
  times = []
  for _ in range(_REPEATS.value):
    start = time.perf_counter()
    predictor(inputs)
    times.append(time.perf_counter() - start)
  return statistics.median(times)


def _script_seconds() -> float:
  """Median wall time of `evaluate_sample.py --eval_type=rgb`."""
  gif = repo_paths.original_release_file('v_CricketShot_g04_c01_rgb.gif')
  sample = (gifs.rgb_sample_from_gif(gif) if gif else np.random.default_rng(
      0).uniform(-1, 1, (1, 79, 224, 224, 3)).astype(np.float32))
  with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, 'rgb.npy')
    np.save(path, sample)
    times = []
    for _ in range(_REPEATS.value):
      start = time.perf_counter()
      subprocess.run([sys.executable, 'evaluate_sample.py', '--eval_type=rgb',
                      f'--rgb_sample={path}'], cwd=repo_paths.ROOT, check=True,
                     capture_output=True)
      times.append(time.perf_counter() - start)
  return statistics.median(times)


def main(argv: Sequence[str]) -> None:
  del argv
  peak = _peak_gflops()
  models = _models()
  rng = np.random.default_rng(0)
  rows = []
  for eval_type, run in (('rgb', ('rgb',)), ('flow', ('flow',)),
                         ('joint', ('rgb', 'flow'))):
    for frames, batch in _CONFIGS:
      inputs = {
          s: rng.uniform(-1, 1, (batch, frames, 224, 224, _CHANNELS[s])).astype(
              np.float32) for s in run
      }
      for precision in inference.PRECISIONS:
        predictor = inference.Predictor({s: models[s] for s in run}, precision)
        gflops = sum(
            _conv_gflops(predictor.networks[s], inputs[s].shape) for s in run)
        seconds = _time_forward(predictor, inputs)
        rows.append({
            'eval_type': eval_type, 'frames': frames, 'batch': batch,
            'precision': precision, 'seconds_per_clip': seconds / batch,
            'clips_per_second': batch / seconds,
            'gflop_per_clip': gflops / batch,
            'gflop_per_second': gflops / seconds,
            'fraction_of_fp32_peak': gflops / seconds /
                                     peak['fp32_peak_gflops'],
        })
  results = {'machine': peak, 'results': rows,
             'evaluate_sample_rgb_seconds': _script_seconds()}
  if _JSON.value:
    print(json.dumps(results, indent=2))
    return
  print(f'{peak["cores"]} cores at {peak["clock_ghz"]} GHz '
        f'({peak["clock_source"]}), {peak["float32_lanes"]} float32 lanes x 2 '
        f'x {peak["fma_units_per_core"]} FMA units: FP32 peak '
        f'{peak["fp32_peak_gflops"]:.0f} GFLOP/s. Medians of '
        f'{_REPEATS.value} runs.')
  print('| streams | frames x batch | precision | s/clip | clips/s | '
        'GFLOP/clip | GFLOP/s | of FP32 peak |')
  print('|---|---|---|---|---|---|---|---|')
  for r in rows:
    print(f'| {r["eval_type"]} | {r["frames"]} x {r["batch"]} | '
          f'{r["precision"]} | {r["seconds_per_clip"]:.3f} | '
          f'{r["clips_per_second"]:.2f} | {r["gflop_per_clip"]:.0f} | '
          f'{r["gflop_per_second"]:.0f} | '
          f'{100 * r["fraction_of_fp32_peak"]:.0f}% |')
  print(f'evaluate_sample.py --eval_type=rgb, end to end: '
        f'{results["evaluate_sample_rgb_seconds"]:.2f} s')


if __name__ == '__main__':
  app.run(main)
