"""Tests for loading sample clips."""

import os

from absl.testing import absltest
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.datasets import samples


class LoadSampleTest(absltest.TestCase):

  def _save(self, array):
    path = os.path.join(self.create_tempdir().full_path, 'sample.npy')
    np.save(path, array)
    return path

  def test_loads_any_number_of_frames(self):
    for frames in (9, 79, 250):
      sample = np.full((1, frames, 224, 224, 2), 0.25, np.float64)
      loaded = samples.load_sample(self._save(sample), 2)
      self.assertEqual(loaded.dtype, np.float32)
      np.testing.assert_array_equal(loaded, sample)

  def test_errors(self):
    cases = [
        (np.zeros((79, 224, 224, 3), np.float32), 3,
         r'has shape \[79, 224, 224, 3\], 4 axes; .*clip\[None\]'),
        (np.zeros((2, 79, 224, 224, 3), np.float32), 3,
         r'has shape \[2, 79, 224, 224, 3\]; this stream takes '
         r'\[1, frames, 224, 224, 3\]'),
        (np.zeros((1, 79, 224, 224, 3), np.float32), 2, 'has shape'),
        (np.zeros((1, 8, 224, 224, 3), np.float32), 3,
         'has 8 frames .*; the network needs at least 9'),
        (np.zeros((1, 9, 224, 224, 3), np.uint8), 3, 'holds uint8'),
        (np.full((1, 9, 224, 224, 3), np.nan, np.float32), 3, 'NaN'),
        (np.full((1, 9, 224, 224, 3), 255, np.float32), 3,
         r'holds values from 255 to 255, outside \[-1, 1\]'),
        (np.zeros((1, 3, 9, 224, 224), np.float32), 3,
         r"which is NCTHW \(PyTorch's video models\), not NTHWC"),
    ]
    for array, channels, message in cases:
      with self.assertRaisesRegex(errors.InputError, message):
        samples.load_sample(self._save(array), channels)

  def test_layouts_are_read_as_given(self):
    sample = np.random.default_rng(0).uniform(-1, 1, (1, 9, 224, 224, 2))
    loaded = samples.load_sample(
        self._save(sample.transpose(0, 4, 1, 2, 3)), 2, layout='NCTHW')
    np.testing.assert_array_equal(loaded, sample.astype(np.float32))

  def test_missing_and_unreadable(self):
    with self.assertRaisesRegex(errors.MissingFileError,
                                'no sample at .*i3d-preprocess'):
      samples.load_sample('/nonexistent.npy', 3)
    for name, content in (('text.npy', 'not numpy'), ('empty.npy', '')):
      path = self.create_tempfile(name, content=content).full_path
      with self.assertRaisesRegex(errors.InputError, 'not a readable .npy'):
        samples.load_sample(path, 3)


if __name__ == '__main__':
  absltest.main()
