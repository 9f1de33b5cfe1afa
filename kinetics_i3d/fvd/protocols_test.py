"""Tests of FVD's clip selection, on videos whose frames carry their index."""

import os

from absl.testing import absltest
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.fvd import protocols
from kinetics_i3d.fvd import sets
from kinetics_i3d.testing import synthetic_videos


def _indexed_videos(lengths):
  """uint8 videos whose frame t of video v has red v and green t."""
  videos = np.zeros((len(lengths), max(lengths), 8, 8, 3), np.uint8)
  for v, n in enumerate(lengths):
    videos[v, :, ..., 0] = v
    videos[v, :n, ..., 1] = np.arange(n)[:, None, None]
  return videos


def _frame_indices(clip):
  """(video, frame) of each frame of a clip, read from its pixels."""
  return [(int(f[..., 0].mean().round()), int(f[..., 1].mean().round()))
          for f in clip]


class SelectionTest(absltest.TestCase):

  def test_first_sampling_is_each_video_from_its_start(self):
    protocol = protocols.Protocol(num_frames=10)
    drawn = protocols.select_clips([12, 9, 30, 10], protocol, 0, 'set')
    # The 9-frame video is too short and left out; the others, in order.
    self.assertEqual([(c.video, c.first) for c in drawn.clips],
                     [(0, 0), (2, 0), (3, 0)])
    self.assertEqual((drawn.usable, drawn.skipped, drawn.with_replacement),
                     (3, 1, False))
    two = protocols.Protocol(num_videos=2, num_frames=10)
    self.assertLen(protocols.select_clips([12, 9, 30, 10], two, 0,
                                          'set').clips, 2)

  def test_random_offsets_and_strides_take_the_frames_they_name(self):
    lengths = [40, 25, 33, 60, 12]
    videos = sets.array_source(_indexed_videos(lengths))
    protocol = protocols.Protocol(num_videos=4, num_frames=9,
                                  frame_stride=2, sampling='random')
    span = (9 - 1) * 2 + 1
    starts = set()
    for seed in range(5):
      drawn = protocols.select_clips(lengths, protocol, seed, 'set')
      self.assertFalse(drawn.with_replacement)
      self.assertEqual(drawn.skipped, 1)  # The 12-frame video.
      picked = [c.video for c in drawn.clips]
      self.assertLen(set(picked), 4)  # Each video at most once.
      for clip in drawn.clips:
        frames = _frame_indices(videos.clip(clip, protocol))
        # Independently: 9 frames of one video, every 2nd, inside it.
        self.assertEqual([v for v, _ in frames], [clip.video] * 9)
        self.assertEqual([t for _, t in frames],
                         list(range(clip.first, clip.first + span, 2)))
        self.assertLessEqual(frames[-1][1], lengths[clip.video] - 1)
        starts.add(clip.first)
    self.assertGreater(len(starts), 5)  # Offsets do vary.

  def test_seeds(self):
    protocol = protocols.Protocol(num_videos=3, num_frames=9,
                                  sampling='random', num_seeds=3)
    lengths = [50] * 6

    def clips(seed):
      return [(c.video, c.first) for c in
              protocols.select_clips(lengths, protocol, seed, 's').clips]

    self.assertEqual(protocol.seeds, [0, 1, 2])
    self.assertEqual(clips(1), clips(1))
    self.assertNotEqual(clips(1), clips(2))

  def test_too_few_videos(self):
    random = protocols.Protocol(num_videos=5, num_frames=9,
                                sampling='random')
    drawn = protocols.select_clips([20, 20], random, 0, 'set')
    self.assertTrue(drawn.with_replacement)
    self.assertLen(drawn.clips, 5)
    first = protocols.Protocol(num_videos=5, num_frames=9)
    with self.assertRaisesRegex(errors.InputError,
                                'set has 2 videos of 9 frames or more .0 '
                                'shorter., not the 5 asked for'):
      protocols.select_clips([20, 20], first, 0, 'set')
    with self.assertRaisesRegex(errors.InputError,
                                'every video of set is shorter than a clip '
                                r'\(3 videos, a clip spans 9 frames\)'):
      protocols.select_clips([5, 8, 3], first, 0, 'set')
    with self.assertRaisesRegex(errors.InputError,
                                'set has 1 usable video .1 too short.'):
      protocols.select_clips([5, 12], protocols.Protocol(
          num_frames=9), 0, 'set')


