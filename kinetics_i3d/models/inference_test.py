"""Tests of the fast inference path against the plain Sonnet model."""

from absl.testing import absltest
import numpy as np
import tensorflow as tf

import i3d
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import inference

# bfloat16 keeps 8 bits of mantissa; through 58 layers the logits move by
# about 1% of their largest magnitude. Allowed: 5%.
_BF16_RELATIVE_TOLERANCE = 0.05


def _trained_like_model(num_channels, seed, num_classes=400):
  """A model with random batch-norm statistics and biases."""
  model = i3d.InceptionI3d(num_classes)
  checkpoints.build(model, num_channels)
  rng = np.random.default_rng(seed)
  for v in model.variables:
    if v.name.endswith('moving_variance:0'):
      v.assign(rng.uniform(0.5, 2.0, v.shape).astype(np.float32))
    elif v.name.endswith(('beta:0', 'moving_mean:0', 'b:0')):
      v.assign(rng.normal(0, 0.2, v.shape).astype(np.float32))
  return model


def _plain_features(model, x):
  _, end_points = model(x, is_training=False)
  return tf.reduce_mean(end_points['Mixed_5c'], axis=[2, 3]).numpy()


class FoldedTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.rgb = _trained_like_model(3, seed=0)
    cls.flow = _trained_like_model(2, seed=1)

  def test_float32_matches_plain_model(self):
    x = tf.random.stateless_uniform([2, 20, 224, 224, 3], [1, 1], -1, 1)
    outputs = inference.Predictor({'rgb': self.rgb})({'rgb': x.numpy()})
    expected, _ = self.rgb(x, is_training=False)
    np.testing.assert_allclose(outputs['logits'], expected, atol=1e-4,
                               rtol=1e-4)
    np.testing.assert_allclose(outputs['rgb_features'],
                               _plain_features(self.rgb, x), atol=1e-4,
                               rtol=1e-4)
    self.assertEqual(outputs['rgb_features'].shape, (2, 3, 1024))

  def test_joint_sums_streams_and_any_length_runs_without_retracing(self):
    predictor = inference.Predictor({'rgb': self.rgb, 'flow': self.flow})
    for frames in (9, 16, 23):
      rgb = tf.random.stateless_uniform([1, frames, 224, 224, 3], [2, frames],
                                        -1, 1)
      flow = tf.random.stateless_uniform([1, frames, 224, 224, 2],
                                         [3, frames], -1, 1)
      outputs = predictor({'rgb': rgb, 'flow': flow})
      expected = (self.rgb(rgb, is_training=False)[0] +
                  self.flow(flow, is_training=False)[0]).numpy()
      np.testing.assert_allclose(outputs['logits'], expected, atol=2e-4,
                                 rtol=1e-4)
      self.assertEqual(outputs['flow_features'].shape,
                       (1, -(-frames // 8), 1024))
    self.assertEqual(predictor.run.experimental_get_tracing_count(), 1)

  def test_bfloat16_close_to_float32(self):
    x = tf.random.stateless_uniform([1, 16, 224, 224, 3], [4, 4], -1, 1)
    fp32 = inference.Predictor({'rgb': self.rgb})({'rgb': x})
    bf16 = inference.Predictor({'rgb': self.rgb}, 'bfloat16')({'rgb': x})
    self.assertEqual(bf16['logits'].dtype, np.float32)
    scale = np.abs(fp32['logits']).max()
    self.assertGreater(scale, 0.5)
    np.testing.assert_allclose(bf16['logits'], fp32['logits'],
                               atol=_BF16_RELATIVE_TOLERANCE * scale)
    self.assertFalse(np.array_equal(bf16['logits'], fp32['logits']))

  def test_rejects_unknown_precision(self):
    with self.assertRaisesRegex(ValueError, 'precision must be one of'):
      inference.FoldedI3D(self.rgb, 'float16')

  def test_folding_leaves_the_model_unchanged(self):
    before = {v.name: v.numpy() for v in self.rgb.variables}
    inference.FoldedI3D(self.rgb)
    for v in self.rgb.variables:
      np.testing.assert_array_equal(v.numpy(), before[v.name])


if __name__ == '__main__':
  absltest.main()
