"""TV-L1 optical flow as batched TensorFlow ops, a port of OpenCV's.

`tvl1_flow(first, second)` computes the flow of a batch of grayscale pairs
the way OpenCV's CPU `cv2.optflow.DualTVL1OpticalFlow` computes one pair with
its default parameters (tau 0.25, lambda 0.15, theta 0.3, 5 scales, 5 warps,
epsilon 0.01, 30 inner and 10 outer iterations, scale step 0.8, gamma 0, 5x5
median filtering):

- a pyramid of bilinear 0.8x resizes with OpenCV's rounded sizes and pixel
  mapping, stopping before a level under 16 pixels; flow starts at zero on the
  coarsest level and is resized bilinearly and divided by 0.8 going finer;
- per level: the centred gradient of the second image (one-sided half
  differences on the border), the dual variables reset to zero, then 5 warps
  of the second image and its gradient by bicubic interpolation (Keys, A =
  -0.75, sub-pixel positions rounded to 1/32 as `cv::remap` does, zero outside
  the image);
- per warp up to 10 outer iterations (a 5x5 median of the flow, replicated
  borders) of up to 30 inner ones (thresholding, backward-difference
  divergence, flow update, forward-difference dual update), ending when the
  summed squared flow update falls to epsilon^2 per pixel.

Each pair stops on its own: a pair whose update has converged keeps its flow
while its batch mates iterate on; and every operation is elementwise or
reduces within one pair (the pyramid's resizes too, which a matrix product
would make depend on the batch size through its kernel), so a pair's flow is
the same to the last bit whatever the batch it is in. Differences from OpenCV
remain at the level of float32 rounding: the convergence sum is a tree
reduction (OpenCV adds the pixels in order), and products may be fused
differently.

Each pyramid level runs under one `tf.function`, traced once for every size,
on the GPU when TensorFlow sees one; `jit_compile=True` compiles it with XLA
(once per shape).
"""

import functools
from typing import Any, List, NamedTuple, Tuple

import numpy as np
import tensorflow as tf

TAU = 0.25
LAMBDA = 0.15
THETA = 0.3
SCALES = 5
WARPS = 5
EPSILON = 0.01
INNER_ITERATIONS = 30
OUTER_ITERATIONS = 10
SCALE_STEP = 0.8
MIN_LEVEL_SIZE = 16
# cv::remap's sub-pixel grid (INTER_BITS = 5).
_REMAP_STEPS = 32
# Keys' cubic convolution parameter in OpenCV's INTER_CUBIC.
_CUBIC_A = -0.75


def pyramid_sizes(height: int, width: int) -> List[Tuple[int, int]]:
  """(height, width) of each pyramid level, finest first, as OpenCV sizes it.

  Args:
    height: rows of the input frames.
    width: columns of the input frames.

  Returns:
    Up to `SCALES` sizes; a level that would be under 16 pixels on a side
    ends the pyramid.
  """
  sizes = [(height, width)]
  for _ in range(1, SCALES):
    h, w = sizes[-1]
    # cv::resize with dsize empty: saturate_cast<int>(size * fx) rounds.
    h, w = int(round(h * SCALE_STEP)), int(round(w * SCALE_STEP))
    if h < MIN_LEVEL_SIZE or w < MIN_LEVEL_SIZE:
      break
    sizes.append((h, w))
  return sizes


class LinearTaps(NamedTuple):
  """`cv::resize`'s bilinear interpolation along one axis, as two taps.

  Output i = weight_left[i] * input[left[i]] + weight_right[i] *
  input[right[i]].
  """
  left: np.ndarray
  right: np.ndarray
  weight_left: np.ndarray
  weight_right: np.ndarray


