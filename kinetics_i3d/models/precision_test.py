"""Tests of the choice of arithmetic, on machines the tests do not run on.

The device's arithmetic is pretended with CPU flags and environment
variables; its speed with an injected measurement, never with a clock.
"""

import json
import os
from unittest import mock

from absl.testing import absltest
import tensorflow as tf

from kinetics_i3d.models import calibration
from kinetics_i3d.models import hardware
from kinetics_i3d.models import precision

_ZEN3 = frozenset({'avx2', 'fma', 'f16c'})
_ZEN4 = _ZEN3 | {'avx512f', 'avx512_vnni', 'avx512_bf16'}
_SAPPHIRE_RAPIDS = _ZEN3 | {'avx512f', 'avx512_bf16', 'amx_bf16', 'amx_tile'}
_EMERALD_RAPIDS_VM = _ZEN3 | {'avx512f', 'avx512_bf16', 'avx512_fp16',
                              'avx512_vnni'}


class _Measure:
  """Seconds per arithmetic, counting its calls."""

  def __init__(self, **seconds):
    self.seconds = seconds
    self.calls = []

  def __call__(self, name):
    self.calls.append(name)
    return self.seconds[name]


class _Machine(absltest.TestCase):

  def _cpu(self, flags, model='AMD EPYC', **environment):
    """Pretends to run on a CPU with `flags`, with no GPU."""
    self.enter_context(mock.patch.object(hardware, 'cpu_flags',
                                         return_value=flags))
    self.enter_context(mock.patch.object(
        hardware, 'cpuinfo_field',
        side_effect=lambda name: model if name == 'model name' else None))
    self.enter_context(mock.patch.object(
        tf.config, 'list_physical_devices', return_value=[]))
    self.enter_context(mock.patch.dict(os.environ))  # Restored at the end.
    for name in ('ONEDNN_MAX_CPU_ISA', 'TF_ENABLE_ONEDNN_OPTS'):
      os.environ.pop(name, None)
    os.environ.update(environment)


