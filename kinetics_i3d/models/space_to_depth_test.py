"""Tests of the space-to-depth form of a strided convolution."""

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from kinetics_i3d.models import space_to_depth


class SpaceToDepthTest(parameterized.TestCase):

  @parameterized.parameters(
      # (frames, height, width, channels, kernel, temporal stride)
      (8, 16, 16, 3, (7, 7, 7), 2),  # I3D's first layer, even sizes.
      (5, 9, 11, 2, (7, 7, 7), 2),  # Odd sizes: SAME pads 3 + 3 or 2 + 3.
      (4, 1, 2, 3, (3, 7, 7), 1),  # Smaller than the kernel.
      (3, 6, 7, 1, (1, 4, 3), 1),  # Even and small kernels.
  )
  def test_equals_tensorflows_same_convolution(self, frames, height, width,
                                               channels, kernel, stride):
    # float64: both orders of the same products agree to ~1e-15 relative.
    rng = np.random.default_rng(frames * height + width)
    x = rng.normal(size=(2, frames, height, width, channels))
    w = rng.normal(size=kernel + (channels, 5))
    expected = tf.nn.conv3d(x, w, (1, stride, 2, 2, 1), 'SAME').numpy()
    actual = space_to_depth.conv3d(
        tf.constant(x), tf.constant(space_to_depth.kernel(w)), kernel,
        stride).numpy()
    self.assertEqual(actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-11)
    # Guard: a kernel flipped in width gives another result.
    flipped = tf.nn.conv3d(x, w[:, :, ::-1], (1, stride, 2, 2, 1),
                           'SAME').numpy()
    self.assertGreater(np.abs(flipped - expected).max(), 1e-3)

  def test_kernel_moves_each_tap_to_its_block_and_channel(self):
    w = np.arange(1 * 3 * 3 * 2 * 1, dtype=np.float64).reshape(1, 3, 3, 2, 1)
    blocked = space_to_depth.kernel(w)
    self.assertEqual(blocked.shape, (1, 2, 2, 8, 1))
    # Tap (h, w) = (2 i + r, 2 j + s) of channel c is at (i, j, (2 r + s) 2 + c).
    self.assertEqual(blocked[0, 1, 0, (2 * 0 + 1) * 2 + 1, 0], w[0, 2, 1, 1, 0])
    self.assertEqual(blocked[0, 0, 1, (2 * 1 + 0) * 2 + 0, 0], w[0, 1, 2, 0, 0])
    # Taps past the 3x3 kernel are zeros: 9 of 16 positions per channel.
    self.assertEqual(np.count_nonzero(blocked), 9 * 2 - 1)  # w[0,0,0,0] is 0.


if __name__ == '__main__':
  absltest.main()
