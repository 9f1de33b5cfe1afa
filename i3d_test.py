"""Tests for the I3D model: the original's tests and more."""

from absl.testing import absltest
import numpy as np
import tensorflow as tf

import i3d
from kinetics_i3d import errors
from kinetics_i3d.models import checkpoints
from kinetics_i3d.testing import plain_i3d
from kinetics_i3d.testing import repo_paths

_IMAGE_SIZE = 224
_NUM_CLASSES = 400
# The original's tests used 5 clips of 64 frames; 2 of 16 check the same
# shapes several times faster.
_SAMPLE_VIDEO_FRAMES = 16
_BATCH_SIZE = 2

_MIXED = ('Mixed_3b', 'Mixed_3c', 'Mixed_4b', 'Mixed_4c', 'Mixed_4d',
          'Mixed_4e', 'Mixed_4f', 'Mixed_5b', 'Mixed_5c')


def _unit_names():
  """The original's Unit3D scopes, written out independently of i3d.py."""
  units = ['Conv3d_1a_7x7', 'Conv3d_2b_1x1', 'Conv3d_2c_3x3']
  for block in _MIXED:
    branch_2 = 'Conv3d_0a_3x3' if block == 'Mixed_5b' else 'Conv3d_0b_3x3'
    units += [
        f'{block}/Branch_0/Conv3d_0a_1x1',
        f'{block}/Branch_1/Conv3d_0a_1x1',
        f'{block}/Branch_1/Conv3d_0b_3x3',
        f'{block}/Branch_2/Conv3d_0a_1x1',
        f'{block}/Branch_2/{branch_2}',
        f'{block}/Branch_3/Conv3d_0b_1x1',
    ]
  return units


def _expected_variable_names():
  names = []
  for unit in _unit_names():
    names += [
        f'inception_i3d/{unit}/conv_3d/w',
        f'inception_i3d/{unit}/batch_norm/beta',
        f'inception_i3d/{unit}/batch_norm/moving_mean',
        f'inception_i3d/{unit}/batch_norm/moving_variance',
    ]
  return sorted(names + ['inception_i3d/Logits/Conv3d_0c_1x1/conv_3d/w',
                         'inception_i3d/Logits/Conv3d_0c_1x1/conv_3d/b'])


def _weights(model):
  return {v.name[len('inception_i3d/'):-2]: v.numpy() for v in model.variables}


def _reference_logits(weights, x):
  return plain_i3d.logits(weights, x).numpy()


def _randomize_statistics(model, seed=0):
  """Gives every batch norm and bias random values, as a trained model has."""
  rng = np.random.default_rng(seed)
  for v in model.variables:
    if v.name.endswith(('beta:0', 'moving_mean:0', 'conv_3d/b:0')):
      v.assign(rng.normal(0, 0.2, v.shape).astype(np.float32))
    elif v.name.endswith('moving_variance:0'):
      v.assign(rng.uniform(0.5, 2.0, v.shape).astype(np.float32))


class I3dTest(absltest.TestCase):
  """The original release's tests."""

  def test_model_shapes_with_squeeze(self):
    model = i3d.InceptionI3d(num_classes=_NUM_CLASSES,
                             final_endpoint='Predictions')
    inp = tf.random.uniform(
        [_BATCH_SIZE, _SAMPLE_VIDEO_FRAMES, _IMAGE_SIZE, _IMAGE_SIZE, 3], -1, 1)
    predictions, end_points = model(inp, is_training=True,
                                    dropout_keep_prob=0.5)
    self.assertEqual(predictions.shape, (_BATCH_SIZE, _NUM_CLASSES))
    self.assertEqual(end_points['Logits'].shape, (_BATCH_SIZE, _NUM_CLASSES))
    np.testing.assert_allclose(tf.reduce_sum(predictions, axis=1),
                        np.ones(_BATCH_SIZE), atol=1e-5)

  def test_model_shapes_without_squeeze(self):
    model = i3d.InceptionI3d(num_classes=_NUM_CLASSES, spatial_squeeze=False,
                             final_endpoint='Predictions')
    inp = tf.random.uniform(
        [_BATCH_SIZE, _SAMPLE_VIDEO_FRAMES, _IMAGE_SIZE, _IMAGE_SIZE, 3], -1, 1)
    predictions, _ = model(inp, is_training=False, dropout_keep_prob=1.0)
    self.assertEqual(predictions.shape, (_BATCH_SIZE, 1, 1, _NUM_CLASSES))

  def test_init_errors(self):
    with self.assertRaisesRegex(ValueError, 'Unknown final endpoint'):
      i3d.InceptionI3d(num_classes=_NUM_CLASSES, final_endpoint='Conv3d_1a_8x8')
    model = i3d.InceptionI3d(num_classes=_NUM_CLASSES)
    inp = tf.zeros([1, 9, _IMAGE_SIZE, _IMAGE_SIZE, 3])
    for keep in (0, -0.5, 1.5):
      with self.assertRaisesRegex(ValueError, 'dropout_keep_prob'):
        model(inp, is_training=False, dropout_keep_prob=keep)
    with self.assertRaisesRegex(ValueError, 'at least 193'):
      model(tf.zeros([1, _SAMPLE_VIDEO_FRAMES, 10, 10, 3]),
            is_training=False, dropout_keep_prob=0.5)
    with self.assertRaisesRegex(ValueError, "input_stream must be None, rgb, "
                                "flow, got 'RGB'"):
      i3d.InceptionI3d(input_stream='RGB')

  def test_input_stream_checks_what_the_released_models_take(self):
    # Without it (the original API) any float input runs; with it, inputs
    # outside [-1, 1] are refused (inside a tf.function too) and those in
    # [-1, 1] give the same logits.
    clip = tf.random.uniform([1, 9, 193, 193, 3], -1, 1, seed=3)
    plain = i3d.InceptionI3d(num_classes=_NUM_CLASSES)
    checked = i3d.InceptionI3d(num_classes=_NUM_CLASSES, input_stream='rgb')
    logits, _ = plain(clip * 255, is_training=False)
    checked(clip, is_training=False)
    for source, target in zip(plain.variables, checked.variables):
      target.assign(source)
    np.testing.assert_array_equal(checked(clip, is_training=False)[0],
                                  plain(clip, is_training=False)[0])
    self.assertEqual(logits.shape, (1, _NUM_CLASSES))
    with self.assertRaisesRegex(errors.ArrayError, 'outside \\[-1, 1\\]'):
      checked(clip * 255, is_training=False)
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                'outside \\[-1, 1\\]'):
      tf.function(lambda x: checked(x, is_training=False)[0])(clip * 255)


