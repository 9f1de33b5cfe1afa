# Copyright 2017 Google Inc. and the kinetics-i3d TF2 authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     https://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""Inception-v1 Inflated 3D ConvNet used for the Kinetics CVPR paper.

The model is introduced in:

  Quo Vadis, Action Recognition? A New Model and the Kinetics Dataset
  Joao Carreira, Andrew Zisserman
  https://arxiv.org/pdf/1705.07750v1.pdf.

This is the Sonnet 2 / TensorFlow 2 version of DeepMind's original Sonnet 1
module. The architecture, the numerics (TF `SAME` padding, batch norm with an
offset and no scale, eps 1e-3, moving averages with decay 0.999) and the
variable names are the original's, so the released checkpoints restore into it
by name (see `kinetics_i3d.models.checkpoints`).
"""

import functools
import math
from typing import Callable, Collection, Dict, NamedTuple, Optional, Sequence, Tuple

import sonnet as snt
import tensorflow as tf

from kinetics_i3d import arrays
from kinetics_i3d.models import endpoints

# Endpoints of the model in order. Every call returns the output at
# `final_endpoint` and a dictionary of all the endpoints up to it.
VALID_ENDPOINTS = endpoints.VALID_ENDPOINTS

Triple = Tuple[int, int, int]


class InceptionWidths(NamedTuple):
  """Output channels of the convolutions of one Inception block."""
  branch_0: int  # Branch_0: 1x1x1.
  branch_1_reduce: int  # Branch_1: 1x1x1 ...
  branch_1: int  # ... then 3x3x3.
  branch_2_reduce: int  # Branch_2: 1x1x1 ...
  branch_2: int  # ... then 3x3x3.
  branch_3: int  # Branch_3: 3x3x3 max pool, then 1x1x1.

  @property
  def output_channels(self) -> int:
    return self.branch_0 + self.branch_1 + self.branch_2 + self.branch_3


# Inception-v1 block widths (Szegedy et al., 2014, table 1).
INCEPTION_WIDTHS = {
    'Mixed_3b': InceptionWidths(64, 96, 128, 16, 32, 32),
    'Mixed_3c': InceptionWidths(128, 128, 192, 32, 96, 64),
    'Mixed_4b': InceptionWidths(192, 96, 208, 16, 48, 64),
    'Mixed_4c': InceptionWidths(160, 112, 224, 24, 64, 64),
    'Mixed_4d': InceptionWidths(128, 128, 256, 24, 64, 64),
    'Mixed_4e': InceptionWidths(112, 144, 288, 32, 64, 64),
    'Mixed_4f': InceptionWidths(256, 160, 320, 32, 128, 128),
    'Mixed_5b': InceptionWidths(256, 160, 320, 32, 128, 128),
    'Mixed_5c': InceptionWidths(384, 192, 384, 48, 128, 128),
}

# The original names the second convolution of Mixed_5b's Branch_2
# `Conv3d_0a_3x3` where every other block says `Conv3d_0b_3x3`; the released
# checkpoints carry that name, so it is kept.
_BRANCH_2_CONV_NAMES = {'Mixed_5b': 'Conv3d_0a_3x3'}

# (kernel, stride) of the max pools between the stages, as [T, H, W].
MAX_POOLS = {
    'MaxPool3d_2a_3x3': ((1, 3, 3), (1, 2, 2)),
    'MaxPool3d_3a_3x3': ((1, 3, 3), (1, 2, 2)),
    'MaxPool3d_4a_3x3': ((3, 3, 3), (2, 2, 2)),
    'MaxPool3d_5a_2x2': ((2, 2, 2), (2, 2, 2)),
}

# Window of the average pool before the logits, as [T, H, W].
LOGITS_POOL = (2, 7, 7)
# Total stride of the network before the logits pool, as [T, H, W].
TOTAL_STRIDE = (8, 32, 32)


def _max_pool(inputs: tf.Tensor, kernel: Triple, stride: Triple,
              name: str) -> tf.Tensor:
  return tf.nn.max_pool3d(
      inputs, ksize=(1,) + tuple(kernel) + (1,), strides=(1,) + tuple(stride) +
      (1,), padding='SAME', name=name)


def min_input_size() -> Triple:
  """Smallest (frames, height, width) for which the logits can be computed.

  With `SAME` padding each stride-2 stage rounds up, so a dimension of size d
  reaches the final pool with size ceil(d / stride); it must cover the pool.

  Returns:
    The minimum number of frames, height and width of an input clip.
  """
  return tuple((window - 1) * stride + 1
               for window, stride in zip(LOGITS_POOL, TOTAL_STRIDE))


def _check_inputs(inputs: tf.Tensor, dropout_keep_prob: float,
                  needs_logits: bool) -> None:
  """Raises ValueError for arguments the network cannot run on."""
  if not 0.0 < dropout_keep_prob <= 1.0:
    raise ValueError(
        f'dropout_keep_prob must be in (0, 1], got {dropout_keep_prob}.')
  if inputs.shape.rank != 5:
    raise ValueError('Inputs must have shape [batch, frames, height, width, '
                     f'channels], got {inputs.shape}.')
  if not needs_logits:
    return
  for axis, size, minimum, stride in zip(('frames', 'height', 'width'),
                                         inputs.shape[1:4], min_input_size(),
                                         TOTAL_STRIDE):
    if size is not None and size < minimum:
      raise ValueError(
          f'Input has {size} {"frames" if axis == "frames" else "pixels"} '
          f'in {axis}: the logits need at least {minimum} (the network '
          f'divides it by {stride}, rounding up, and then pools over '
          f'{math.ceil(minimum / stride)}).')


class BatchNorm(snt.Module):
  """Batch normalization with Sonnet 1's defaults, as the original used it.

  An offset (`beta`) and no scale, eps 1e-3; moving mean and variance updated
  with decay 0.999 (no zero-debiasing) whenever it runs in training mode.
  Training mode normalises with the batch statistics over all axes but the
  last; otherwise the moving statistics are used.
  """

  def __init__(self,
               num_channels: int,
               decay_rate: float = 0.999,
               eps: float = 1e-3,
               name: Optional[str] = 'batch_norm'):
    """Creates the offset and the moving statistics.

    Args:
      num_channels: size of the last axis of the inputs.
      decay_rate: decay of the moving averages.
      eps: added to the variance before its square root.
      name: module name.
    """
    super().__init__(name=name)
    self._decay_rate = decay_rate
    self._eps = eps
    self.beta = tf.Variable(tf.zeros([num_channels]), name='beta')
    # Kept per replica and averaged on read, as Keras does for its batch norm.
    moving = functools.partial(
        tf.Variable,
        trainable=False,
        synchronization=tf.VariableSynchronization.ON_READ,
        aggregation=tf.VariableAggregation.MEAN)
    self.moving_mean = moving(tf.zeros([num_channels]), name='moving_mean')
    self.moving_variance = moving(
        tf.ones([num_channels]), name='moving_variance')

  @property
  def eps(self) -> float:
    return self._eps

  @property
  def decay_rate(self) -> float:
    return self._decay_rate

  def __call__(self, inputs: tf.Tensor, is_training: bool) -> tf.Tensor:
    """Normalises `inputs`, updating the moving statistics when training.

    Args:
      inputs: tensor whose last axis has `num_channels` entries.
      is_training: use (and record) the batch statistics.

    Returns:
      The normalised tensor, of the shape of `inputs`.
    """
    if is_training:
      axes = list(range(len(inputs.shape) - 1))
      mean, variance = tf.nn.moments(inputs, axes)
      keep = 1.0 - self._decay_rate
      self.moving_mean.assign_sub(keep * (self.moving_mean - mean))
      self.moving_variance.assign_sub(keep *
                                      (self.moving_variance - variance))
    else:
      mean, variance = self.moving_mean, self.moving_variance
    return tf.nn.batch_normalization(
        inputs, mean, variance, offset=self.beta, scale=None,
        variance_epsilon=self._eps)


class Unit3D(snt.Module):
  """Basic unit containing Conv3D + BatchNorm + non-linearity."""

  def __init__(self,
               output_channels: int,
               kernel_shape: Sequence[int] = (1, 1, 1),
               stride: Sequence[int] = (1, 1, 1),
               activation_fn: Optional[Callable[[tf.Tensor],
                                                tf.Tensor]] = tf.nn.relu,
               use_batch_norm: bool = True,
               use_bias: bool = False,
               name: Optional[str] = 'unit_3d'):
    """Initializes the Unit3D module.

    Args:
      output_channels: number of output channels.
      kernel_shape: convolution kernel as [T, H, W].
      stride: convolution stride as [T, H, W].
      activation_fn: applied last; None for none.
      use_batch_norm: whether to batch-normalise the convolution's output.
      use_bias: whether the convolution has a bias.
      name: module name.
    """
    super().__init__(name=name)
    self._activation_fn = activation_fn
    self.conv_3d = snt.Conv3D(
        output_channels=output_channels,
        kernel_shape=tuple(kernel_shape),
        stride=tuple(stride),
        padding='SAME',
        with_bias=use_bias,
        name='conv_3d')
    self.batch_norm = BatchNorm(output_channels) if use_batch_norm else None

  @property
  def activation_fn(self) -> Optional[Callable[[tf.Tensor], tf.Tensor]]:
    return self._activation_fn

  def __call__(self, inputs: tf.Tensor, is_training: bool) -> tf.Tensor:
    """Applies the convolution, batch norm and activation.

    Args:
      inputs: [batch, frames, height, width, channels] tensor.
      is_training: whether batch norm runs in training mode.

    Returns:
      The output tensor.
    """
    net = self.conv_3d(inputs)
    if self.batch_norm is not None:
      net = self.batch_norm(net, is_training=is_training)
    if self._activation_fn is not None:
      net = self._activation_fn(net)
    return net


class InceptionBranch(snt.Module):
  """One `Branch_N` of an Inception block: an optional max pool, then units."""

  def __init__(self,
               units: Sequence[Tuple[str, int, int]],
               pool_first: bool = False,
               name: Optional[str] = None):
    """Creates the branch.

    Args:
      units: (name, output channels, cubic kernel size) of each Unit3D, in
        order.
      pool_first: start with a 3x3x3 max pool of stride 1.
      name: module name, `Branch_N`.
    """
    super().__init__(name=name)
    self._pool_first = pool_first
    self.units = [
        Unit3D(channels, kernel_shape=(size,) * 3, name=unit_name)
        for unit_name, channels, size in units
    ]

  @property
  def pool_first(self) -> bool:
    return self._pool_first

  def __call__(self, inputs: tf.Tensor, is_training: bool) -> tf.Tensor:
    net = inputs
    if self._pool_first:
      net = _max_pool(net, (3, 3, 3), (1, 1, 1), 'MaxPool3d_0a_3x3')
    for unit in self.units:
      net = unit(net, is_training=is_training)
    return net


class InceptionBlock(snt.Module):
  """An Inception-v1 block with all its filters inflated to 3D."""

  def __init__(self, widths: InceptionWidths, name: str):
    """Creates the four branches.

    Args:
      widths: output channels of each convolution.
      name: module name, `Mixed_*`.
    """
    super().__init__(name=name)
    branch_2_conv = _BRANCH_2_CONV_NAMES.get(name, 'Conv3d_0b_3x3')
    self.branches = [
        InceptionBranch([('Conv3d_0a_1x1', widths.branch_0, 1)],
                        name='Branch_0'),
        InceptionBranch([('Conv3d_0a_1x1', widths.branch_1_reduce, 1),
                         ('Conv3d_0b_3x3', widths.branch_1, 3)],
                        name='Branch_1'),
        InceptionBranch([('Conv3d_0a_1x1', widths.branch_2_reduce, 1),
                         (branch_2_conv, widths.branch_2, 3)],
                        name='Branch_2'),
        InceptionBranch([('Conv3d_0b_1x1', widths.branch_3, 1)],
                        pool_first=True, name='Branch_3'),
    ]

  def __call__(self, inputs: tf.Tensor, is_training: bool) -> tf.Tensor:
    return tf.concat(
        [branch(inputs, is_training=is_training) for branch in self.branches],
        axis=4)


class LogitsHead(snt.Module):
  """Average pool, dropout and a 1x1x1 convolution with bias, per time step."""

  def __init__(self, num_classes: int, name: str = 'Logits'):
    super().__init__(name=name)
    self.conv = Unit3D(
        num_classes,
        activation_fn=None,
        use_batch_norm=False,
        use_bias=True,
        name='Conv3d_0c_1x1')

  def __call__(self, inputs: tf.Tensor, is_training: bool,
               dropout_keep_prob: float) -> tf.Tensor:
    """Returns logits of shape [batch, time, 1, 1, num_classes]."""
    net = tf.nn.avg_pool3d(
        inputs, ksize=(1,) + LOGITS_POOL + (1,), strides=(1, 1, 1, 1, 1),
        padding='VALID')
    if is_training and dropout_keep_prob < 1.0:
      net = tf.nn.dropout(net, rate=1.0 - dropout_keep_prob)
    return self.conv(net, is_training=is_training)


class InceptionI3d(snt.Module):
  """Inception-v1 I3D architecture.

  The model is introduced in:

    Quo Vadis, Action Recognition? A New Model and the Kinetics Dataset
    Joao Carreira, Andrew Zisserman
    https://arxiv.org/pdf/1705.07750v1.pdf.

  See also the Inception architecture, introduced in:

    Going deeper with convolutions
    Christian Szegedy, Wei Liu, Yangqing Jia, Pierre Sermanet, Scott Reed,
    Dragomir Anguelov, Dumitru Erhan, Vincent Vanhoucke, Andrew Rabinovich.
    http://arxiv.org/pdf/1409.4842v1.pdf.
  """

  VALID_ENDPOINTS = VALID_ENDPOINTS

  def __init__(self,
               num_classes: int = 400,
               spatial_squeeze: bool = True,
               final_endpoint: str = 'Logits',
               name: Optional[str] = 'inception_i3d',
               input_stream: Optional[str] = None):
    """Initializes the I3D model.

    Only the layers up to `final_endpoint` are created.

    Args:
      num_classes: the number of outputs of the logits layer (default 400,
        which matches the Kinetics dataset).
      spatial_squeeze: whether to squeeze the spatial dimensions of the logits
        before returning them (default True).
      final_endpoint: the model contains many possible endpoints;
        `final_endpoint` is the last one built. In addition to the output at
        `final_endpoint`, all the outputs at endpoints up to `final_endpoint`
        are returned in a dictionary. One of `VALID_ENDPOINTS`.
      name: module name (default 'inception_i3d').
      input_stream: 'rgb' or 'flow': check every input as the released
        models of that stream take them (`arrays.network_clips`: float,
        channels, values in [-1, 1]; inside a `tf.function`, a TensorFlow
        assertion), as `pretrained.load` builds them. None (the default, as
        the original): any float input. Not in the original API.

    Raises:
      ValueError: if `final_endpoint` is not one of `VALID_ENDPOINTS`,
        `num_classes` is not positive, or `input_stream` is unknown.
    """
    if input_stream not in (None, *arrays.CHANNELS):
      raise ValueError(f'input_stream must be None, {", ".join(arrays.CHANNELS)}'
                       f', got {input_stream!r}.')
    if final_endpoint not in VALID_ENDPOINTS:
      raise ValueError(f'Unknown final endpoint {final_endpoint!r}; expected '
                       f'one of {", ".join(VALID_ENDPOINTS)}.')
    if num_classes < 1:
      raise ValueError(f'num_classes must be positive, got {num_classes}.')
    super().__init__(name=name)
    self._num_classes = num_classes
    self._spatial_squeeze = spatial_squeeze
    self._final_endpoint = final_endpoint
    self._input_stream = input_stream
    self._endpoints = VALID_ENDPOINTS[:VALID_ENDPOINTS.index(final_endpoint) +
                                      1]
    self.layers: Dict[str, Callable[..., tf.Tensor]] = {}
    for endpoint in self._endpoints:
      self.layers[endpoint] = self._make_layer(endpoint)

  @property
  def final_endpoint(self) -> str:
    return self._final_endpoint

  @property
  def num_classes(self) -> int:
    return self._num_classes

  def _make_layer(self, endpoint: str) -> Callable[..., tf.Tensor]:
    """Returns the callable `(inputs, is_training)` computing `endpoint`."""
    if endpoint == 'Conv3d_1a_7x7':
      return Unit3D(64, (7, 7, 7), stride=(2, 2, 2), name=endpoint)
    if endpoint == 'Conv3d_2b_1x1':
      return Unit3D(64, (1, 1, 1), name=endpoint)
    if endpoint == 'Conv3d_2c_3x3':
      return Unit3D(192, (3, 3, 3), name=endpoint)
    if endpoint in MAX_POOLS:
      kernel, stride = MAX_POOLS[endpoint]
      pool = functools.partial(
          _max_pool, kernel=kernel, stride=stride, name=endpoint)
      return lambda inputs, is_training: pool(inputs)
    if endpoint in INCEPTION_WIDTHS:
      return InceptionBlock(INCEPTION_WIDTHS[endpoint], name=endpoint)
    if endpoint == 'Logits':
      return LogitsHead(self._num_classes, name=endpoint)
    return lambda logits, is_training: tf.nn.softmax(logits)  # Predictions.

  def __call__(self,
               inputs: tf.Tensor,
               is_training: bool,
               dropout_keep_prob: float = 1.0,
               frozen_endpoints: Collection[str] = ()
              ) -> Tuple[tf.Tensor, Dict[str, tf.Tensor]]:
    """Runs the model on a batch of clips.

    Args:
      inputs: [batch, frames, height, width, channels] float32 tensor; the
        released models take 224x224 frames with values in [-1, 1] (RGB, 3
        channels, or optical flow, 2 channels).
      is_training: use batch statistics in batch norm (and update the moving
        statistics), and apply dropout.
      dropout_keep_prob: probability of keeping each input of the logits layer
        when training, in (0, 1]. Ignored when not training (the original
        applied it in both modes; evaluation always passed 1.0).
      frozen_endpoints: endpoints whose batch norm runs in inference mode
        (moving statistics, not updated) even when training; for
        fine-tuning with frozen layers. Not in the original API.

    Returns:
      A tuple of the output at `final_endpoint` and a dictionary of the
      outputs at every endpoint up to it, by name. The logits have shape
      [batch, num_classes] ([batch, 1, 1, num_classes] without spatial
      squeeze): the per-time-step logits averaged over time.

    Raises:
      ValueError: if `dropout_keep_prob` is not in (0, 1] or the inputs are
        not 5-D or too small for the final average pool.
      ArrayError (a ValueError): with `input_stream`, inputs that do not fit
        it.
    """
    if self._input_stream:
      least = (arrays.MIN_FRAMES, arrays.MIN_SIZE) if (
          'Logits' in self._endpoints) else (1, 1)
      inputs = arrays.network_clips(inputs, self._input_stream,
                                    min_frames=least[0], min_size=least[1])
    inputs = tf.convert_to_tensor(inputs, tf.float32)
    _check_inputs(inputs, dropout_keep_prob, 'Logits' in self._endpoints)
    endpoints = {}
    net = inputs
    for endpoint in self._endpoints:
      layer = self.layers[endpoint]
      if endpoint == 'Logits':
        net = layer(net, is_training=is_training,
                    dropout_keep_prob=dropout_keep_prob)
        if self._spatial_squeeze:
          net = tf.squeeze(net, [2, 3], name='SpatialSqueeze')
        net = tf.reduce_mean(net, axis=1)
      else:
        net = layer(net, is_training=is_training and
                    endpoint not in frozen_endpoints)
      endpoints[endpoint] = net
    return net, endpoints