class SupportTest(_Machine):

  def test_cpus_with_bfloat16_units_have_it(self):
    for flags, named in ((_ZEN4, 'avx512_bf16'),
                         (_SAPPHIRE_RAPIDS, 'amx_bf16 and avx512_bf16')):
      with self.subTest(named):
        self._cpu(flags)
        self.assertEqual(precision.bfloat16_support(),
                         (True, f'the CPU has {named}'))

  def test_avx2_cpu_runs_float32_and_says_why(self):
    self._cpu(_ZEN3)
    measure = _Measure()
    with self.assertLogs('absl', 'WARNING') as logs:
      self.assertEqual(precision.choose(
          'bfloat16', measure, cache_dir=self.create_tempdir().full_path),
                       'float32')
    self.assertLen(logs.output, 1)
    self.assertIn('bfloat16 was asked for, but this CPU has no bfloat16 '
                  'arithmetic (neither avx512_bf16 nor amx_bf16): running '
                  'float32', logs.output[0])
    self.assertEqual(measure.calls, [])  # Nothing to measure.

  def test_settings_that_keep_onednn_from_bfloat16(self):
    for environment, reason in (
        ({'ONEDNN_MAX_CPU_ISA': 'avx2'}, 'ONEDNN_MAX_CPU_ISA=AVX2 keeps'),
        ({'ONEDNN_MAX_CPU_ISA': 'AVX512_CORE_VNNI'}, 'AVX512_CORE_VNNI keeps'),
        ({'TF_ENABLE_ONEDNN_OPTS': '0'}, 'TF_ENABLE_ONEDNN_OPTS=0 leaves')):
      with self.subTest(reason):
        self._cpu(_SAPPHIRE_RAPIDS, **environment)
        supported, why = precision.bfloat16_support()
        self.assertFalse(supported)
        self.assertIn(reason, why)
    for cap in ('AVX512_CORE_BF16', 'AVX512_CORE_AMX', 'ALL'):
      with self.subTest(cap):
        self._cpu(_SAPPHIRE_RAPIDS, ONEDNN_MAX_CPU_ISA=cap)
        self.assertTrue(precision.bfloat16_support()[0])

  def test_float16_where_the_cpu_has_it(self):
    self._cpu(_EMERALD_RAPIDS_VM)
    self.assertEqual(precision.support('float16'),
                     (True, 'the CPU has avx512_fp16'))
    self._cpu(_ZEN4)
    self.assertIn('no float16 arithmetic', precision.support('float16')[1])

  def test_amx_only_where_listed_granted_and_reachable(self):
    for flags, environment, granted, expected in (
        (_SAPPHIRE_RAPIDS, {}, True, True),
        (_SAPPHIRE_RAPIDS, {}, False, False),  # The kernel withholds it.
        (_SAPPHIRE_RAPIDS, {'ONEDNN_MAX_CPU_ISA': 'AVX512_CORE_AMX'}, True,
         True),
        (_SAPPHIRE_RAPIDS, {'ONEDNN_MAX_CPU_ISA': 'AVX512_CORE_BF16'}, True,
         False),
        (_SAPPHIRE_RAPIDS, {'TF_ENABLE_ONEDNN_OPTS': '0'}, True, False),
        (_EMERALD_RAPIDS_VM, {}, True, False),  # The hypervisor hides it.
        (_ZEN4, {}, True, False)):
      with self.subTest(f'{sorted(flags & {"amx_bf16"})} {environment} '
                        f'granted={granted}'):
        self._cpu(flags, **environment)
        with mock.patch.object(hardware, 'amx_permitted',
                               return_value=granted):
          self.assertEqual(hardware.amx_in_use(), expected)

  def test_gpus_from_ampere_on(self):
    self._cpu(_ZEN3)
    gpu = mock.Mock()
    gpu.name = '/physical_device:GPU:0'
    self.enter_context(mock.patch.object(
        tf.config, 'list_physical_devices', return_value=[gpu]))
    for capability, bfloat16, float16 in (((7, 5), False, True),
                                          ((8, 0), True, True),
                                          ((6, 1), False, False)):
      with self.subTest(capability):
        with mock.patch.object(
            tf.config.experimental, 'get_device_details',
            return_value={'device_name': 'GPU X',
                          'compute_capability': capability}):
          result = precision.bfloat16_support()
          self.assertEqual(precision.support('float16')[0], float16)
        self.assertEqual(result[0], bfloat16)
        self.assertIn('GPU X', result[1])

  def test_amx_permission_is_asked_of_the_kernel(self):
    # Whatever the answer here, asking must not fail.
    self.assertIsInstance(hardware.amx_permitted(), bool)


