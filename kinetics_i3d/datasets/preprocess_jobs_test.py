"""Tests of the output-size estimate and the disk-space check."""

import os
import shutil

from absl.testing import absltest

from kinetics_i3d import errors
from kinetics_i3d.datasets import npy_writer
from kinetics_i3d.datasets import preprocess_jobs
from kinetics_i3d.testing import synthetic_videos


class OutputSpaceTest(absltest.TestCase):

  def test_estimate_matches_the_frames_written(self):
    directory = self.create_tempdir().full_path
    video = os.path.join(directory, 'v.mkv')
    synthetic_videos.write_video(
        video, synthetic_videos.moving_texture(30, 48, 64), fps=25)
    job = preprocess_jobs.Job(video, os.path.join(directory, 'r.npy'), None,
                              start_sec=0.2)
    self.assertEqual(preprocess_jobs.estimated_bytes(job),
                     {job.rgb_out: 25 * 224 * 224 * 3 * 4 +
                                   npy_writer.HEADER_BYTES})
    [output] = preprocess_jobs.run_job(job)
    self.assertEqual(output.shape, (1, 25, 224, 224, 3))
    self.assertEqual(os.path.getsize(job.rgb_out),
                     preprocess_jobs.estimated_bytes(job)[job.rgb_out])
    with_flow = preprocess_jobs.Job(video, None, 'f.npy')
    self.assertEqual(preprocess_jobs.estimated_bytes(with_flow)['f.npy'],
                     29 * 224 * 224 * 2 * 4 + npy_writer.HEADER_BYTES)

  def test_refuses_outputs_larger_than_the_free_space(self):
    directory = self.create_tempdir().full_path
    free = shutil.disk_usage(directory).free
    target = os.path.join(directory, 'not', 'yet', 'x.npy')
    preprocess_jobs.check_disk_space({target: free // 2, 'y.npy': None})
    with self.assertRaisesRegex(
        errors.InputError, f'^the outputs need .* GB but {directory} has .* '
        'GB free: free some space'):
      preprocess_jobs.check_disk_space({target: free // 2 + 1,
                                        target + '2': free // 2 + 1})
    self.assertFalse(os.path.exists(os.path.join(directory, 'not')))


if __name__ == '__main__':
  absltest.main()
