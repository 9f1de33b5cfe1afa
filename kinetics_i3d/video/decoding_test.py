"""Tests for decoding at 25 fps by timestamp, on videos written with FFmpeg."""

import os

from absl.testing import absltest
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.video import decoding


def _numbered_frames(count, height=32, width=48):
  """Frames whose pixels all equal their index (count <= 256)."""
  frames = np.zeros((count, height, width, 3), np.uint8)
  frames[:] = np.arange(count, dtype=np.uint8)[:, None, None, None]
  return frames


def _indices(video):
  return [int(frame[0, 0, 0]) for frame in video.frames]


def _nearest(source_times, targets):
  """Independent nearest-timestamp rule (earlier on a tie)."""
  source_times = np.asarray(source_times)
  return [int(np.argmin(np.abs(source_times - t) + 1e-9 * (source_times > t)))
          for t in targets]


class DecodeTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.dir = self.create_tempdir().full_path

  def _write(self, name, frames, **kwargs):
    path = os.path.join(self.dir, name)
    synthetic_videos.write_video(path, frames, **kwargs)
    return path

  def test_30fps_video_of_n_seconds_gives_25n_frames(self):
    for seconds in (1, 2, 3):
      path = self._write(f'v{seconds}.mkv', _numbered_frames(30 * seconds),
                         fps=30)
      video = decoding.decode(path, lambda f: f)
      self.assertLen(video.frames, 25 * seconds)
      self.assertAlmostEqual(video.duration, seconds, places=2)
      np.testing.assert_allclose(video.times, np.arange(25 * seconds) / 25)
      # Frames are dropped: output k shows source frame round(1.2 k).
      self.assertEqual(_indices(video),
                       _nearest(np.arange(30 * seconds) / 30, video.times))

  def test_low_frame_rate_repeats_frames(self):
    path = self._write('v.mkv', _numbered_frames(20), fps=10)
    video = decoding.decode(path, lambda f: f)
    self.assertLen(video.frames, 50)
    self.assertEqual(_indices(video)[:8], [0, 0, 1, 1, 2, 2, 2, 3])
    self.assertEqual(_indices(video), _nearest(np.arange(20) / 10,
                                               np.arange(50) / 25))

  def test_variable_frame_rate(self):
    times = [0, 0.1, 0.15, 0.4, 0.5, 0.52, 0.9, 1.0, 1.2, 1.3]
    path = self._write('vfr.mkv', _numbered_frames(10), times=times)
    video = decoding.decode(path, lambda f: f)
    self.assertEqual(_indices(video), _nearest(times, video.times))
    self.assertEqual(_indices(video)[:12], [0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3])

  def test_start_and_end(self):
    path = self._write('v.mkv', _numbered_frames(120), fps=30)
    video = decoding.decode(path, lambda f: f, start_sec=1.0,
                                  end_sec=2.0)
    self.assertLen(video.frames, 25)
    np.testing.assert_allclose(video.times, 1.0 + np.arange(25) / 25)
    self.assertEqual(_indices(video)[0], 30)

  def test_transform_runs_once_per_kept_frame(self):
    path = self._write('v.mkv', _numbered_frames(20), fps=10)
    calls = []
    video = decoding.decode(path, lambda f: calls.append(1) or f[:2])
    self.assertLen(calls, 20)
    self.assertLen(video.frames, 50)
    self.assertEqual(video.frames[0].shape, (2, 48, 3))

  def test_h264_file_from_the_package_index(self):
    video = decoding.decode(
        repo_paths.registry_video('carphone_pristine.mp4'), lambda f: f.shape)
    self.assertAlmostEqual(video.duration, 120 / (30000 / 1001), places=3)
    self.assertLen(video.frames, 101)  # 4.004 s at 25 fps.
    # Stored 176x144 with pixels 128:117 wide: shown 193x144.
    self.assertEqual(video.frames[0], (144, 193, 3))

  def test_video_without_frames(self):
    path = os.path.join(self.dir, 'empty.mkv')
    synthetic_videos.write_video(path, _numbered_frames(0), fps=25)
    with self.assertRaisesRegex(errors.InputError, 'empty.mkv has no video '
                                'frames'):
      decoding.decode(path, lambda f: f)

  def test_errors(self):
    path = self._write('v.mkv', _numbered_frames(30), fps=30)
    not_video = self.create_tempfile('notes.mp4', content='hello').full_path
    cases = [
        (dict(path='/nonexistent.mp4'), errors.MissingFileError,
         'no video at /nonexistent.mp4'),
        (dict(path=not_video), errors.InputError, 'cannot decode .*notes.mp4'),
        (dict(path=path, start_sec=1.5), errors.InputError,
         'start_sec 1.5 is outside .* which lasts 1.000 s'),
        (dict(path=path, end_sec=2.5), errors.InputError,
         'end_sec 2.5 is past the end'),
        (dict(path=path, start_sec=0.5, end_sec=0.5), errors.InputError,
         'is not after'),
        (dict(path=path, start_sec=-1), errors.InputError, 'negative'),
    ]
    for kwargs, error, message in cases:
      with self.assertRaisesRegex(error, message):
        decoding.decode(transform=lambda f: f, **kwargs)


if __name__ == '__main__':
  absltest.main()
