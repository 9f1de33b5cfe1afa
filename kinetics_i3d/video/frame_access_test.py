"""Tests of frame_access against a plain decode of every frame."""

import os
import shutil
import tempfile
from unittest import mock

from absl.testing import absltest
import av
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.video import frame_access


def _every_frame(path):
  with av.open(path) as container:
    return np.stack([f.to_ndarray(format='rgb24')
                     for f in container.decode(video=0)])


class FrameAccessTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    root = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, root)
    cls.root = root
    frames = synthetic_videos.moving_texture(40, 48, 64, dx=1.5, dy=0.5)
    cls.videos = {
        # H.264 with a keyframe every 8 frames and B-frames: frames that
        # depend on others, before and after them.
        'h264': os.path.join(root, 'gop8.mp4'),
        'ffv1': os.path.join(root, 'intra.mkv'),
        'vfr': os.path.join(root, 'vfr.mkv'),
    }
    synthetic_videos.write_video(cls.videos['h264'], frames, codec='libx264',
                                 gop_size=8)
    synthetic_videos.write_video(cls.videos['ffv1'], frames)
    times = np.cumsum(np.where(np.arange(40) % 3, 0.03, 0.05))
    synthetic_videos.write_video(cls.videos['vfr'], frames, times=times)

  def test_the_h264_file_has_keyframes_and_b_frames(self):
    # Guard: the seeks below start inside groups of dependent frames.
    with av.open(self.videos['h264']) as container:
      packets = [p for p in container.demux(video=0) if p.size]
    pts = [p.pts for p in packets]
    self.assertGreater(sum(p.is_keyframe for p in packets), 3)
    self.assertNotEqual(pts, sorted(pts))  # Decode order is not display.

  def test_clips_equal_those_of_a_decode_from_the_start(self):
    for name, path in self.videos.items():
      every = _every_frame(path)
      index = frame_access.index_frames(path)
      self.assertEqual(index.num_frames, len(every))
      self.assertIsNotNone(index.times)
      for first, count, stride in ((0, 5, 1), (3, 4, 2), (9, 16, 1),
                                   (17, 7, 3), (39, 1, 1), (24, 16, 1)):
        with self.subTest(video=name, first=first, stride=stride):
          clip = frame_access.read_frames(path, index, first, count, stride)
          np.testing.assert_array_equal(
              clip, every[first:first + (count - 1) * stride + 1:stride])

  def test_mid_group_clips_come_from_the_seek(self):
    # Not from the fallback decode from the start: the first frame decoded
    # after the seek is a keyframe at or before the clip.
    path = self.videos['h264']
    index = frame_access.index_frames(path)
    every = _every_frame(path)
    for first in (5, 9, 13, 30):
      with av.open(path) as container:
        kept = frame_access._frames_at(  # pylint: disable=protected-access
            container, path, index.times[first:first + 4], seek=True)
      self.assertIsNotNone(kept, first)
      np.testing.assert_array_equal(np.stack(kept), every[first:first + 4])

  def test_a_decoding_error_after_the_seek_decodes_from_the_start(self):
    path = self.videos['h264']
    index = frame_access.index_frames(path)
    frames_at = frame_access._frames_at  # pylint: disable=protected-access
    seeks = []

    def failing_after_seek(container, path, times, seek):
      seeks.append(seek)
      if seek:
        raise av.error.InvalidDataError(1094995529, 'Invalid data')
      return frames_at(container, path, times, seek)

    with mock.patch.object(frame_access, '_frames_at', failing_after_seek):
      clip = frame_access.read_frames(path, index, 13, 6)
    self.assertEqual(seeks, [True, False])
    np.testing.assert_array_equal(clip, _every_frame(path)[13:19])

  def test_frames_past_the_end(self):
    index = frame_access.index_frames(self.videos['ffv1'])
    with self.assertRaisesRegex(ValueError, 'frames 30 to 45 of 40'):
      frame_access.read_frames(self.videos['ffv1'], index, 30, 16)
    # A file cut short after it was indexed: one error naming it.
    truncated = os.path.join(self.root, 'cut.mp4')
    with open(self.videos['h264'], 'rb') as source:
      data = source.read()
    with open(truncated, 'wb') as f:
      f.write(data[:len(data) // 2])
    with self.assertRaisesRegex(errors.InputError, 'cut.mp4'):
      frame_access.read_frames(truncated, frame_access.FrameIndex(40, None),
                               30, 8)


if __name__ == '__main__':
  absltest.main()
