"""A spatially strided convolution over few channels, as space-to-depth.

I3D's first convolution (7x7x7, stride 2, over 3 RGB or 2 flow channels)
holds bfloat16 down on AMX: a tile multiplies 32 pairs of input channels at
a time, so 3 channels use a tenth of it (oneDNN's verbose log of an RGB clip
at 64 frames x 8 showed that one layer taking most of the time).
Rearranging each 2x2 block of pixels into channels
(`tf.nn.space_to_depth`) turns it into an equal convolution of stride 1 in
height and width over 4x the channels with a kernel of half the size
(ceil(k / 2)); the kernel taps beyond k are zeros, so the sums are the same
products in another order. It costs (2 ceil(k/2) / k)^2 the FLOPs (1.31x for
k = 7), which only AMX's idle tile rows repay: without AMX (AVX512_BF16 on
AMD Zen 4) the whole RGB network ran 3% to 5% slower in bfloat16 with it,
so `inference.FoldedI3D` uses it in bfloat16 on AMX only
(`hardware.amx_in_use`).

Time keeps its stride and kernel; 'SAME' padding is made explicit, as
TensorFlow pads (the extra row or column at the end, where it pads an odd
number).
"""

from typing import Sequence, Tuple

import numpy as np
import tensorflow as tf

_BLOCK = 2


def kernel(w: np.ndarray) -> np.ndarray:
  """A [kt, kh, kw, c, o] kernel for the space-to-depth input.

  Args:
    w: the convolution's kernel, [kt, kh, kw, c, o].

  Returns:
    [kt, ceil(kh / 2), ceil(kw / 2), 4 c, o]: taps (2 i + r, 2 j + s) of
    channel c move to (i, j) and channel (2 r + s) c + c, in the order of
    `tf.nn.space_to_depth`; taps past the kernel are zeros.
  """
  kt, kh, kw, c, o = w.shape
  bh, bw = -(-kh // _BLOCK), -(-kw // _BLOCK)
  w = np.pad(w, [(0, 0), (0, _BLOCK * bh - kh), (0, _BLOCK * bw - kw),
                 (0, 0), (0, 0)])
  w = w.reshape(kt, bh, _BLOCK, bw, _BLOCK, c, o)
  return w.transpose(0, 1, 3, 2, 4, 5, 6).reshape(kt, bh, bw,
                                                  _BLOCK * _BLOCK * c, o)


def _same_padding(size: tf.Tensor, k: int, stride: int,
                  padded_multiple_of: int = 1) -> Tuple[tf.Tensor, ...]:
  """(before, after, outputs) of TensorFlow's 'SAME' padding of one axis,
  `after` grown so the padded length is the one the blocked kernel reads."""
  out = (size + stride - 1) // stride
  total = tf.maximum((out - 1) * stride + k - size, 0)
  before = total // 2
  if padded_multiple_of == 1:
    return before, total - before, out
  blocks = out + (k + padded_multiple_of - 1) // padded_multiple_of - 1
  return before, padded_multiple_of * blocks - size - before, out


def conv3d(x: tf.Tensor, blocked_kernel: tf.Tensor, kernel_size: Sequence[int],
           temporal_stride: int) -> tf.Tensor:
  """`tf.nn.conv3d(x, w, (1, t, 2, 2, 1), 'SAME')` through space-to-depth.

  Args:
    x: [batch, frames, height, width, c].
    blocked_kernel: `kernel(w)`.
    kernel_size: (kt, kh, kw) of w.
    temporal_stride: t.

  Returns:
    [batch, ceil(frames / t), ceil(height / 2), ceil(width / 2), o].
  """
  kt, kh, kw = kernel_size
  shape = tf.shape(x)
  t0, t1, _ = _same_padding(shape[1], kt, temporal_stride)
  h0, h1, height = _same_padding(shape[2], kh, _BLOCK, _BLOCK)
  w0, w1, width = _same_padding(shape[3], kw, _BLOCK, _BLOCK)
  x = tf.pad(x, [[0, 0], [t0, t1], [h0, h1], [w0, w1], [0, 0]])
  padded = tf.shape(x)
  frames = padded[0] * padded[1]
  x = tf.nn.space_to_depth(
      tf.reshape(x, [frames, padded[2], padded[3], x.shape[4]]), _BLOCK)
  bh, bw = blocked_kernel.shape[1], blocked_kernel.shape[2]
  x = tf.reshape(x, [padded[0], padded[1], height + bh - 1, width + bw - 1,
                     x.shape[3]])
  return tf.nn.conv3d(x, blocked_kernel, (1, temporal_stride, 1, 1, 1),
                      'VALID')
