"""Measures I3D inference speed on this machine, with oneDNN off and on.

Fixed, seeded inputs and weights; a warm-up call, then the median of
--repeats timed calls of the compiled inference path (`kinetics_i3d.models.
inference.Predictor`: batch norm folded, one `tf.function`). For RGB, Flow
and joint, at 79 frames batch 1 and 64 frames batch 8, in float32, bfloat16
(bfloat16 runs only where the CPU has bfloat16 arithmetic; elsewhere the row
says so) and int8 (`kinetics_i3d.int8`: OpenVINO on the same network NNCF
quantized by the project's recipe, calibrated on 10 seeded random inputs:
speed does not depend on the calibration; rows only with the int8 extra),
it reports seconds per clip, clips per second, GFLOP/s and the fraction of
the machine's FP32 peak (int8 rows: of its int8 peak, below). Each setting
runs in its own process (the script runs itself with --child), since
TensorFlow reads them when it is imported:

- oneDNN off (`TF_ENABLE_ONEDNN_OPTS=0`: Eigen's convolutions, what
  TensorFlow gives CPUs without AVX-512 VNNI, bfloat16 or AMX by default);
- oneDNN on (`TF_ENABLE_ONEDNN_OPTS=1`, what `kinetics_i3d` sets);
- with --emulate_avx2, oneDNN on with `ONEDNN_MAX_CPU_ISA=AVX2`: oneDNN's
  AVX2 kernels, as on a CPU without AVX-512 (Eigen's kernels ignore the
  setting: they ran at the same speed with it).

Beside each float32 row it prints what the input checks every call makes
(`arrays.network_inputs`, a minimum and a maximum per stream) cost of it.
It prints the ISA oneDNN reports (`ONEDNN_VERBOSE=1`) and the kernel of a
3-D convolution, and times `evaluate_sample.py --eval_type=rgb` end to end
(a fresh process) under each setting.

FLOPs: every Conv3D of the traced graph counts 2 x (output elements) x
(kernel volume x input channels) (278 GFLOPs for one 79-frame RGB clip);
pools, biases and ReLUs are left out. Each row is set against two figures:

- the FP32 peak: cores x clock x float32 lanes of the ISA in use (16 for
  AVX-512, 8 for AVX2; --lanes overrides) x 2 x FMA units per core at that
  width (`testing.machine.fma_units`; --fma_units overrides); the clock is
  measured with a chain of dependent multiplies and checked against sysfs
  and /proc/cpuinfo (`testing.machine.clock_ghz`);
- the measured ceiling of its precision: the best `tf.matmul` rate of the
  same process (`testing.machine.matmul_ceiling`), what TensorFlow's kernels
  reach on this machine (none for int8);
- int8 rows: the int8 peak, the FP32 peak times the multiply-adds one
  instruction does per 32-bit lane: 4 with VNNI (VPDPBUSD), 2 without
  (VPMADDUBSW, whose 16-bit sums need a second instruction to widen).

Where a row falls short of the goals (float32 at 85% of its ceiling,
bfloat16 at 80% of its ceiling, and on AMX 3.5x its float32 row), a run with
`ONEDNN_VERBOSE=1` says which layers hold it down: oneDNN's primitives by
time (`testing.machine.onednn_layer_times`).

  python benchmarks/inference_benchmark.py [--repeats=3] [--emulate_avx2]
      [--settings='oneDNN on'] [--noexplain_shortfalls] [--json]
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Sequence, Tuple

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from kinetics_i3d import arrays
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import hardware
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inference
from kinetics_i3d.models import calibration
from kinetics_i3d.models import precision
from kinetics_i3d.int8 import runtime
from kinetics_i3d.testing import int8_models
from kinetics_i3d.testing import machine
from kinetics_i3d.testing import repo_paths

_REPEATS = flags.DEFINE_integer('repeats', 3, 'Timed calls per figure.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')
_EMULATE_AVX2 = flags.DEFINE_boolean(
    'emulate_avx2', False, 'Also run oneDNN with ONEDNN_MAX_CPU_ISA=AVX2.')
_LANES = flags.DEFINE_integer('lanes', None,
                              'float32 lanes per vector (default: the ISA\'s).')
_FMA_UNITS = flags.DEFINE_integer('fma_units', None,
                                  'Vector FMA units per core (default: from '
                                  'the CPU family).')
_SETTINGS_RUN = flags.DEFINE_list(
    'settings', None, 'Run only these settings (default: all), e.g. '
    '"oneDNN on".')
_EXPLAIN = flags.DEFINE_boolean(
    'explain_shortfalls', True, 'Profile the rows below their goals (runs '
    'the setting once more).')
_CHILD = flags.DEFINE_boolean('child', False,
                              'Measure in this process and print JSON rows.')
_PROFILE = flags.DEFINE_boolean(
    'profile', False, 'Run each row once with ONEDNN_VERBOSE=1 and print '
    'JSON of the layers by time (the --child mode).')
_CONFIGS = ((79, 1), (64, 8))
# Goals: a row's fraction of its precision's measured ceiling, and
# bfloat16's speed-up on its float32 row.
_GOALS = {'float32': 0.85, 'bfloat16': 0.80}
_BFLOAT16_SPEEDUP_GOAL = 3.5
# int8's goal on a CPU with VNNI: this many times its float32 row.
_INT8_SPEEDUP_GOAL = 2.5
_VNNI_FLAGS = ('avx512_vnni', 'avx_vnni')
_TOP_LAYERS = 3
_MARK = 'inference_benchmark row'

_CHANNELS = {'rgb': 3, 'flow': 2}
_SETTINGS = {'oneDNN off': {'TF_ENABLE_ONEDNN_OPTS': '0'},
             'oneDNN on': {'TF_ENABLE_ONEDNN_OPTS': '1'}}


def _measure() -> Dict[str, object]:
  """Every configuration and the ceilings, in this process (--child).

  With --profile, each row runs once after its warm-up between two marker
  lines, for the oneDNN verbose lines of one forward pass.
  """
  def conv_gflops(network, shape) -> float:
    graph = tf.function(network).get_concrete_function(
        tf.TensorSpec(shape, tf.float32)).graph
    total = 0
    for op in graph.get_operations():
      if op.type == 'Conv3D':
        kernel = op.inputs[1].shape
        total += 2 * np.prod(op.outputs[0].shape) * np.prod(kernel[:4])
    return float(total) / 1e9

  def profile(predictor, inputs, row) -> None:
    predictor(inputs)  # Warm-up: trace and oneDNN kernels.
    print(_MARK, json.dumps(row), flush=True)
    predictor(inputs)
    print(_MARK, 'end', flush=True)

  def seconds(predictor, inputs) -> float:
    predictor(inputs)  # Warm-up: trace and oneDNN kernels.
    times = []
    for _ in range(_REPEATS.value):
      start = time.perf_counter()
      predictor(inputs)
      times.append(time.perf_counter() - start)
    return statistics.median(times)

  models = {}
  for seed, (stream, channels) in enumerate(_CHANNELS.items()):
    tf.random.set_seed(seed)
    models[stream] = i3d.InceptionI3d()
    checkpoints.build(models[stream], channels)
  supported, reason = precision.bfloat16_support()
  arithmetics = (('float32', 'bfloat16') +
                 (('int8',) if runtime.available() else ()))
  ceilings = {} if _PROFILE.value else {
      p: machine.matmul_ceiling(p) for p in _ceiling_precisions(supported)}
  # What --precision=bfloat16 decides here, and the ratio it measured.
  choice = None
  if supported:
    measured = calibration.calibrate(['bfloat16'])
    choice = (f'{measured.speedup("bfloat16"):.2f}x: '
              f'{precision.choose("bfloat16")}')
  # The convolutions' FLOPs are the same in every arithmetic.
  folded = {s: inference.FoldedI3D(m) for s, m in models.items()}
  rng = np.random.default_rng(0)
  rows = []
  for eval_type, names in (('rgb', ('rgb',)), ('flow', ('flow',)),
                           ('joint', ('rgb', 'flow'))):
    for frames, batch in _CONFIGS:
      inputs = {s: rng.uniform(-1, 1, (batch, frames, 224, 224, _CHANNELS[s]))
                   .astype(np.float32) for s in names}
      gflops = None if _PROFILE.value else sum(
          conv_gflops(folded[s], inputs[s].shape) for s in names)
      # What every predictor call checks first (`arrays.network_inputs`).
      check = None if _PROFILE.value else seconds(
          lambda clips: arrays.network_inputs(clips, names), inputs)
      for asked in arithmetics:
        row = {'eval_type': eval_type, 'frames': frames, 'batch': batch,
               'precision': asked}
        rows.append(row)
        if asked == 'bfloat16' and not supported:
          row['not_run'] = reason
          continue
        if asked == 'bfloat16':
          row['calibration'] = choice
        if asked == 'int8':
          if _PROFILE.value:  # oneDNN's verbose lines are TensorFlow's.
            continue
          predictor = int8_models.speed_predictor(models, names)
        else:
          # bfloat16 rows run it whatever the calibration decides.
          predictor = inference.Predictor(
              {s: models[s] for s in names},
              'forced-bfloat16' if asked == 'bfloat16' else asked)
        if _PROFILE.value:
          profile(predictor, inputs, row)
          continue
        elapsed = seconds(predictor, inputs)
        row.update(seconds_per_clip=elapsed / batch,
                   input_check_seconds=check,
                   input_check_fraction=check / elapsed,
                   clips_per_second=batch / elapsed,
                   gflop_per_clip=gflops / batch,
                   gflop_per_second=gflops / elapsed)
        if asked in ceilings:
          row['fraction_of_ceiling'] = (gflops / elapsed /
                                        ceilings[asked]['gflops'])
  return {'rows': rows, 'ceilings': ceilings,
          'amx': hardware.amx_in_use()}


def _ceiling_precisions(bfloat16_supported: bool) -> Tuple[str, ...]:
  """The precisions whose `tf.matmul` ceiling is measured: float32, and
  bfloat16 where the CPU has it (TensorFlow has no int8 matmul)."""
  return ('float32', 'bfloat16') if bfloat16_supported else ('float32',)


def _int8_per_fp32() -> int:
  """int8 multiply-adds per instruction and 32-bit lane, against one FMA."""
  return 4 if hardware.cpu_flags() & set(_VNNI_FLAGS) else 2


def _row_key(row: Dict[str, object]) -> Tuple[object, ...]:
  return tuple(row[k] for k in ('eval_type', 'frames', 'batch', 'precision'))


def _short_rows(rows: List[Dict[str, object]],
                amx: bool) -> List[Dict[str, object]]:
  """The rows below the goals, each with why (`shortfall`); bfloat16's
  speed-up on float32 is a goal on AMX only (elsewhere its peak is 2x),
  int8's on CPUs with VNNI only."""
  float32 = {_row_key(r)[:3]: r for r in rows
             if r['precision'] == 'float32' and 'seconds_per_clip' in r}
  short = []
  for row in rows:
    if 'seconds_per_clip' not in row:
      continue
    reasons = []
    goal = _GOALS.get(row['precision'])
    if goal and row['fraction_of_ceiling'] < goal:
      reasons.append(f'{100 * row["fraction_of_ceiling"]:.0f}% of the '
                     f'{row["precision"]} ceiling (goal {100 * goal:.0f}%)')
    if row['precision'] in ('bfloat16', 'int8'):
      speedup = (float32[_row_key(row)[:3]]['seconds_per_clip'] /
                 row['seconds_per_clip'])
      row['speedup_on_float32'] = speedup
      goal, applies, where = {
          'bfloat16': (_BFLOAT16_SPEEDUP_GOAL, amx, ''),
          'int8': (_INT8_SPEEDUP_GOAL, _int8_per_fp32() == 4, ' with VNNI'),
      }[row['precision']]
      if applies and speedup < goal:
        reasons.append(f'{speedup:.2f}x float32 (goal {goal}x{where})')
    if reasons:
      row['shortfall'] = '; '.join(reasons)
      short.append(row)
  return short


