"""Tests of writing `.npy` files frame by frame."""

import os

from absl.testing import absltest
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.datasets import npy_writer


class NpyWriterTest(absltest.TestCase):

  def test_numpy_reads_what_it_wrote(self):
    path = os.path.join(self.create_tempdir().full_path, 'sub', 'x.npy')
    frames = np.random.default_rng(0).uniform(-1, 1, (7, 5, 4, 3))
    with npy_writer.NpyWriter(path) as writer:
      for first in (0, 3, 6):
        writer.write(frames[first:first + 3])
      self.assertFalse(os.path.exists(path))  # Only when complete.
    loaded = np.load(path)
    self.assertEqual(loaded.dtype, np.float32)
    np.testing.assert_array_equal(loaded, frames[None].astype(np.float32))
    self.assertEqual(writer.shape, (1, 7, 5, 4, 3))
    self.assertAlmostEqual(writer.max, float(np.float32(frames.max())))
    self.assertEqual(np.load(path, mmap_mode='r').shape, (1, 7, 5, 4, 3))
    self.assertEqual(os.path.getsize(path),
                     npy_writer.HEADER_BYTES + frames.size * 4)

  def test_failure_leaves_nothing_and_keeps_the_old_file(self):
    directory = self.create_tempdir().full_path
    path = os.path.join(directory, 'x.npy')
    np.save(path, np.zeros(3))
    with self.assertRaises(errors.ExistingOutputError):
      npy_writer.NpyWriter(path)
    with self.assertRaisesRegex(ValueError, 'frames of shape'):
      with npy_writer.NpyWriter(path, overwrite=True) as writer:
        writer.write(np.ones((2, 4, 4, 3)))
        writer.write(np.ones((2, 4, 4, 2)))
    self.assertEqual(os.listdir(directory), ['x.npy'])
    np.testing.assert_array_equal(np.load(path), np.zeros(3))


if __name__ == '__main__':
  absltest.main()
