"""Tests of ImageNet inflation: the paper's "boring video" property."""

import os

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inflation

# Inception-v1 block widths (Szegedy et al., 2014), written out again here.
_BLOCKS = {
    'Mixed_3b': (64, 96, 128, 16, 32, 32),
    'Mixed_3c': (128, 128, 192, 32, 96, 64),
    'Mixed_4b': (192, 96, 208, 16, 48, 64),
    'Mixed_4c': (160, 112, 224, 24, 64, 64),
    'Mixed_4d': (128, 128, 256, 24, 64, 64),
    'Mixed_4e': (112, 144, 288, 32, 64, 64),
    'Mixed_4f': (256, 160, 320, 32, 128, 128),
    'Mixed_5b': (256, 160, 320, 32, 128, 128),
    'Mixed_5c': (384, 192, 384, 48, 128, 128),
}


class _InceptionV1:
  """A 2D TF-Slim-named Inception-v1 in plain tf.nn ops.

  Weights are created with random values the first time a layer runs, as
  TF1's get_variable did, under TF-Slim's names.
  """

  def __init__(self, seed):
    self.rng = np.random.default_rng(seed)
    self.weights = {}

  def _conv(self, x, name, out, size, stride=1):
    key = f'InceptionV1/{name}'
    if f'{key}/weights' not in self.weights:
      fan_in = size * size * x.shape[-1]
      self.weights[f'{key}/weights'] = self.rng.normal(
          0, np.sqrt(2.0 / fan_in), (size, size, x.shape[-1], out)).astype(
              np.float32)
      self.weights[f'{key}/BatchNorm/beta'] = self.rng.normal(
          0, 0.1, out).astype(np.float32)
      self.weights[f'{key}/BatchNorm/moving_mean'] = self.rng.normal(
          0, 0.1, out).astype(np.float32)
      self.weights[f'{key}/BatchNorm/moving_variance'] = self.rng.uniform(
          0.5, 1.5, out).astype(np.float32)
    w = self.weights
    y = tf.nn.conv2d(x, w[f'{key}/weights'], stride, 'SAME')
    y = (y - w[f'{key}/BatchNorm/moving_mean']) / np.sqrt(
        w[f'{key}/BatchNorm/moving_variance'] + 1e-3)
    return tf.nn.relu(y + w[f'{key}/BatchNorm/beta'])

  @staticmethod
  def _pool(x, size, stride):
    return tf.nn.max_pool2d(x, size, stride, 'SAME')

  def _block(self, x, name):
    w0, w1a, w1, w2a, w2, w3 = _BLOCKS[name]
    last = 'Conv2d_0a_3x3' if name == 'Mixed_5b' else 'Conv2d_0b_3x3'
    return tf.concat([
        self._conv(x, f'{name}/Branch_0/Conv2d_0a_1x1', w0, 1),
        self._conv(self._conv(x, f'{name}/Branch_1/Conv2d_0a_1x1', w1a, 1),
                   f'{name}/Branch_1/Conv2d_0b_3x3', w1, 3),
        self._conv(self._conv(x, f'{name}/Branch_2/Conv2d_0a_1x1', w2a, 1),
                   f'{name}/Branch_2/{last}', w2, 3),
        self._conv(self._pool(x, 3, 1), f'{name}/Branch_3/Conv2d_0b_1x1', w3,
                   1),
    ], axis=-1)

  def __call__(self, image):
    """Endpoints of the image, {name: [1, h, w, c]}."""
    points = {}
    net = self._conv(image, 'Conv2d_1a_7x7', 64, 7, stride=2)
    net = self._pool(net, 3, 2)
    net = self._conv(net, 'Conv2d_2b_1x1', 64, 1)
    net = self._conv(net, 'Conv2d_2c_3x3', 192, 3)
    net = self._pool(net, 3, 2)
    for name in ('Mixed_3b', 'Mixed_3c'):
      net = points[name] = self._block(net, name)
    net = self._pool(net, 3, 2)
    for name in ('Mixed_4b', 'Mixed_4c', 'Mixed_4d', 'Mixed_4e', 'Mixed_4f'):
      net = points[name] = self._block(net, name)
    net = self._pool(net, 2, 2)
    for name in ('Mixed_5b', 'Mixed_5c'):
      net = points[name] = self._block(net, name)
    return points


