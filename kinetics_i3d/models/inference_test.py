"""Tests of the fast inference path against the plain Sonnet model."""

from absl import logging
from absl.testing import absltest
import numpy as np
import tensorflow as tf

from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import hardware
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inference
from kinetics_i3d.models import precision
from kinetics_i3d.testing import calibrated_models
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.video import preprocessing

# bfloat16 keeps 8 significant bits: inputs and weights rounded by up to
# 2^-9 relative, products accumulated in float32 (oneDNN, GPUs), about 0.3%
# per layer, some 1.5% through the 22 layers in series: on logits of about
# 15, 0.2 (0.13 to 0.19 measured on real clips); the README promises the
# top 5 and differences under 0.5.
_BF16_LOGIT_TOLERANCE = 0.5
# Features: relative to their largest magnitude.
_BF16_FEATURE_TOLERANCE = 0.05
# Where bfloat16 products are also accumulated in bfloat16 (Eigen's kernels,
# which CPUs without bfloat16 units get), 7x the error per convolution.
_EIGEN_BF16_LOGIT_TOLERANCE = 1.5


def _bfloat16_kernels_run() -> bool:
  """Whether TensorFlow can run bfloat16 convolutions here.

  Not with oneDNN capped below bfloat16 (ONEDNN_MAX_CPU_ISA) on a CPU that
  has it, an emulation of an older CPU: TensorFlow picks its oneDNN bfloat16
  kernels by the CPU's own features, and oneDNN refuses to make them. A real
  older CPU gets Eigen's.
  """
  return not (hardware.onednn_enabled() and hardware.cpu_has_bfloat16() and
              hardware.isa_cap_excludes_bfloat16())


class FoldedTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.rgb = calibrated_models.calibrated_model(3, seed=0)
    cls.flow = calibrated_models.calibrated_model(2, seed=1)

  def test_float32_matches_plain_model(self):
    # Two clips of 17 frames: three feature time steps each.
    x = tf.random.stateless_uniform([2, 17, 193, 193, 3], [1, 1], -1, 1)
    outputs = inference.Predictor({'rgb': self.rgb})({'rgb': x.numpy()})
    expected, end_points = self.rgb(x, is_training=False)
    np.testing.assert_allclose(outputs['logits'], expected, atol=1e-4,
                               rtol=1e-4)
    # Guard: another clip moves the logits far beyond the tolerance.
    other, _ = self.rgb(x[:, ::-1], is_training=False)
    self.assertGreater(np.abs(expected - other).max(), 100 * 1e-4)
    np.testing.assert_allclose(
        outputs['rgb_features'],
        tf.reduce_mean(end_points['Mixed_5c'], axis=[2, 3]), atol=1e-4,
        rtol=1e-4)
    self.assertEqual(outputs['rgb_features'].shape, (2, 3, 1024))

  def test_joint_sums_streams_and_any_length_runs_without_retracing(self):
    predictor = inference.Predictor({'rgb': self.rgb, 'flow': self.flow})
    # 193 pixels: the network's least.
    for frames in (9, 17):
      rgb = tf.random.stateless_uniform([1, frames, 193, 193, 3], [2, frames],
                                        -1, 1)
      flow = tf.random.stateless_uniform([1, frames, 193, 193, 2],
                                         [3, frames], -1, 1)
      outputs = predictor({'rgb': rgb, 'flow': flow})
      rgb_logits = self.rgb(rgb, is_training=False)[0].numpy()
      expected = rgb_logits + self.flow(flow, is_training=False)[0].numpy()
      np.testing.assert_allclose(outputs['logits'], expected, atol=2e-4,
                                 rtol=1e-4)
      # Guard: the flow stream's share is far beyond the tolerance.
      self.assertGreater(np.abs(expected - rgb_logits).max(), 100 * 2e-4)
      self.assertEqual(outputs['flow_features'].shape,
                       (1, -(-frames // 8), 1024))
    self.assertEqual(predictor.run.experimental_get_tracing_count(), 1)

  def test_blocked_first_convolution_matches_the_plain_one(self):
    # The space-to-depth form AMX runs, checked on any machine in float32:
    # the same products summed in another order (7x7x7x3 = 1029 terms per
    # output, each rounding by 2^-24 relative: ~1e-5 on the logits).
    # Odd sizes: 'SAME' pads one more row and column at the end.
    x = tf.random.stateless_uniform([1, 9, 193, 195, 3], [6, 6], -1, 1)
    plain_network = inference.FoldedI3D(self.rgb, blocked_first_conv=False)
    plain = plain_network(x)
    blocked = inference.FoldedI3D(self.rgb, blocked_first_conv=True)(x)
    np.testing.assert_allclose(blocked['logits'], plain['logits'], atol=1e-4,
                               rtol=1e-4)
    np.testing.assert_allclose(blocked['features'], plain['features'],
                               atol=1e-4, rtol=1e-4)
    # Guard: the input moves the logits far beyond the tolerance.
    other = plain_network(x[:, ::-1])
    self.assertGreater(np.abs(other['logits'] - plain['logits']).max(), 1e-2)

  def test_blocked_first_convolution_only_for_bfloat16_on_amx(self):
    for dtype in ('float32', 'bfloat16'):
      folded = inference.FoldedI3D(self.rgb, dtype)
      first = folded._stages[0][1]  # pylint: disable=protected-access
      self.assertEqual(first.blocked,
                       dtype == 'bfloat16' and hardware.amx_in_use())

  def test_forced_bfloat16_stays_near_float32_on_any_kernels(self):
    # What an exported bfloat16 SavedModel computes, wherever it runs.
    if not _bfloat16_kernels_run():
      self.skipTest('no bfloat16 kernels under this ONEDNN_MAX_CPU_ISA cap')
    x = tf.random.stateless_uniform([1, 9, 193, 193, 3], [5, 5], -1, 1)
    expected = inference.Predictor({'rgb': self.rgb})({'rgb': x})['logits']
    forced = inference.Predictor({'rgb': self.rgb}, 'forced-bfloat16')
    self.assertEqual(forced.precision, 'bfloat16')
    logits = forced({'rgb': x.numpy()})['logits']
    np.testing.assert_allclose(logits, expected,
                               atol=_EIGEN_BF16_LOGIT_TOLERANCE)
    self.assertFalse(np.array_equal(logits, expected))  # It ran in bfloat16.
    # Guard: a blank clip moves the logits far beyond the tolerance (in
    # float32: bfloat16 on Eigen takes a quarter of a minute per clip).
    blank = inference.Predictor({'rgb': self.rgb})(
        {'rgb': np.zeros(x.shape, np.float32)})['logits']
    self.assertGreater(np.abs(blank - expected).max(),
                       5 * _EIGEN_BF16_LOGIT_TOLERANCE)

  def test_rejects_unknown_precision(self):
    with self.assertRaisesRegex(ValueError, 'precision must be one of'):
      inference.FoldedI3D(self.rgb, 'float64')

  def test_folding_leaves_the_model_unchanged(self):
    before = {v.name: v.numpy() for v in self.rgb.variables}
    inference.FoldedI3D(self.rgb)
    for v in self.rgb.variables:
      np.testing.assert_array_equal(v.numpy(), before[v.name])


class RealWeightsTest(absltest.TestCase):
  """Folding and bfloat16 on the registry checkpoint and a real clip."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.model = i3d.InceptionI3d()
    checkpoints.restore(cls.model, repo_paths.registry_checkpoint(), 'RGB',
                        num_channels=3)
    cls.clip = preprocessing.preprocess_video(
        repo_paths.registry_video('bikes.mp4'), flow=False, start_sec=4,
        end_sec=5.28).rgb
    cls.fp32 = inference.Predictor({'rgb': cls.model})({'rgb': cls.clip})

  def test_float32_matches_plain_model(self):
    expected, _ = self.model(self.clip, is_training=False)
    np.testing.assert_allclose(self.fp32['logits'], expected, atol=1e-4,
                               rtol=1e-4)

  def test_bfloat16_where_the_hardware_has_it_else_float32(self):
    supported, reason = precision.bfloat16_support()
    with self.assertLogs('absl', 'WARNING') as logs:
      bf16 = inference.Predictor({'rgb': self.model}, 'bfloat16')
      if supported:
        logging.warning('(bfloat16 runs)')
    if not supported:
      self.assertEqual(bf16.precision, 'float32')
      self.assertIn(f'bfloat16 was asked for, but {reason}: running float32',
                    logs.output[0])
      outputs = bf16({'rgb': self.clip})
      np.testing.assert_array_equal(outputs['logits'], self.fp32['logits'])
      return
    self.assertEqual((bf16.precision, len(logs.output)), ('bfloat16', 1))
    outputs = bf16({'rgb': self.clip})
    self.assertEqual(outputs['logits'].dtype, np.float32)
    logits, expected = outputs['logits'][0], self.fp32['logits'][0]
    # The same five classes; two within 0.06 of each other (2nd and 3rd
    # here) may swap places, as the README says.
    self.assertCountEqual(np.argsort(-logits)[:5], np.argsort(-expected)[:5])
    np.testing.assert_allclose(logits, expected, atol=_BF16_LOGIT_TOLERANCE)
    self.assertFalse(np.array_equal(logits, expected))  # It ran in bfloat16.
    features, expected_features = (outputs['rgb_features'],
                                   self.fp32['rgb_features'])
    np.testing.assert_allclose(
        features, expected_features,
        atol=_BF16_FEATURE_TOLERANCE * np.abs(expected_features).max())
    # Guard: the clip upside down is told apart by more than the tolerances.
    flipped = bf16({'rgb': self.clip[:, :, ::-1]})
    self.assertGreater(np.abs(flipped['logits'][0] - expected).max(),
                       2 * _BF16_LOGIT_TOLERANCE)
    self.assertGreater(
        np.abs(flipped['rgb_features'] - expected_features).max(),
        2 * _BF16_FEATURE_TOLERANCE * np.abs(expected_features).max())


if __name__ == '__main__':
  absltest.main()