@functools.lru_cache(maxsize=None)  # The same few sizes for every batch.
def linear_resize_taps(source: int, target: int, scale: float) -> LinearTaps:
  """The two input pixels and weights of each output pixel of `cv::resize`.

  Args:
    source: input length.
    target: output length.
    scale: source pixels per target pixel; OpenCV uses 1 / fx when the
      output size is derived from fx, else source / target.

  Returns:
    int32 indices and float32 weights, [target] each, read-only. Positions
    outside the input take the nearest edge pixel (the right weight 0).
  """
  left = np.zeros(target, np.int32)
  weight = np.zeros(target, np.float32)  # Of the right neighbour.
  for i in range(target):
    position = np.float32((i + 0.5) * scale - 0.5)
    left[i] = int(np.floor(position))
    weight[i] = np.float32(position - left[i])
    if left[i] < 0:
      left[i], weight[i] = 0, 0
    if left[i] >= source - 1:
      left[i], weight[i] = source - 1, 0
  right = np.minimum(left + 1, source - 1)
  taps = LinearTaps(left, right, np.float32(1) - weight, weight)
  for array in taps:
    array.flags.writeable = False  # Shared by every caller.
  return taps


def _interpolate(images: tf.Tensor, taps: LinearTaps,
                 axis: int) -> tf.Tensor:
  """The two-tap sum along `axis`, rounded once to float32.

  The products of float32 numbers and their sum are exact in float64, so
  each output is the exact sum rounded to float32 (twice, through float64):
  the same on every machine, whatever the batch.
  """
  shape = [1] * len(images.shape)
  shape[axis] = -1
  weight_left = tf.reshape(tf.constant(taps.weight_left, tf.float64), shape)
  weight_right = tf.reshape(tf.constant(taps.weight_right, tf.float64), shape)
  images = tf.cast(images, tf.float64)
  return tf.cast(tf.gather(images, taps.left, axis=axis) * weight_left +
                 tf.gather(images, taps.right, axis=axis) * weight_right,
                 tf.float32)


def resize_bilinear(images: tf.Tensor, height_taps: LinearTaps,
                    width_taps: LinearTaps) -> tf.Tensor:
  """Resizes [B, H, W, ...] with taps from `linear_resize_taps`.

  Elementwise, rather than a product with the resize matrix: a matrix
  product's kernel, and so its rounding, changes with the batch size (and the
  machine), which made a pair's flow depend on its batch mates.
  """
  return _interpolate(_interpolate(images, width_taps, 2), height_taps, 1)


def centered_gradient(images: tf.Tensor) -> Tuple[tf.Tensor, tf.Tensor]:
  """Half the centred differences along axes 2 (x) and 1 (y) of [B, H, W, ...].

  On the border rows and columns the missing neighbour is the pixel itself,
  so there the difference is one-sided (still halved), as in OpenCV.
  """
  padded_x = tf.concat([images[:, :, :1], images, images[:, :, -1:]], axis=2)
  padded_y = tf.concat([images[:, :1], images, images[:, -1:]], axis=1)
  dx = 0.5 * (padded_x[:, :, 2:] - padded_x[:, :, :-2])
  dy = 0.5 * (padded_y[:, 2:] - padded_y[:, :-2])
  return dx, dy


def forward_gradient(field: tf.Tensor) -> Tuple[tf.Tensor, tf.Tensor]:
  """Forward differences along x and y of [B, H, W, ...], 0 on the last."""
  dx = tf.concat([field[:, :, 1:] - field[:, :, :-1],
                  tf.zeros_like(field[:, :, :1])], axis=2)
  dy = tf.concat([field[:, 1:] - field[:, :-1],
                  tf.zeros_like(field[:, :1])], axis=1)
  return dx, dy


def divergence(p_x: tf.Tensor, p_y: tf.Tensor) -> tf.Tensor:
  """Backward-difference divergence; the neighbour before the first is 0."""
  previous_x = tf.concat([tf.zeros_like(p_x[:, :, :1]), p_x[:, :, :-1]],
                         axis=2)
  previous_y = tf.concat([tf.zeros_like(p_y[:, :1]), p_y[:, :-1]], axis=1)
  return (p_x - previous_x) + (p_y - previous_y)


