"""The I3D forward pass in plain `tf.nn` ops, from a dict of weights.

Written out from the paper's architecture independently of `i3d.py`: the
tests check the Sonnet model against it, and the start-up benchmark uses it
as the minimal TensorFlow program to compare the scripts with.
"""

from typing import Mapping

import tensorflow as tf

_MIXED_4 = ('Mixed_4b', 'Mixed_4c', 'Mixed_4d', 'Mixed_4e', 'Mixed_4f')


def logits(weights: Mapping[str, tf.Tensor], x: tf.Tensor) -> tf.Tensor:
  """I3D's logits, averaged over time.

  Args:
    weights: arrays by variable name without the `inception_i3d/` prefix
      (`Conv3d_1a_7x7/conv_3d/w`, ...), batch norm without scale, eps 1e-3.
    x: [batch, frames, height, width, channels] clips.

  Returns:
    [batch, h, w, classes]: the logits at each remaining spatial position
    (1x1 for 224x224 frames), averaged over time.
  """

  def unit(net, name, stride=1):
    net = tf.nn.conv3d(net, weights[f'{name}/conv_3d/w'],
                       strides=[1, stride, stride, stride, 1], padding='SAME')
    mean = tf.reshape(weights[f'{name}/batch_norm/moving_mean'], [-1])
    variance = tf.reshape(weights[f'{name}/batch_norm/moving_variance'], [-1])
    net = (net - mean) / tf.sqrt(variance + 1e-3)
    return tf.nn.relu(net + weights[f'{name}/batch_norm/beta'])

  def max_pool(net, kernel, stride):
    return tf.nn.max_pool3d(net, [1] + kernel + [1], [1] + stride + [1],
                            'SAME')

  def block(net, name):
    branch_2 = 'Conv3d_0a_3x3' if name == 'Mixed_5b' else 'Conv3d_0b_3x3'
    return tf.concat([
        unit(net, f'{name}/Branch_0/Conv3d_0a_1x1'),
        unit(unit(net, f'{name}/Branch_1/Conv3d_0a_1x1'),
             f'{name}/Branch_1/Conv3d_0b_3x3'),
        unit(unit(net, f'{name}/Branch_2/Conv3d_0a_1x1'),
             f'{name}/Branch_2/{branch_2}'),
        unit(max_pool(net, [3, 3, 3], [1, 1, 1]),
             f'{name}/Branch_3/Conv3d_0b_1x1'),
    ], axis=-1)

  net = unit(x, 'Conv3d_1a_7x7', stride=2)
  net = max_pool(net, [1, 3, 3], [1, 2, 2])
  net = unit(net, 'Conv3d_2b_1x1')
  net = unit(net, 'Conv3d_2c_3x3')
  net = max_pool(net, [1, 3, 3], [1, 2, 2])
  net = block(block(net, 'Mixed_3b'), 'Mixed_3c')
  net = max_pool(net, [3, 3, 3], [2, 2, 2])
  for name in _MIXED_4:
    net = block(net, name)
  net = max_pool(net, [2, 2, 2], [2, 2, 2])
  net = block(block(net, 'Mixed_5b'), 'Mixed_5c')
  net = tf.nn.avg_pool3d(net, [1, 2, 7, 7, 1], [1, 1, 1, 1, 1], 'VALID')
  net = tf.nn.conv3d(net, weights['Logits/Conv3d_0c_1x1/conv_3d/w'],
                     [1, 1, 1, 1, 1], 'SAME')
  net = net + weights['Logits/Conv3d_0c_1x1/conv_3d/b']
  return tf.reduce_mean(net, axis=1)