def _layer_profiles(environment: Dict[str, str]) -> Dict[Tuple, List[Dict]]:
  """Each row's oneDNN primitives by time, from one verbose forward pass."""
  child = subprocess.run(
      [sys.executable, __file__, '--child', '--profile'],
      env=dict(environment, ONEDNN_VERBOSE='1'), capture_output=True,
      text=True, check=True)
  profiles, row, lines = {}, None, []
  for line in child.stdout.splitlines():
    if line.startswith(_MARK):
      marked = line[len(_MARK) + 1:]
      if marked == 'end' and row is not None:
        profiles[_row_key(row)] = machine.onednn_layer_times(
            '\n'.join(lines))[:_TOP_LAYERS]
      row, lines = (None, []) if marked == 'end' else (json.loads(marked), [])
    elif row is not None:
      lines.append(line)
  return profiles


def _script_seconds(environment: Dict[str, str]) -> float:
  """Median wall time of `evaluate_sample.py --eval_type=rgb`."""
  sample = np.random.default_rng(0).uniform(
      -1, 1, (1, 79, 224, 224, 3)).astype(np.float32)
  with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, 'rgb.npy')
    np.save(path, sample)
    times = []
    for _ in range(_REPEATS.value):
      start = time.perf_counter()
      subprocess.run([sys.executable, 'evaluate_sample.py', '--eval_type=rgb',
                      f'--rgb_sample={path}'], cwd=repo_paths.ROOT, check=True,
                     capture_output=True, env=environment)
      times.append(time.perf_counter() - start)
  return statistics.median(times)