def _batcher_pairs(n: int) -> List[Tuple[int, int]]:
  """Comparators of Batcher's odd-even merge sort of n values, in order."""
  pairs = []
  block = 1
  while block < n:
    step = block
    while step >= 1:
      for j in range(step % block, n - step, 2 * step):
        for i in range(min(step, n - j - step)):
          if (i + j) // (block * 2) == (i + j + step) // (block * 2):
            pairs.append((i + j, i + j + step))
      step //= 2
    block *= 2
  return pairs


@functools.lru_cache(maxsize=None)
def selection_network(n: int,
                      rank: int) -> List[Tuple[int, int, bool, bool]]:
  """A min/max network that puts the rank-th smallest of n values at `rank`.

  Batcher's sorting network with the comparators that cannot reach position
  `rank` removed, and of the others only the halves (min to the lower index,
  max to the higher) that are read later.

  Args:
    n: number of values.
    rank: position of the wanted order statistic.

  Returns:
    (low, high, keep_min, keep_max) comparators, in order.
  """
  needed, network = {rank}, []
  for low, high in reversed(_batcher_pairs(n)):
    if low in needed or high in needed:
      network.append((low, high, low in needed, high in needed))
      needed |= {low, high}
  return network[::-1]


def median5x5(field: tf.Tensor) -> tf.Tensor:
  """5x5 median over axes 1, 2 of [B, H, W, ...], replicated borders.

  As cv::medianBlur with ksize 5, by a selection network of elementwise
  minima and maxima (which XLA fuses into one loop).
  """
  rows = tf.concat([field[:, :1], field[:, :1], field, field[:, -1:],
                    field[:, -1:]], axis=1)
  padded = tf.concat([rows[:, :, :1], rows[:, :, :1], rows, rows[:, :, -1:],
                      rows[:, :, -1:]], axis=2)
  height, width = tf.shape(field)[1], tf.shape(field)[2]
  values = [padded[:, dy:dy + height, dx:dx + width]
            for dy in range(5) for dx in range(5)]
  for low, high, keep_min, keep_max in selection_network(25, 12):
    smaller = tf.minimum(values[low], values[high]) if keep_min else None
    if keep_max:
      values[high] = tf.maximum(values[low], values[high])
    if keep_min:
      values[low] = smaller
  return values[12]


def _cubic_weights() -> np.ndarray:
  """[32, 4] float32 Keys weights for each 1/32 sub-pixel offset."""
  a = np.float32(_CUBIC_A)
  one = np.float32(1)
  table = np.zeros((_REMAP_STEPS, 4), np.float32)
  for step in range(_REMAP_STEPS):
    x = np.float32(step) * np.float32(1.0 / _REMAP_STEPS)
    w0 = ((a * (x + one) - 5 * a) * (x + one) + 8 * a) * (x + one) - 4 * a
    w1 = ((a + 2) * x - (a + 3)) * x * x + one
    w2 = ((a + 2) * (one - x) - (a + 3)) * (one - x) * (one - x) + one
    table[step] = [w0, w1, w2, one - w0 - w1 - w2]
  return table