class BoringVideoTest(absltest.TestCase):

  def test_boring_video_gives_the_2d_activations(self):
    net2d = _InceptionV1(seed=0)
    image = tf.random.stateless_uniform([1, 32, 32, 3], [1, 2], -1, 1)
    points2d = net2d(image)
    net2d.weights['InceptionV1/Logits/Conv2d_0c_1x1/weights'] = np.zeros(
        (1, 1, 1024, 1001), np.float32)

    directory = self.create_tempdir().full_path
    slim_path = os.path.join(directory, 'inception_v1.ckpt')
    checkpoints.write_arrays(slim_path, net2d.weights)
    i3d_path = os.path.join(directory, 'i3d', 'model.ckpt')
    count = inflation.inflate_checkpoint(slim_path, i3d_path, 'rgb')
    self.assertEqual(count, 57 * 4)

    model = i3d.InceptionI3d(final_endpoint='Mixed_5c')
    checkpoints.restore(model, i3d_path, 'RGB', num_channels=3)
    frames = 96
    video = tf.tile(image[:, None], [1, frames, 1, 1, 1])
    _, points3d = model(video, is_training=False)

    # Away from the clip's ends (zero padding in time), every frame of every
    # block equals the 2D activations.
    for name, stride in (('Mixed_3c', 2), ('Mixed_4f', 4), ('Mixed_5c', 8)):
      middle = frames // stride // 2
      np.testing.assert_allclose(points3d[name][0, middle], points2d[name][0],
                                 rtol=1e-3, atol=1e-4, err_msg=name)
    pooled3d = tf.reduce_mean(points3d['Mixed_5c'][0, 5:7], axis=[0, 1, 2])
    pooled2d = tf.reduce_mean(points2d['Mixed_5c'][0], axis=[0, 1])
    self.assertGreater(float(tf.reduce_max(pooled2d)), 0.01)
    np.testing.assert_allclose(pooled3d, pooled2d, rtol=1e-3, atol=1e-4)


class InflateTest(absltest.TestCase):

  def test_kernel_is_repeated_and_divided(self):
    kernel = np.arange(2 * 3 * 3 * 4, dtype=np.float32).reshape(3, 3, 2, 4)
    inflated = inflation.inflate_kernel(kernel)
    self.assertEqual(inflated.shape, (3, 3, 3, 2, 4))
    np.testing.assert_allclose(inflated.sum(axis=0), kernel, rtol=1e-6)
    np.testing.assert_allclose(inflated[1], kernel / 3)

  def test_flow_stream_averages_the_colour_channels(self):
    weights = {'InceptionV1/Conv2d_1a_7x7/weights': np.ones((7, 7, 3, 64))}
    for part in ('beta', 'moving_mean', 'moving_variance'):
      weights[f'InceptionV1/Conv2d_1a_7x7/BatchNorm/{part}'] = np.ones(64)
    weights['InceptionV1/Conv2d_1a_7x7/weights'][:, :, 0] = 4.0
    arrays = inflation.inflate(weights, num_channels=2)
    kernel = arrays['inception_i3d/Conv3d_1a_7x7/conv_3d/w']
    self.assertEqual(kernel.shape, (7, 7, 7, 2, 64))
    np.testing.assert_allclose(kernel, 2.0 / 7)

  def test_errors(self):
    with self.assertRaisesRegex(errors.InputError, 'not a TF-Slim'):
      inflation.inflate({'dense/kernel': np.zeros(1)})
    with self.assertRaisesRegex(errors.InputError, 'no InceptionV1/Conv2d_1a'):
      inflation.inflate(
          {'InceptionV1/Conv2d_1a_7x7/weights': np.zeros((7, 7, 3, 64))})


if __name__ == '__main__':
  absltest.main()