class ArchitectureTest(absltest.TestCase):

  def test_every_endpoint_shape(self):
    model = i3d.InceptionI3d(final_endpoint='Predictions')
    _, end_points = model(tf.zeros([1, 64, 224, 224, 3]), is_training=False)
    expected = {
        'Conv3d_1a_7x7': (1, 32, 112, 112, 64),
        'MaxPool3d_2a_3x3': (1, 32, 56, 56, 64),
        'Conv3d_2b_1x1': (1, 32, 56, 56, 64),
        'Conv3d_2c_3x3': (1, 32, 56, 56, 192),
        'MaxPool3d_3a_3x3': (1, 32, 28, 28, 192),
        'Mixed_3b': (1, 32, 28, 28, 256),
        'Mixed_3c': (1, 32, 28, 28, 480),
        'MaxPool3d_4a_3x3': (1, 16, 14, 14, 480),
        'Mixed_4b': (1, 16, 14, 14, 512),
        'Mixed_4c': (1, 16, 14, 14, 512),
        'Mixed_4d': (1, 16, 14, 14, 512),
        'Mixed_4e': (1, 16, 14, 14, 528),
        'Mixed_4f': (1, 16, 14, 14, 832),
        'MaxPool3d_5a_2x2': (1, 8, 7, 7, 832),
        'Mixed_5b': (1, 8, 7, 7, 832),
        'Mixed_5c': (1, 8, 7, 7, 1024),
        'Logits': (1, 400),
        'Predictions': (1, 400),
    }
    self.assertEqual(list(end_points), list(expected))
    self.assertEqual({k: tuple(v.shape) for k, v in end_points.items()},
                     expected)
    self.assertEqual(i3d.VALID_ENDPOINTS, tuple(expected))

  def test_variable_names_and_count(self):
    model = i3d.InceptionI3d()
    model(tf.zeros([1, 9, 193, 193, 3]), is_training=False)
    names = sorted(v.name[:-2] for v in model.variables)
    self.assertLen(names, 230)
    self.assertEqual(names, _expected_variable_names())
    shapes = {v.name[:-2]: tuple(v.shape) for v in model.variables}
    self.assertEqual(shapes['inception_i3d/Conv3d_1a_7x7/conv_3d/w'],
                     (7, 7, 7, 3, 64))
    self.assertEqual(
        shapes['inception_i3d/Mixed_5b/Branch_2/Conv3d_0a_3x3/conv_3d/w'],
        (3, 3, 3, 32, 128))
    self.assertEqual(
        shapes['inception_i3d/Mixed_4b/Branch_1/Conv3d_0b_3x3/batch_norm/beta'],
        (208,))
    self.assertEqual(shapes['inception_i3d/Logits/Conv3d_0c_1x1/conv_3d/b'],
                     (400,))
    trainable = {v.name[:-2] for v in model.trainable_variables}
    self.assertLen(trainable, 230 - 2 * 57)
    self.assertNotIn('inception_i3d/Conv3d_1a_7x7/batch_norm/moving_mean',
                     trainable)

  def test_final_endpoint_truncates_model(self):
    model = i3d.InceptionI3d(final_endpoint='Mixed_3b')
    net, end_points = model(tf.zeros([1, 8, 64, 64, 2]), is_training=False)
    self.assertEqual(list(end_points), list(i3d.VALID_ENDPOINTS[:6]))
    self.assertEqual(net.shape, (1, 4, 8, 8, 256))
    self.assertLen(model.variables, 4 * 3 + 4 * 6)

  def test_minimum_input_size(self):
    self.assertEqual(i3d.min_input_size(), (9, 193, 193))
    model = i3d.InceptionI3d()
    logits, _ = model(tf.zeros([1, 9, 193, 193, 3]), is_training=False)
    self.assertEqual(logits.shape, (1, 400))
    with self.assertRaisesRegex(ValueError, '8 frames'):
      model(tf.zeros([1, 8, 224, 224, 3]), is_training=False)
    with self.assertRaisesRegex(ValueError, 'width'):
      model(tf.zeros([1, 9, 224, 192, 3]), is_training=False)


