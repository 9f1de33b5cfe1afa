"""Fast inference: batch norm folded into the convolutions, one compiled graph.

`FoldedI3D` is an inference-only copy of a restored `InceptionI3d`: each
Unit3D's convolution and batch norm become one convolution with bias,

  w' = w * s,  b' = beta - moving_mean * s,  s = 1 / sqrt(moving_variance + eps)

(exact algebra; only float round-off changes), followed by the ReLU. It runs
in float32 or bfloat16 (weights folded in float32, then cast; logits and
features come back as float32). The training model keeps its variables.

`Predictor` runs one or both streams in a single `tf.function` traced once
for inputs of any batch size, length and frame size: the signature leaves
those dimensions unknown, so a new length needs no new trace (oneDNN caches
its kernels per shape). For `joint` both streams are in the same graph, so
TensorFlow's executor can run them concurrently, or, for long windows, one
after the other to halve the peak memory.
"""

from typing import (Any, Callable, Dict, Iterable, Iterator, List, Mapping,
                    Optional, Tuple)

import numpy as np
import tensorflow as tf

from kinetics_i3d import arrays
from kinetics_i3d.models import hardware
from kinetics_i3d.models import i3d
from kinetics_i3d.models import precision as precision_lib
from kinetics_i3d.models import space_to_depth

PRECISIONS = {'float32': tf.float32, 'bfloat16': tf.bfloat16,
              'float16': tf.float16}


class _FoldedUnit(tf.Module):
  """A convolution with bias, then optionally a ReLU.

  With `blocked`, a convolution of spatial stride 2 runs as its equal over
  2x2 pixel blocks (`space_to_depth`): its kernel is kept in that form.
  """

  def __init__(self, w: np.ndarray, b: np.ndarray, stride: Tuple[int, ...],
               relu: bool, dtype: tf.DType, blocked: bool = False):
    super().__init__()
    self.kernel_size = w.shape[:3]
    self.blocked = blocked
    if blocked:
      w = space_to_depth.kernel(w)
    self.w = tf.Variable(tf.cast(w, dtype), trainable=False)
    self.b = tf.Variable(tf.cast(b, dtype), trainable=False)
    self.stride = tuple(stride)
    self.relu = relu


def _fold_unit(unit: i3d.Unit3D, dtype: tf.DType,
               blocked: bool = False) -> _FoldedUnit:
  """One convolution with bias equal to `unit`'s conv + batch norm."""
  w = unit.conv_3d.w.numpy().astype(np.float64)
  if unit.batch_norm is not None:
    norm = unit.batch_norm
    scale = 1.0 / np.sqrt(norm.moving_variance.numpy().astype(np.float64) +
                          norm.eps)
    w = w * scale
    b = norm.beta.numpy() - norm.moving_mean.numpy() * scale
  elif unit.conv_3d.with_bias:
    b = unit.conv_3d.b.numpy()
  else:
    b = np.zeros(w.shape[-1])
  return _FoldedUnit(w.astype(np.float32), np.asarray(b, np.float32),
                     unit.conv_3d.stride, unit.activation_fn is not None, dtype,
                     blocked)