class ProtocolTest(absltest.TestCase):

  def test_published_protocols(self):
    for name, frames in (('fvd2048_16f', 16), ('fvd2048_128f', 128)):
      protocol = protocols.protocol(name)
      self.assertEqual((protocol.num_videos, protocol.num_frames,
                        protocol.frame_stride, protocol.sampling),
                       (2048, frames, 1, 'random'))
    with self.assertRaisesRegex(errors.InputError,
                                "unknown protocol 'fvd': the protocols are "
                                'fvd2048_16f, fvd2048_128f'):
      protocols.protocol('fvd')

  def test_record_names_every_choice(self):
    protocol = protocols.Protocol(2048, 16, 2, 'random', 7, 3, (128, 128),
                                  'area', 'x')
    self.assertEqual(protocol.record(), {
        'name': 'x', 'num_videos': 2048, 'num_frames': 16, 'frame_stride': 2,
        'sampling': 'random', 'seeds': [7, 8, 9], 'resize': '128x128 area'})

  def test_bad_settings(self):
    for text in ('128', '128x', 'x128', '0x128', 'axb', '12x12x3'):
      with self.assertRaisesRegex(errors.InputError,
                                  f'--resize={text}: give HEIGHTxWIDTH'):
        protocols.parse_resize(text)
    self.assertEqual(protocols.parse_resize('128X96'), (128, 96))
    for protocol, message in (
        (protocols.Protocol(num_frames=8), 'needs at least 9 frames'),
        (protocols.Protocol(num_videos=1), 'at least 2 clips'),
        (protocols.Protocol(num_seeds=2), 'use --sampling=random'),
        (protocols.Protocol(frame_stride=0), '--frame_stride=0')):
      with self.assertRaisesRegex(errors.InputError, message):
        protocol.check()

  def test_resize_uses_the_named_filter(self):
    frames = np.random.default_rng(0).integers(0, 256, (2, 64, 80, 3),
                                               dtype=np.uint8)

    def resized(size, name):
      return protocols.resize_frames(frames, protocols.Protocol(
          resize=size, resize_filter=name))

    area = resized((32, 40), 'area')
    self.assertEqual((area.shape, area.dtype), ((2, 32, 40, 3), np.uint8))
    # A 2x box average for area: its definition, computed here.
    boxes = frames.reshape(2, 32, 2, 40, 2, 3).astype(np.float64).mean((2, 4))
    np.testing.assert_allclose(area, np.rint(boxes), atol=1)
    # At 3/8 the filters differ.
    self.assertGreater(np.abs(resized((24, 30), 'bilinear').astype(int) -
                              resized((24, 30), 'area')).max(), 10)


class FolderTest(absltest.TestCase):

  def test_decoded_clips_take_the_frames_they_name(self):
    directory = self.create_tempdir().full_path
    videos = _indexed_videos([20, 14]) * np.uint8(8)  # Lossless FFV1.
    for v, video in enumerate(videos):
      synthetic_videos.write_video(os.path.join(directory, f'{v}.mkv'),
                                   video[:[20, 14][v]])
    video_set = sets.open_set(directory)
    self.assertEqual(video_set.lengths, [20, 14])
    protocol = protocols.Protocol(num_frames=4, frame_stride=3)
    frames = video_set.clip(protocols.Clip(0, 5), protocol)
    self.assertEqual([t // 8 for _, t in _frame_indices(frames)],
                     [5, 8, 11, 14])


if __name__ == '__main__':
  absltest.main()