def _settings() -> Dict[str, Dict[str, str]]:
  settings = dict(_SETTINGS)
  if _EMULATE_AVX2.value:
    settings['oneDNN on, AVX2 cap'] = dict(_SETTINGS['oneDNN on'],
                                           ONEDNN_MAX_CPU_ISA='AVX2')
  if _SETTINGS_RUN.value:
    unknown = set(_SETTINGS_RUN.value) - set(settings)
    if unknown:
      raise app.UsageError(f'unknown settings {sorted(unknown)}; known: '
                           f'{", ".join(settings)}')
    settings = {k: v for k, v in settings.items() if k in _SETTINGS_RUN.value}
  return settings


def _run_setting(name: str, variables: Dict[str, str],
                 clock: float) -> Dict[str, object]:
  environment = dict(os.environ, **variables)
  probe = machine.onednn_probe(environment)
  peak = machine.fp32_peak(machine.vector_isa(probe['isa']), clock,
                           _LANES.value, _FMA_UNITS.value)
  child = subprocess.run(
      [sys.executable, __file__, '--child', f'--repeats={_REPEATS.value}'],
      env=environment, capture_output=True, text=True, check=True)
  measured = json.loads(child.stdout.strip().splitlines()[-1])
  rows = measured['rows']
  for row in rows:
    if 'gflop_per_second' in row:
      row['fraction_of_fp32_peak'] = row['gflop_per_second'] / peak.gflops
      if row['precision'] == 'int8':
        row['fraction_of_int8_peak'] = row['gflop_per_second'] / (
            peak.gflops * _int8_per_fp32())
  short = _short_rows(rows, measured['amx'])
  if short and probe['isa'] != 'none' and _EXPLAIN.value:
    profiles = _layer_profiles(environment)
    for row in short:
      row['top_layers'] = profiles.get(_row_key(row), [])
  return {'setting': name, 'environment': variables, 'onednn': probe,
          'peak': dict(vars(peak), gflops=peak.gflops),
          'ceilings': measured['ceilings'], 'rows': rows,
          'evaluate_sample_rgb_seconds': _script_seconds(environment)}