class NumericsTest(absltest.TestCase):

  def test_logits_match_plain_tf_nn_computation(self):
    # Trained weights (random ones barely respond to the input), 17 frames
    # (two logit time steps to average) and, without spatial squeeze, a
    # 193x225 frame (two spatial positions).
    model = i3d.InceptionI3d(spatial_squeeze=False)
    checkpoints.restore(model, repo_paths.registry_checkpoint(), 'RGB',
                        num_channels=3)
    weights = _weights(model)
    for shape in ([2, 17, 193, 193, 3], [1, 17, 193, 225, 3]):
      x = tf.random.stateless_uniform(shape, [1, 2], -1, 1)
      logits, _ = model(x, is_training=False)
      expected = _reference_logits(weights, x)
      self.assertEqual(logits.shape, expected.shape)
      np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-4)
    # The check can fail: BGR order or reversed time (of the last clip) move
    # the logits by far more than the tolerance.
    for changed in (x[..., ::-1], x[:, ::-1]):
      moved = np.abs(model(changed, is_training=False)[0] - logits).max()
      self.assertGreater(moved, 100 * 1e-4)
    self.assertEqual(expected.shape, (1, 1, 2, 400))

  def test_tf_function_matches_eager(self):
    model = i3d.InceptionI3d(final_endpoint='Predictions')
    x = tf.random.stateless_uniform([1, 9, 193, 193, 2], [3, 4], -1, 1)
    checkpoints.build(model, 2)
    _randomize_statistics(model)
    eager, eager_points = model(x, is_training=False)
    compiled = tf.function(lambda v: model(v, is_training=False))
    graph, graph_points = compiled(x)
    np.testing.assert_allclose(eager, graph, atol=1e-6)
    np.testing.assert_allclose(eager_points['Logits'], graph_points['Logits'],
                        atol=1e-4)

  def test_training_mode_uses_and_records_batch_statistics(self):
    model = i3d.InceptionI3d(final_endpoint='Conv3d_1a_7x7')
    x = tf.random.stateless_uniform([2, 8, 32, 32, 3], [5, 6], -1, 1)
    model(x, is_training=False)
    _randomize_statistics(model)
    before = _weights(model)
    out, _ = model(x, is_training=True)
    conv = tf.nn.conv3d(x, before['Conv3d_1a_7x7/conv_3d/w'], [1, 2, 2, 2, 1],
                        'SAME')
    mean = tf.reduce_mean(conv, axis=[0, 1, 2, 3])
    variance = tf.reduce_mean(tf.square(conv - mean), axis=[0, 1, 2, 3])
    expected = tf.nn.relu((conv - mean) / tf.sqrt(variance + 1e-3) +
                          before['Conv3d_1a_7x7/batch_norm/beta'])
    np.testing.assert_allclose(out, expected, atol=1e-4)
    after = _weights(model)
    np.testing.assert_allclose(
        after['Conv3d_1a_7x7/batch_norm/moving_mean'],
        0.999 * before['Conv3d_1a_7x7/batch_norm/moving_mean'] + 0.001 * mean,
        atol=1e-6)
    np.testing.assert_allclose(
        after['Conv3d_1a_7x7/batch_norm/moving_variance'],
        0.999 * before['Conv3d_1a_7x7/batch_norm/moving_variance'] +
        0.001 * variance, atol=1e-6)

  def test_dropout_only_in_training(self):
    model = i3d.InceptionI3d()
    x = tf.random.stateless_uniform([1, 9, 193, 193, 3], [7, 8], -1, 1)
    checkpoints.build(model, 3)
    _randomize_statistics(model)
    first, _ = model(x, is_training=False, dropout_keep_prob=0.5)
    second, _ = model(x, is_training=False, dropout_keep_prob=0.5)
    np.testing.assert_array_equal(first, second)
    # In training, batch statistics of a batch of one plus dropout: two calls
    # differ only through dropout.
    tf.random.set_seed(1)
    train_a, _ = model(x, is_training=True, dropout_keep_prob=0.5)
    train_b, _ = model(x, is_training=True, dropout_keep_prob=0.5)
    train_c, _ = model(x, is_training=True, dropout_keep_prob=1.0)
    train_d, _ = model(x, is_training=True, dropout_keep_prob=1.0)
    self.assertFalse(np.allclose(train_a, train_b))
    np.testing.assert_allclose(train_c, train_d, atol=1e-5)


if __name__ == '__main__':
  absltest.main()