class MeasuredChoiceTest(_Machine):

  def setUp(self):
    super().setUp()
    self.cache = self.create_tempdir().full_path

  def test_slower_bfloat16_runs_float32_and_says_so_in_one_line(self):
    self._cpu(_EMERALD_RAPIDS_VM, model='Intel Xeon (Emerald Rapids)')
    measure = _Measure(float32=0.076, bfloat16=0.170)
    with self.assertLogs('absl', 'WARNING') as logs:
      self.assertEqual(precision.choose('bfloat16', measure,
                                        cache_dir=self.cache), 'float32')
    self.assertLen(logs.output, 1)
    self.assertIn("bfloat16 was asked for, but it measured 0.45x float32's "
                  'speed here (170 ms against 76 ms', logs.output[0])
    self.assertIn('--precision=forced-bfloat16 runs it anyway',
                  logs.output[0])

  def test_faster_bfloat16_runs(self):
    self._cpu(_ZEN4)
    measure = _Measure(float32=0.10, bfloat16=0.055)
    self.assertEqual(precision.choose('bfloat16', measure,
                                      cache_dir=self.cache), 'bfloat16')
    # Just faster is not enough: 1.2x at least.
    self._cpu(_ZEN4, model='another CPU')
    measure = _Measure(float32=0.10, bfloat16=0.09)
    self.assertEqual(precision.choose('bfloat16', measure,
                                      cache_dir=self.cache), 'float32')

  def test_forced_bfloat16_runs_anywhere_unmeasured(self):
    self._cpu(_ZEN3)
    self.assertEqual(precision.choose('forced-bfloat16'), 'bfloat16')

  def test_auto_takes_the_fastest_measured(self):
    self._cpu(_EMERALD_RAPIDS_VM)
    cases = ((dict(float32=0.10, bfloat16=0.20, float16=0.15), 'float32'),
             (dict(float32=0.10, bfloat16=0.06, float16=0.05), 'float16'),
             (dict(float32=0.10, bfloat16=0.05, float16=0.06), 'bfloat16'))
    for index, (seconds, expected) in enumerate(cases):
      with self.subTest(expected):
        self._cpu(_EMERALD_RAPIDS_VM, model=f'CPU {index}')
        self.assertEqual(precision.choose('auto', _Measure(**seconds),
                                          cache_dir=self.cache), expected)
    # Without either unit, nothing is measured: float32.
    self._cpu(_ZEN3)
    measure = _Measure()
    self.assertEqual(precision.choose('auto', measure, cache_dir=self.cache),
                     'float32')
    self.assertEqual(measure.calls, [])

  def test_the_measurement_is_kept_per_machine(self):
    self._cpu(_ZEN4)
    measure = _Measure(float32=0.10, bfloat16=0.05)
    for _ in range(3):
      precision.choose('bfloat16', measure, cache_dir=self.cache)
    self.assertEqual(measure.calls, ['float32', 'bfloat16'])
    changes = (
        lambda: self._cpu(_ZEN4, model='AMD EPYC 9004'),  # Another CPU.
        lambda: self._cpu(_ZEN4, ONEDNN_MAX_CPU_ISA='AVX512_CORE_BF16'),
        lambda: self.enter_context(mock.patch.object(
            tf.version, 'VERSION', '9.99.0')),  # Another TensorFlow.
    )
    for change in changes:
      measure.calls.clear()
      change()
      precision.choose('bfloat16', measure, cache_dir=self.cache)
      self.assertEqual(measure.calls, ['float32', 'bfloat16'])
    with open(os.path.join(self.cache, calibration.CACHE_FILE)) as f:
      self.assertLen(json.load(f), 4)

  def test_a_damaged_cache_is_measured_again_with_one_warning(self):
    self._cpu(_ZEN4)
    path = os.path.join(self.cache, calibration.CACHE_FILE)
    for damage in ('{"half a', '[1, 2]', '{"key": {"float32": -1}}'):
      with self.subTest(damage):
        with open(path, 'w') as f:
          f.write(damage)
        measure = _Measure(float32=0.10, bfloat16=0.05)
        with self.assertLogs('absl', 'WARNING') as logs:
          self.assertEqual(precision.choose('bfloat16', measure,
                                            cache_dir=self.cache), 'bfloat16')
        self.assertLen(logs.output, 1)
        self.assertIn('cannot be read', logs.output[0])
        self.assertEqual(measure.calls, ['float32', 'bfloat16'])
        with open(path) as f:
          self.assertLen(json.load(f), 1)  # Written anew.

  def test_unknown_precision_is_refused_naming_the_choices(self):
    self._cpu(_ZEN4)
    self.assertEqual(precision.choose('float32'), 'float32')
    with self.assertRaisesRegex(
        ValueError, 'precision must be one of float32, bfloat16, auto, '
        "forced-bfloat16, int8, got 'float64'"):
      precision.choose('float64')
    with self.assertRaisesRegex(ValueError, 'int8 runs through OpenVINO'):
      precision.choose('int8')


class MeasureTest(absltest.TestCase):

  def test_the_convolutions_run_in_each_arithmetic(self):
    # No timing asserted: the measurement is positive and finite. (Where
    # ONEDNN_MAX_CPU_ISA keeps oneDNN below a bfloat16 CPU's bfloat16 ISA,
    # oneDNN has no bfloat16 convolution, and `choose` measures none.)
    names = ['float32'] + ([] if hardware.cpu_has_bfloat16() and
                           hardware.isa_cap_excludes_bfloat16() else
                           ['bfloat16'])
    for name in names:
      with mock.patch.object(calibration, 'SHAPES',
                             (((1, 2, 8, 8, 4), 3, 4),)):
        seconds = calibration.measure_convolutions(name)
      self.assertGreater(seconds, 0)
      self.assertLess(seconds, 60)


if __name__ == '__main__':
  absltest.main()