def _print(cpu: str, results: List[Dict[str, object]]) -> None:
  print(f'{cpu}; medians of {_REPEATS.value} runs.')
  for result in results:
    peak = result['peak']
    ceilings = ', '.join(
        f'{p} {c["gflops"]:.0f} GFLOP/s (n={c["size"]})'
        for p, c in result['ceilings'].items())
    print(f'- {result["setting"]}: oneDNN ISA {result["onednn"]["isa"]}, '
          f'3-D convolution {result["onednn"]["convolution"]}; FP32 peak '
          f'{peak["cores"]} cores x {peak["clock_ghz"]:.2f} GHz x '
          f'{peak["lanes"]} lanes ({peak["isa"]}) x 2 x {peak["fma_units"]} '
          f'FMA units = {peak["gflops"]:.0f} GFLOP/s; measured tf.matmul '
          f'ceilings: {ceilings}; evaluate_sample.py --eval_type=rgb end to '
          f'end {result["evaluate_sample_rgb_seconds"]:.2f} s')
  print(f'int8 peak: the FP32 peak x {_int8_per_fp32()} (VNNI: 4, else 2).')
  print('\n| setting | streams | frames x batch | precision | s/clip | '
        'clips/s | GFLOP/s | of FP32 peak | of its measured ceiling '
        '(int8: of the int8 peak) | calibration: bfloat16 speed-up, '
        '--precision=bfloat16 runs |')
  print('|---|---|---|---|---|---|---|---|---|---|')
  for result in results:
    for r in result['rows']:
      head = (f'| {result["setting"]} | {r["eval_type"]} | {r["frames"]} x '
              f'{r["batch"]} | {r["precision"]} |')
      if 'not_run' in r:
        print(f'{head} not run: {r["not_run"]} | | | | | float32 |')
        continue
      ceiling = r.get('fraction_of_ceiling', r.get('fraction_of_int8_peak'))
      print(f'{head} {r["seconds_per_clip"]:.3f} | '
            f'{r["clips_per_second"]:.2f} | {r["gflop_per_second"]:.0f} | '
            f'{100 * r["fraction_of_fp32_peak"]:.0f}% | '
            f'{100 * ceiling:.0f}% | {r.get("calibration", "")} |')
  by_setting = {result['setting']: result['rows'] for result in results}
  off, on = by_setting.get('oneDNN off', []), by_setting.get('oneDNN on', [])
  if off and on:
    print('\noneDNN on against off, same run:')
  for r_off, r_on in zip(off, on):
    if 'seconds_per_clip' in r_off and 'seconds_per_clip' in r_on:
      print(f'- {r_on["eval_type"]} {r_on["frames"]} x {r_on["batch"]} '
            f'{r_on["precision"]}: '
            f'{r_off["seconds_per_clip"] / r_on["seconds_per_clip"]:.2f}x')
  print('\nThe input checks (a minimum and a maximum of each stream\'s clips, '
        'inside each call above), same run:')
  for result in results:
    for r in result['rows']:
      if r.get('precision') == 'float32' and 'input_check_seconds' in r:
        print(f'- {result["setting"]}, {r["eval_type"]} {r["frames"]} x '
              f'{r["batch"]}: {1e3 * r["input_check_seconds"]:.2f} ms, '
              f'{100 * r["input_check_fraction"]:.2f}% of the float32 call')
  print('\nbfloat16 and int8 against float32, same run:')
  for result in results:
    for r in result['rows']:
      if 'speedup_on_float32' in r:
        print(f'- {result["setting"]}, {r["eval_type"]} {r["frames"]} x '
              f'{r["batch"]} {r["precision"]}: '
              f'{r["speedup_on_float32"]:.2f}x')
  print('\nRows below the goals (float32 at 85% of its ceiling; bfloat16 at '
        f'80% of its ceiling and, on AMX, {_BFLOAT16_SPEEDUP_GOAL}x float32; '
        f'int8 with VNNI at {_INT8_SPEEDUP_GOAL}x float32), and the layers '
        'that take their time:')
  for result in results:
    for r in result['rows']:
      if 'shortfall' not in r:
        continue
      layers = '; '.join(
          f'{100 * l["share"]:.0f}% {l["kind"]} {l["implementation"]} '
          f'{l["shape"]}' for l in r.get('top_layers', []))
      print(f'- {result["setting"]}, {r["eval_type"]} {r["frames"]} x '
            f'{r["batch"]} {r["precision"]}: {r["shortfall"]}' +
            (f'. {layers}' if layers else ''))


def main(argv: Sequence[str]) -> None:
  del argv
  if _CHILD.value:
    print(json.dumps(_measure()))
    return
  clock = machine.clock_ghz()
  results = [_run_setting(name, variables, clock['ghz'])
             for name, variables in _settings().items()]
  cpu = (f'{machine.cpu_description()}, {os.cpu_count()} cores, clock '
         f'{clock["ghz"]:.2f} GHz ({clock["source"]})')
  if _JSON.value:
    print(json.dumps({'cpu': cpu, 'settings': results}, indent=2))
  else:
    _print(cpu, results)


if __name__ == '__main__':
  app.run(main)