def warp_bicubic(images: tf.Tensor, flow_x: tf.Tensor,
                 flow_y: tf.Tensor) -> tf.Tensor:
  """Samples [B, H, W, C] images at (x + flow_x, y + flow_y), as cv::remap.

  Bicubic (A = -0.75) on positions rounded to 1/32 pixel, with zero for
  neighbours outside the image.

  Args:
    images: [B, H, W, C] float32.
    flow_x: [B, H, W] displacement along columns.
    flow_y: [B, H, W] displacement along rows.

  Returns:
    [B, H, W, C] float32.
  """
  shape = tf.shape(images)
  height, width, channels = shape[1], shape[2], shape[3]
  limit = float(1 << 20)  # Far outside any image; avoids int32 overflow.
  grid_y, grid_x = tf.meshgrid(
      tf.range(height, dtype=tf.float32), tf.range(width, dtype=tf.float32),
      indexing='ij')
  map_x = tf.clip_by_value(grid_x + flow_x, -limit, limit)
  map_y = tf.clip_by_value(grid_y + flow_y, -limit, limit)
  # cvRound (half to even), then the integer part and the 1/32 step.
  steps_x = tf.cast(tf.round(map_x * _REMAP_STEPS), tf.int32)
  steps_y = tf.cast(tf.round(map_y * _REMAP_STEPS), tf.int32)
  table = tf.constant(_cubic_weights())
  weights_x = tf.gather(table, tf.math.floormod(steps_x, _REMAP_STEPS))
  weights_y = tf.gather(table, tf.math.floormod(steps_y, _REMAP_STEPS))
  left = tf.math.floordiv(steps_x, _REMAP_STEPS) - 1
  top = tf.math.floordiv(steps_y, _REMAP_STEPS) - 1
  flat = tf.reshape(images, [-1, height * width, channels])
  result = tf.zeros_like(images)
  for i in range(4):
    row = top + i
    row_inside = (row >= 0) & (row < height)
    for j in range(4):
      column = left + j
      inside = row_inside & (column >= 0) & (column < width)
      index = (tf.clip_by_value(row, 0, height - 1) * width +
               tf.clip_by_value(column, 0, width - 1))
      values = tf.gather(flat, tf.reshape(index, [-1, height * width]),
                         batch_dims=1)
      weight = weights_y[..., i] * weights_x[..., j]
      weight = tf.where(inside, weight, tf.zeros_like(weight))
      result += tf.reshape(values, shape) * weight[..., None]
  return result


def _warp_iterations(first, warped, flow, duals, threshold):
  """One warp: up to 10 outer x 30 inner iterations, each pair on its own.

  Args:
    first: [B, h, w] first images.
    warped: [B, h, w, 3] second image and its x, y gradients, warped.
    flow: [B, h, w, 2] the flow (u1, u2) the warp used.
    duals: the dual variables along x, (p11, p21), and along y, (p12, p22),
      each [B, h, w, 2].
    threshold: the squared-update sum under which a pair has converged.

  Returns:
    The new flow and duals.
  """
  image_w, gradient = warped[..., 0], warped[..., 1:]
  grad = tf.reduce_sum(tf.square(gradient), axis=-1)
  rho_c = image_w - tf.reduce_sum(gradient * flow, axis=-1) - first
  l_t = np.float32(LAMBDA * THETA)
  taut = np.float32(TAU / THETA)
  theta = np.float32(THETA)
  eps = np.float32(np.finfo(np.float32).eps)
  bound = l_t * grad
  safe_grad = tf.where(grad > eps, grad, tf.ones_like(grad))
  steep = tf.cast(grad > eps, tf.float32)  # No step where it is flat.

  def inner_step(u, p_x, p_y):
    rho = rho_c + tf.reduce_sum(gradient * u, axis=-1)
    factor = tf.where(rho < -bound, l_t,
                      tf.where(rho > bound, -l_t, -rho / safe_grad * steep))
    new_u = u + factor[..., None] * gradient + theta * divergence(p_x, p_y)
    error = tf.reduce_sum(tf.square(new_u - u), axis=[1, 2, 3])
    u_x, u_y = forward_gradient(new_u)
    norm = 1.0 + taut * tf.sqrt(u_x * u_x + u_y * u_y)
    return (new_u, (p_x + taut * u_x) / norm, (p_y + taut * u_y) / norm,
            error)

  def select(running, new, old):
    return tf.cond(
        tf.reduce_all(running), lambda: list(new),
        lambda: [tf.where(running[:, None, None, None], n, o)
                 for n, o in zip(new, old)])

  def inner_condition(step, running, *state):
    del state
    return (step < INNER_ITERATIONS) & tf.reduce_any(running)

  def inner_body(step, running, *state):
    *new_state, error = inner_step(*state)
    state = select(running, new_state, state)
    return [step + 1, running & (error > threshold)] + state

  def outer_condition(step, running, *state):
    del state
    return (step < OUTER_ITERATIONS) & tf.reduce_any(running)

  def outer_body(step, running, u, p_x, p_y):
    u = select(running, [median5x5(u)], [u])[0]
    _, running, *state = tf.while_loop(inner_condition, inner_body,
                                       [0, running, u, p_x, p_y])
    return [step + 1, running] + state

  running = tf.fill([tf.shape(first)[0]], True)
  _, _, flow, *duals = tf.while_loop(outer_condition, outer_body,
                                     [0, running, flow, *duals])
  return flow, duals


