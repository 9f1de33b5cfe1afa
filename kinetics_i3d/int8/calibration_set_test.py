"""Tests of the calibration and held-out clips."""

import os
import shutil

import numpy as np
from absl.testing import absltest

from kinetics_i3d import errors
from kinetics_i3d.int8 import calibration_set
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.testing import video_zoo


class SplitTest(absltest.TestCase):

  def test_every_fifth_video_is_held_out(self):
    videos = [calibration_set.Video(f'v{i:02d}.mp4') for i in range(12)]
    result = calibration_set.split(videos)
    self.assertEqual([v.path for v in result.held_out],
                     ['v04.mp4', 'v09.mp4'])
    self.assertLen(result.calibration, 10)
    self.assertEmpty(set(result.calibration) & set(result.held_out))

  def test_a_few_videos_still_hold_one_out(self):
    result = calibration_set.split([calibration_set.Video('a.mp4'),
                                    calibration_set.Video('b.mp4')])
    self.assertEqual([v.path for v in result.calibration], ['a.mp4'])
    self.assertEqual([v.path for v in result.held_out], ['b.mp4'])
    with self.assertRaisesRegex(errors.InputError, 'at least two'):
      calibration_set.split([calibration_set.Video('a.mp4')])

  def test_folder_lists_videos_under_it_sorted(self):
    root = self.create_tempdir().full_path
    os.makedirs(os.path.join(root, 'b'))
    for name in ('b/2.mp4', '1.avi', 'notes.txt'):
      open(os.path.join(root, name), 'w').close()
    self.assertEqual(
        [os.path.relpath(v.path, root)
         for v in calibration_set.from_folder(root)], ['1.avi', 'b/2.mp4'])
    with self.assertRaises(errors.MissingFileError):
      calibration_set.from_folder(os.path.join(root, 'none'))


class CollectTest(absltest.TestCase):

  def test_windows_spread_over_a_video_and_bad_videos_counted(self):
    folder = self.create_tempdir().full_path
    short = os.path.join(folder, 'short.mp4')
    synthetic_videos.write_video(
        short, np.zeros((10, 64, 64, 3), np.uint8), fps=25)
    empty = os.path.join(folder, 'empty.mp4')
    shutil.copy(video_zoo.entry('empty.mp4').path, empty)
    # 60 frames, each a shade brighter: a window's frames tell its place.
    long = os.path.join(folder, 'long.mp4')
    synthetic_videos.write_video(long, np.broadcast_to(
        np.arange(60, dtype=np.uint8)[:, None, None, None] * 4,
        (60, 64, 96, 3)).copy(), fps=25)
    videos = [calibration_set.Video(p) for p in (short, empty, long)]
    result = calibration_set.collect(videos, 'rgb', inputs=30, views=10,
                                     window=12)
    # The long video gives the 3 windows the others could not.
    self.assertLen(result.clips, 3)
    self.assertEqual(result.clips[0].shape, (1, 12, 256, 384, 3))
    self.assertEqual(result.clips[0].dtype, np.float16)
    self.assertEqual(set(result.skipped), {short, empty})
    self.assertIn('shorter than a window', result.skipped[short])
    # Spread evenly: the windows start 0, 24 and 48 frames in.
    first_frames = [clip[0, 0, 0, 0, 0] for clip in result.clips]
    np.testing.assert_allclose(
        first_frames, [(4 * start) / 127.5 - 1 for start in (0, 24, 48)],
        atol=0.02)
    crops = calibration_set.calibration_inputs(result, 'rgb')
    self.assertLen(crops, 30)
    self.assertEqual(crops[13].shape, (1, 12, 224, 224, 3))
    # Crop 9 is the mirror of crop 4, the centre.
    np.testing.assert_array_equal(crops[9], crops[4][:, :, :, ::-1])
    held = calibration_set.held_out_inputs(result, 'rgb')
    self.assertLen(held, 6)
    np.testing.assert_array_equal(held[0], crops[4])

  def test_too_few_inputs_say_how_many_are_needed(self):
    with self.assertRaisesRegex(
        errors.InputError,
        r'^40 calibration inputs \(4 windows of 32 frames.*1 skipped.*'
        r'at least 100 \(10 windows, 300 advised\)'):
      calibration_set.check_enough(40, {'a.mp4': 'no video'})


if __name__ == '__main__':
  absltest.main()
