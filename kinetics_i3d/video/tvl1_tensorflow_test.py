"""Tests of the TensorFlow TV-L1 port against OpenCV and numpy references."""

import cv2
import numpy as np
import tensorflow as tf

from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.video import decoding
from kinetics_i3d.video import tvl1_tensorflow as tvl1


def _numpy_centered_gradient(image):
  """OpenCV's centeredGradient, pixel by pixel."""
  rows, cols = image.shape
  dx, dy = np.zeros_like(image), np.zeros_like(image)
  for y in range(rows):
    for x in range(cols):
      left, right = image[y, max(x - 1, 0)], image[y, min(x + 1, cols - 1)]
      up, down = image[max(y - 1, 0), x], image[min(y + 1, rows - 1), x]
      dx[y, x] = 0.5 * (right - left)
      dy[y, x] = 0.5 * (down - up)
  return dx, dy


def _numpy_forward_gradient(field):
  dx, dy = np.zeros_like(field), np.zeros_like(field)
  dx[:, :-1] = field[:, 1:] - field[:, :-1]
  dy[:-1] = field[1:] - field[:-1]
  return dx, dy


def _numpy_divergence(p_x, p_y):
  div = np.zeros_like(p_x)
  for y in range(p_x.shape[0]):
    for x in range(p_x.shape[1]):
      div[y, x] = (p_x[y, x] - (p_x[y, x - 1] if x else 0) + p_y[y, x] -
                   (p_y[y - 1, x] if y else 0))
  return div


def _real_pairs(count, height=64, width=96):
  """uint8 grayscale frames of bikes.mp4 at 25 fps, a corner with motion."""
  transform = lambda f: cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)[:height, :width]
  video = decoding.decode(repo_paths.registry_video('bikes.mp4'), transform,
                          start_sec=4.8, end_sec=4.8 + (count + 1.5) / 25)
  return np.stack(video.frames[:count + 1])


def _opencv_flow(first, second):
  return cv2.optflow.DualTVL1OpticalFlow_create().calc(first, second, None)


class BuildingBlocksTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.rng = np.random.default_rng(0)
    self.image = self.rng.uniform(0, 255, (37, 53)).astype(np.float32)

  def test_pyramid_sizes_match_opencv(self):
    for shape in ((256, 341), (40, 25)):
      image, expected = np.zeros(shape, np.float32), [shape]
      for _ in range(tvl1.SCALES - 1):
        image = cv2.resize(image, None, fx=0.8, fy=0.8)
        if min(image.shape) < 16:
          break
        expected.append(image.shape)
      self.assertEqual(tvl1.pyramid_sizes(*shape), expected)
    self.assertLen(tvl1.pyramid_sizes(40, 25), 3)  # 25 -> 20 -> 16 -> 13.

  def test_resizes_match_opencv(self):
    (h, w), (h1, w1) = tvl1.pyramid_sizes(37, 53)[:2]
    down = tvl1.resize_bilinear(
        self.image[None], tvl1.linear_resize_taps(h, h1, 1.25),
        tvl1.linear_resize_taps(w, w1, 1.25))[0]
    self.assertAllClose(down, cv2.resize(self.image, None, fx=0.8, fy=0.8),
                        atol=1e-3)
    up = tvl1.resize_bilinear(
        self.image[None], tvl1.linear_resize_taps(h, 46, h / 46),
        tvl1.linear_resize_taps(w, 66, w / 66))[0]
    self.assertAllClose(up, cv2.resize(self.image, (66, 46)), atol=1e-3)

  def test_gradients_and_divergence_follow_opencv_borders(self):
    image = self.image[:6, :7]
    dx, dy = tvl1.centered_gradient(tf.constant(image[None]))
    expected = _numpy_centered_gradient(image)
    self.assertAllClose(dx[0], expected[0])
    self.assertAllClose(dy[0], expected[1])
    dx, dy = tvl1.forward_gradient(tf.constant(image[None]))
    expected = _numpy_forward_gradient(image)
    self.assertAllClose(dx[0], expected[0])
    self.assertAllClose(dy[0], expected[1])
    other = self.image[10:16, 20:27]
    div = tvl1.divergence(tf.constant(image[None]), tf.constant(other[None]))
    self.assertAllClose(div[0], _numpy_divergence(image, other), atol=1e-3)

  def test_median_matches_opencv(self):
    ties = self.rng.integers(0, 3, (9, 11)).astype(np.float32)
    for image in (self.image, ties):
      self.assertAllEqual(
          tvl1.median5x5(tf.constant(image[None]))[0],
          cv2.medianBlur(image, 5))

  def test_warp_matches_opencv_remap(self):
    # Up to 20 px of motion: many samples fall partly or wholly outside.
    flow = self.rng.normal(0, 8, (2, 37, 53)).astype(np.float32)
    grid_x, grid_y = np.meshgrid(np.arange(53, dtype=np.float32),
                                 np.arange(37, dtype=np.float32))
    expected = cv2.remap(self.image, grid_x + flow[0], grid_y + flow[1],
                         cv2.INTER_CUBIC)
    warped = tvl1.warp_bicubic(
        tf.constant(self.image[None, ..., None]), flow[None, 0], flow[None, 1])
    self.assertAllClose(warped[0, ..., 0], expected, atol=1e-3)
    self.assertGreater(np.mean(expected == 0), 0.05)  # Outside: zero.


class FlowTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.frames = _real_pairs(2)
    cls.reference = np.stack([_opencv_flow(a, b) for a, b in
                              zip(cls.frames[:-1], cls.frames[1:])])

  def test_recovers_a_known_translation(self):
    frames = synthetic_videos.moving_texture(2, 48, 64, dx=1.5, dy=-0.75)
    gray = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    flow = tvl1.tvl1_flow(gray[0][None], gray[1][None]).numpy()[0]
    inside = flow[8:-8, 8:-8].reshape(-1, 2)
    self.assertAllClose(np.median(inside, axis=0), [1.5, -0.75], atol=0.05)
    # OpenCV stops early on this easy pair; stopping where it does keeps the
    # fields within 0.01 px on average (0.02 when never stopping).
    reference = _opencv_flow(gray[0], gray[1])
    self.assertLess(np.linalg.norm(flow - reference, axis=-1).mean(), 0.01)

  def test_matches_opencv_on_real_pairs(self):
    self.assertGreater(np.linalg.norm(self.reference, axis=-1).mean(), 0.5)
    units = lambda f: np.clip(f, -20, 20) / 20
    # Without XLA here; preprocess_video_test runs the default, with XLA.
    flow = tvl1.tvl1_flow(self.frames[:-1], self.frames[1:]).numpy()
    epe = np.linalg.norm(flow - self.reference, axis=-1)
    self.assertLess(np.median(epe), 0.05)
    self.assertLess(epe.mean(), 0.6)
    self.assertLess(np.abs(units(flow) - units(self.reference)).mean(), 0.01)

  def test_each_pair_stops_on_its_own(self):
    still = self.frames[0]  # A pair that converges at once: zero flow.
    firsts = np.stack([self.frames[0], still, self.frames[1]])
    seconds = np.stack([self.frames[1], still, self.frames[2]])
    batch = tvl1.tvl1_flow(firsts, seconds).numpy()
    self.assertAllEqual(batch[1], np.zeros_like(batch[1]))
    for i in (0, 2):
      # The same arithmetic whatever the batch: equal to the last bit.
      alone = tvl1.tvl1_flow(firsts[i:i + 1], seconds[i:i + 1]).numpy()[0]
      self.assertAllEqual(batch[i], alone)
      self.assertGreater(np.abs(alone).mean(), 0.3)

  def test_rejects_mismatched_shapes(self):
    with self.assertRaisesRegex(ValueError, 'one size'):
      tvl1.tvl1_flow(self.frames[:1], self.frames[:2])


if __name__ == '__main__':
  tf.test.main()
