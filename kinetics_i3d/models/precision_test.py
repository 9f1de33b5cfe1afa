"""Tests of the choice of arithmetic, on machines the tests do not run on."""

import os
from unittest import mock

from absl.testing import absltest

from kinetics_i3d.models import precision

_ZEN3 = frozenset({'avx2', 'fma', 'f16c'})
_ZEN4 = _ZEN3 | {'avx512f', 'avx512_vnni', 'avx512_bf16'}
_SAPPHIRE_RAPIDS = _ZEN3 | {'avx512f', 'avx512_bf16', 'amx_bf16', 'amx_tile'}


class ChoiceTest(absltest.TestCase):

  def _cpu(self, flags, **environment):
    """Pretends to run on a CPU with `flags`, with no GPU."""
    self.enter_context(mock.patch.object(precision, 'cpu_flags',
                                         return_value=flags))
    self.enter_context(mock.patch.object(
        precision.tf.config, 'list_physical_devices', return_value=[]))
    self.enter_context(mock.patch.dict(os.environ))  # Restored at the end.
    for name in ('ONEDNN_MAX_CPU_ISA', 'TF_ENABLE_ONEDNN_OPTS'):
      os.environ.pop(name, None)
    os.environ.update(environment)

  def test_cpus_with_bfloat16_units_run_it(self):
    for flags, named in ((_ZEN4, 'avx512_bf16'),
                         (_SAPPHIRE_RAPIDS, 'amx_bf16 and avx512_bf16')):
      with self.subTest(named):
        self._cpu(flags)
        self.assertEqual(precision.bfloat16_support(),
                         (True, f'the CPU has {named}'))
        self.assertEqual(precision.choose('bfloat16'), 'bfloat16')

  def test_avx2_cpu_runs_float32_and_says_why(self):
    self._cpu(_ZEN3)
    with self.assertLogs('absl', 'WARNING') as logs:
      self.assertEqual(precision.choose('bfloat16'), 'float32')
    self.assertLen(logs.output, 1)
    self.assertIn('bfloat16 was asked for, but this CPU has no bfloat16 '
                  'arithmetic (neither avx512_bf16 nor amx_bf16): running '
                  'float32', logs.output[0])

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

  def test_amx_only_where_onednn_can_use_it(self):
    for flags, environment, expected in (
        (_SAPPHIRE_RAPIDS, {}, True),
        (_SAPPHIRE_RAPIDS, {'ONEDNN_MAX_CPU_ISA': 'AVX512_CORE_AMX'}, True),
        (_SAPPHIRE_RAPIDS, {'ONEDNN_MAX_CPU_ISA': 'AVX512_CORE_BF16'}, False),
        (_SAPPHIRE_RAPIDS, {'TF_ENABLE_ONEDNN_OPTS': '0'}, False),
        (_ZEN4, {}, False)):
      with self.subTest(f'{sorted(flags & {"amx_bf16"})} {environment}'):
        self._cpu(flags, **environment)
        self.assertEqual(precision.amx_in_use(), expected)

  def test_gpus_from_ampere_on(self):
    self._cpu(_ZEN3)
    gpu = mock.Mock()
    gpu.name = '/physical_device:GPU:0'
    self.enter_context(mock.patch.object(
        precision.tf.config, 'list_physical_devices', return_value=[gpu]))
    for capability, supported in (((7, 5), False), ((8, 0), True),
                                  ((9, 0), True)):
      with self.subTest(capability):
        with mock.patch.object(
            precision.tf.config.experimental, 'get_device_details',
            return_value={'device_name': 'GPU X',
                          'compute_capability': capability}):
          result = precision.bfloat16_support()
        self.assertEqual(result[0], supported)
        self.assertIn('GPU X', result[1])

  def test_float32_is_always_float32_and_unknown_is_refused(self):
    self._cpu(_ZEN4)
    self.assertEqual(precision.choose('float32'), 'float32')
    with self.assertRaisesRegex(ValueError, 'precision must be one of'):
      precision.choose('float16')


if __name__ == '__main__':
  absltest.main()