class FoldedI3D(tf.Module):
  """Inference-only I3D with batch norm folded into the convolutions."""

  def __init__(self, model: i3d.InceptionI3d, precision: str = 'float32',
               name: Optional[str] = None,
               blocked_first_conv: Optional[bool] = None):
    """Folds a restored model.

    Args:
      model: an `InceptionI3d` built up to 'Logits' or 'Predictions', with
        its weights.
      precision: 'float32', 'bfloat16' or 'float16'.
      name: module name.
      blocked_first_conv: run the first convolution through
        `space_to_depth` (the same sums in another order); None: in bfloat16
        on AMX only, where it is faster (elsewhere it is slower).

    Raises:
      ValueError: unknown precision, or the model stops before the logits.
    """
    super().__init__(name=name)
    if precision not in PRECISIONS:
      raise ValueError(f'precision must be one of {", ".join(PRECISIONS)}, '
                       f'got {precision!r}')
    if 'Logits' not in model.layers:
      raise ValueError('the model must be built up to its logits')
    self.dtype = PRECISIONS[precision]
    self.num_classes = model.num_classes
    self.num_channels = int(model.layers['Conv3d_1a_7x7'].conv_3d.w.shape[3])
    if blocked_first_conv is None:
      blocked_first_conv = (self.dtype == tf.bfloat16 and
                            hardware.amx_in_use())
    self._stages: List[Tuple[str, object]] = []
    for endpoint, layer in model.layers.items():
      if isinstance(layer, i3d.Unit3D):
        blocked = blocked_first_conv and not self._stages
        self._stages.append(('unit', _fold_unit(layer, self.dtype, blocked)))
      elif isinstance(layer, i3d.InceptionBlock):
        self._stages.append(('block', [
            (branch.pool_first, [_fold_unit(u, self.dtype)
                                 for u in branch.units])
            for branch in layer.branches
        ]))
      elif endpoint in i3d.MAX_POOLS:
        self._stages.append(('pool', i3d.MAX_POOLS[endpoint]))
      elif endpoint == 'Logits':
        self._logits = _fold_unit(layer.conv, self.dtype)

  @staticmethod
  def _unit(x: tf.Tensor, unit: _FoldedUnit) -> tf.Tensor:
    if unit.blocked:
      y = space_to_depth.conv3d(x, unit.w, unit.kernel_size, unit.stride[0])
    else:
      y = tf.nn.conv3d(x, unit.w, (1,) + unit.stride + (1,), 'SAME')
    y = tf.nn.bias_add(y, unit.b)
    return tf.nn.relu(y) if unit.relu else y

  @staticmethod
  def _pool(x: tf.Tensor, kernel, stride) -> tf.Tensor:
    return tf.nn.max_pool3d(x, (1,) + tuple(kernel) + (1,),
                            (1,) + tuple(stride) + (1,), 'SAME')

  def __call__(self, inputs: tf.Tensor) -> Dict[str, tf.Tensor]:
    """Runs the network.

    Args:
      inputs: float32 [batch, frames, height, width, channels].

    Returns:
      'logits': float32 [batch, num_classes], averaged over time as the
        original; 'features': float32 [batch, time, 1024], Mixed_5c averaged
        over space (time is ceil(frames / 8)).
    """
    net = tf.cast(inputs, self.dtype)
    for kind, stage in self._stages:
      if kind == 'unit':
        net = self._unit(net, stage)
      elif kind == 'pool':
        net = self._pool(net, *stage)
      else:
        outputs = []
        for pool_first, units in stage:
          branch = self._pool(net, (3, 3, 3), (1, 1, 1)) if pool_first else net
          for unit in units:
            branch = self._unit(branch, unit)
          outputs.append(branch)
        net = tf.concat(outputs, axis=4)
    features = tf.reduce_mean(tf.cast(net, tf.float32), axis=[2, 3])
    pooled = tf.nn.avg_pool3d(net, (1,) + i3d.LOGITS_POOL + (1,),
                              (1, 1, 1, 1, 1), 'VALID')
    logits = self._unit(pooled, self._logits)
    logits = tf.reduce_mean(tf.cast(logits, tf.float32), axis=[1, 2, 3])
    return {'logits': logits, 'features': features}


