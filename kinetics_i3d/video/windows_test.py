"""Tests of sliding windows over chunks of frames."""

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np

from kinetics_i3d.video import preprocessing
from kinetics_i3d.video import windows


def _chunks(num_frames, sizes, fps=25.0):
  """Chunks of frames whose pixels hold their frame index, cut at `sizes`."""
  rgb = np.arange(num_frames, dtype=np.float32)[:, None, None, None] * np.ones(
      (1, 2, 2, 3), np.float32)
  flow = -rgb[..., :2]
  times = 1.0 + np.arange(num_frames) / fps
  bounds = np.cumsum([0] + list(sizes))
  assert bounds[-1] == num_frames
  return [preprocessing.Chunk(rgb[a:b], flow[a:b], times[a:b])
          for a, b in zip(bounds[:-1], bounds[1:])]


class SlidingWindowsTest(parameterized.TestCase):

  @parameterized.parameters(
      (250, 64, 64, False, [(0, 64), (64, 64), (128, 64)]),
      (40, 16, 12, False, [(0, 16), (12, 16), (24, 16)]),
      (30, 64, 64, False, [(0, 30)]),
      (64, 64, 8, False, [(0, 64)]),
      (250, 64, 64, True, [(0, 64), (64, 64), (128, 64), (186, 64)]),
      (256, 64, 64, True, [(0, 64), (64, 64), (128, 64), (192, 64)]),
      (30, 64, 64, True, [(0, 30)]),
  )
  def test_windows(self, num_frames, window, stride, cover_end, expected):
    found = list(windows.sliding_windows(
        _chunks(num_frames, [num_frames]), ['rgb'], window, stride, cover_end))
    self.assertEqual([(w.first, w.num_frames) for w in found], expected)

  def test_contents_and_times_do_not_depend_on_chunking(self):
    for sizes in ([100], [7, 50, 43], [1] * 100):
      found = list(windows.sliding_windows(_chunks(100, sizes),
                                           ['rgb', 'flow'], 30, 20,
                                           cover_end=True))
      self.assertEqual([w.first for w in found], [0, 20, 40, 60, 70])
      for w in found:
        indices = np.arange(w.first, w.first + 30, dtype=np.float32)
        np.testing.assert_array_equal(w.inputs['rgb'][0, :, 0, 0, 0], indices)
        np.testing.assert_array_equal(w.inputs['flow'][0, :, 1, 1, 1],
                                      -indices)
        self.assertEqual(w.inputs['rgb'].shape, (1, 30, 2, 2, 3))
        self.assertAlmostEqual(w.start_sec, 1.0 + w.first / 25.0)
        self.assertAlmostEqual(w.end_sec, 1.0 + (w.first + 30) / 25.0)

  def test_refuses_empty_window(self):
    with self.assertRaisesRegex(ValueError, 'positive'):
      list(windows.sliding_windows(_chunks(5, [5]), ['rgb'], 0, 1))


class CenteredWindowsTest(parameterized.TestCase):

  @parameterized.parameters((100, 21, 1, [1] * 100), (100, 16, 4, [7, 50, 43]),
                            (10, 16, 3, [10]), (30, 5, 40, [3] * 10))
  def test_every_centre_with_edges_padded(self, num_frames, window, stride,
                                          sizes):
    found = list(windows.centered_windows(_chunks(num_frames, sizes),
                                          ['rgb', 'flow'], window, stride))
    centres = list(range(0, num_frames, stride))
    self.assertLen(found, len(centres))
    for w, centre in zip(found, centres):
      # Independently: the frame indices, clipped to the video.
      expected = np.clip(np.arange(centre - window // 2,
                                   centre - window // 2 + window),
                         0, num_frames - 1).astype(np.float32)
      np.testing.assert_array_equal(w.inputs['rgb'][0, :, 0, 0, 0], expected)
      np.testing.assert_array_equal(w.inputs['flow'][0, :, 1, 1, 1],
                                    -expected)
      self.assertEqual(w.first, centre - window // 2)
      self.assertAlmostEqual(w.start_sec,
                             1.0 + (centre - window // 2) / 25.0)
      self.assertAlmostEqual(w.end_sec - w.start_sec, window / 25.0)
      # The centre frame's middle for odd windows, its start for even ones.
      self.assertAlmostEqual(w.center_sec,
                             1.0 + (centre + (window % 2) / 2) / 25.0)


if __name__ == '__main__':
  absltest.main()