def _one_scale(first: tf.Tensor, second: tf.Tensor,
               flow: tf.Tensor) -> tf.Tensor:
  """OpenCV's procOneScale on a batch: 5 warps from the given flow."""
  shape = tf.shape(first)
  threshold = np.float32(EPSILON * EPSILON) * tf.cast(shape[1] * shape[2],
                                                       tf.float32)
  second_x, second_y = centered_gradient(second)
  target = tf.stack([second, second_x, second_y], axis=-1)

  def warp(step, flow, *duals):
    warped = warp_bicubic(target, flow[..., 0], flow[..., 1])
    flow, duals = _warp_iterations(first, warped, flow, duals, threshold)
    return [step + 1, flow, *duals]

  duals = [tf.zeros_like(flow), tf.zeros_like(flow)]
  _, flow, *_ = tf.while_loop(lambda step, *_: step < WARPS, warp,
                              [0, flow, *duals])
  return flow


_SCALE_SIGNATURE = [tf.TensorSpec([None, None, None], tf.float32)] * 2 + [
    tf.TensorSpec([None, None, None, 2], tf.float32)]


@functools.lru_cache(maxsize=None)
def _compiled_scale(jit_compile: bool):
  """`_one_scale` traced once for every level and frame size."""
  return tf.function(_one_scale, input_signature=_SCALE_SIGNATURE,
                     jit_compile=jit_compile)


def tvl1_flow(first: Any, second: Any,
              jit_compile: bool = False) -> tf.Tensor:
  """TV-L1 flow from each first image to its second, as OpenCV computes it.

  Args:
    first: [B, H, W] grayscale images, uint8 or float in [0, 255].
    second: [B, H, W] of the same size.
    jit_compile: compile each level's iterations with XLA.

  Returns:
    float32 [B, H, W, 2] displacements in pixels (x, then y).

  Raises:
    ValueError: for shapes that are not two equal [B, H, W] with H, W >= 3.
  """
  first = tf.cast(first, tf.float32)
  second = tf.cast(second, tf.float32)
  if (first.shape.rank != 3 or first.shape != second.shape or
      min(first.shape[1:]) < 3):
    raise ValueError('TV-L1 needs two [batch, height, width] stacks of one '
                     f'size (3 pixels or more), got {first.shape} and '
                     f'{second.shape}')
  one_scale = _compiled_scale(jit_compile)
  sizes = pyramid_sizes(first.shape[1], first.shape[2])
  firsts, seconds = [first], [second]
  for (h0, w0), (h1, w1) in zip(sizes[:-1], sizes[1:]):
    down_h = linear_resize_taps(h0, h1, 1 / SCALE_STEP)
    down_w = linear_resize_taps(w0, w1, 1 / SCALE_STEP)
    firsts.append(resize_bilinear(firsts[-1], down_h, down_w))
    seconds.append(resize_bilinear(seconds[-1], down_h, down_w))
  flow = tf.zeros(tf.concat([tf.shape(firsts[-1]), [2]], 0))
  for level in range(len(sizes) - 1, -1, -1):
    flow = one_scale(firsts[level], seconds[level], flow)
    if level:
      (h0, w0), (h1, w1) = sizes[level], sizes[level - 1]
      up_h = linear_resize_taps(h0, h1, h0 / h1)
      up_w = linear_resize_taps(w0, w1, w0 / w1)
      flow = resize_bilinear(flow, up_h, up_w) * np.float32(1 / SCALE_STEP)
  return flow