class Predictor(tf.Module):
  """Compiled inference over one or both streams of I3D.

  `predictor(inputs)` takes {'rgb': [B, T, H, W, 3], 'flow': [B, T, H, W, 2]}
  (the streams it was built with) and returns the summed logits and each
  stream's features.
  """

  def __init__(self, models: Mapping[str, i3d.InceptionI3d],
               precision: str = 'float32', concurrent_streams: bool = True,
               follow_hardware: bool = True):
    """Folds the models.

    Args:
      models: restored models by stream name ('rgb', 'flow').
      precision: one of `precision.PRECISIONS`: bfloat16 runs only where
        the device has bfloat16 arithmetic and it measured faster than
        float32 (`precision.choose`); elsewhere float32 runs, with a warning
        line saying why. 'auto' picks the fastest measured. `self.precision`
        is the arithmetic used.
      concurrent_streams: let TensorFlow run the streams at the same time
        (about 7% faster for joint on two cores), or one after the other, so
        that peak memory is one stream's rather than the sum (for long
        windows).
      follow_hardware: False builds the precision asked for whatever this
        machine does (a SavedModel exported for another machine).
    """
    super().__init__(name='predictor')
    self.streams = tuple(models)
    self.precision = (precision_lib.choose(precision) if follow_hardware
                      else precision)
    self.concurrent_streams = concurrent_streams
    self.networks = {
        s: FoldedI3D(m, self.precision) for s, m in models.items()
    }
    spec = {
        s: tf.TensorSpec([None, None, None, None, n.num_channels], tf.float32)
        for s, n in self.networks.items()
    }
    # No control flow on tensors to convert: AutoGraph's conversion cost a
    # command about 0.8 s at its first call.
    self.run = tf.function(self._run, input_signature=[spec], autograph=False)

  def _run(self, inputs: Dict[str, tf.Tensor]) -> Dict[str, tf.Tensor]:
    outputs = {}
    for stream in self.streams:
      after = [] if self.concurrent_streams else [
          o['logits'] for o in outputs.values()]
      with tf.control_dependencies(after):
        outputs[stream] = self.networks[stream](tf.identity(inputs[stream]))
    result = {'logits': tf.add_n([o['logits'] for o in outputs.values()])}
    for stream, output in outputs.items():
      result[f'{stream}_features'] = output['features']
    return result

  def __call__(self, inputs: Mapping[str, arrays.ArrayLike],
               layout: str = 'NTHWC') -> Dict[str, np.ndarray]:
    """Runs the streams.

    Args:
      inputs: float [batch, frames, H, W, channels] clips in [-1, 1] by
        stream (`arrays.network_clips`).
      layout: their layout, one of `arrays.LAYOUTS`.

    Returns:
      'logits' [batch, classes] (summed over the streams) and each stream's
      '<stream>_features' [batch, time, 1024].

    Raises:
      ArrayError: clips that do not fit (`arrays.network_inputs`).
    """
    clips = arrays.network_inputs(inputs, self.streams, layout)
    outputs = self.run({s: tf.convert_to_tensor(c) for s, c in clips.items()})
    return {k: v.numpy() for k, v in outputs.items()}


def predict_windows(
    predictor: Predictor,
    windows: Iterable[Any],
    batch_size: int = 1,
    views: Optional[Callable[[np.ndarray, str], np.ndarray]] = None
) -> Iterator[Tuple[Any, Dict[str, np.ndarray]]]:
  """Runs the predictor on windows, a few at a time, as they arrive.

  Args:
    predictor: runs the streams.
    windows: objects with `inputs`, [1, frames, H, W, C] clips by stream
      (`video.windows.Window`); consecutive windows of one length run in
      batches.
    batch_size: windows run together at most.
    views: maps a window's clip of a stream (and the stream's name) to the
      [views, frames, h, w, C] clips the network sees, e.g. crops; a window's
      outputs are averaged over its views. None: the clip itself.

  Yields:
    (window, outputs) in the order of the windows; outputs holds 'logits'
    [num_classes] (summed over the streams) and 'features' (each stream's
    Mixed_5c averaged over space and time, concatenated in the order of
    `predictor.streams`).
  """
  batch = []

  def run():
    clips = {s: [views(w.inputs[s], s) if views else w.inputs[s]
                 for w in batch] for s in predictor.streams}
    count = len(clips[predictor.streams[0]][0])
    outputs = predictor({s: np.concatenate(c) if len(c) > 1 else c[0]
                         for s, c in clips.items()})

    def per_window(values: np.ndarray) -> np.ndarray:
      return values.reshape((len(batch), count) + values.shape[1:]).mean(1)

    logits = per_window(outputs['logits'])
    features = np.concatenate(
        [per_window(outputs[f'{s}_features'].mean(axis=1))
         for s in predictor.streams], axis=1)
    for i, window in enumerate(batch):
      yield window, {'logits': logits[i], 'features': features[i]}

  for window in windows:
    length = window.inputs[predictor.streams[0]].shape[1]
    if batch and (len(batch) == batch_size or
                  batch[0].inputs[predictor.streams[0]].shape[1] != length):
      yield from run()
      batch = []
    batch.append(window)
  if batch:
    yield from run()
