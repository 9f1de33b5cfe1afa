"""Tests that every reader shows videos as a player does, on the video zoo."""

import os
import shutil

from absl.testing import absltest
import av
import cv2
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.testing import mp4_display_matrix
from kinetics_i3d.testing import video_zoo
from kinetics_i3d.video import decoding
from kinetics_i3d.video import display
from kinetics_i3d.video import frame_access
from kinetics_i3d.video import gifs
from kinetics_i3d.video import preprocessing


def _expected(entry: video_zoo.Entry) -> np.ndarray:
  if entry.gray:
    return np.repeat(video_zoo.gray_source_frames()[..., None], 3, axis=-1)
  return entry.display(video_zoo.source_frames())


def _error(frames, expected) -> float:
  return float(np.abs(np.asarray(frames, np.float64) -
                      np.asarray(expected, np.float64)).mean())


def _opencv_frames(path: str) -> np.ndarray:
  """RGB frames as OpenCV's FFmpeg backend decodes them (an independent
  decoder front end over the same libraries)."""
  capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
  frames = []
  while True:
    ok, frame = capture.read()
    if not ok:
      break
    frames.append(frame[..., ::-1])
  capture.release()
  return np.stack(frames)


class ZooTest(absltest.TestCase):

  def test_zoo_files_are_small(self):
    for entry in video_zoo.ENTRIES:
      self.assertLess(os.path.getsize(entry.path), 32 * 1024, entry.name)

  def test_each_video_decodes_to_its_source_as_shown(self):
    for entry in video_zoo.ENTRIES:
      if entry.error or entry.name == 'vfr.mkv':
        continue
      with self.subTest(entry.name):
        video = decoding.decode(entry.path, lambda f: f,
                                color_matrix=entry.color_matrix)
        expected = _expected(entry)
        self.assertLen(video.frames, video_zoo.NUM_FRAMES)
        self.assertEqual(video.frames[0].shape, expected.shape[1:])
        self.assertLess(_error(video.frames, expected), entry.tolerance)
        np.testing.assert_allclose(video.times,
                                   np.arange(video_zoo.NUM_FRAMES) / 25)
        self.assertAlmostEqual(video.duration, video_zoo.NUM_FRAMES / 25,
                               places=2)

  def test_the_source_tells_orientations_apart(self):
    # Guard for the test above: a wrong turn or mirror is far outside every
    # tolerance.
    source = video_zoo.source_frames()
    shown = {e.name: e.display(source) for e in video_zoo.ENTRIES
             if e.name in ('h264.mp4', 'rotate90.mp4', 'rotate180.mp4',
                           'rotate270.mp4', 'mirror.mp4')}
    for first, a in shown.items():
      for second, b in shown.items():
        if first < second and a.shape == b.shape:
          self.assertGreater(_error(a, b), 40, (first, second))

  def test_offset_timestamps_count_from_the_first_frame(self):
    # Guard: the file's timestamps do start late (times are checked above).
    with av.open(video_zoo.entry('offset.mp4').path) as container:
      stream = container.streams.video[0]
      self.assertAlmostEqual(float(stream.start_time * stream.time_base),
                             video_zoo.OFFSET_SEC, places=2)

  def test_variable_frame_rate_is_sampled_by_time(self):
    entry = video_zoo.entry('vfr.mkv')
    timed = list(decoding.FrameReader(entry.path, lambda f: f))
    source = video_zoo.source_frames()
    gap = np.where(np.arange(len(source)) >= video_zoo.VFR_GAP_AFTER,
                   video_zoo.VFR_GAP_SEC, 0.0)
    source_times = np.arange(len(source)) / video_zoo.FPS + gap
    self.assertLen(timed, 19)  # 0.76 s at 25 fps.
    for time, frame in timed:
      nearest = int(np.argmin(np.abs(source_times - time) + 1e-9 *
                              (source_times > time)))
      self.assertLess(_error(frame, source[nearest]), entry.tolerance, time)
    self.assertEqual(decoding.probe(entry.path).notes(), 'variable frame rate')
    self.assertEqual(decoding.probe(video_zoo.entry('h264.mp4').path).notes(),
                     '')

  def test_broken_files_give_one_line(self):
    for entry in video_zoo.ENTRIES:
      if not entry.error:
        continue
      with self.subTest(entry.name):
        with self.assertRaisesRegex(errors.InputError, entry.error) as caught:
          decoding.decode(entry.path, lambda f: f)
        self.assertNotIn('\n', str(caught.exception))
        self.assertIn(entry.name, str(caught.exception))

  def test_the_default_colour_is_the_release_decoders(self):
    # BT.601 whatever the tag, as OpenCV's FFmpeg backend converted when the
    # models were trained; the tagged matrix is nearer the source.
    entry = video_zoo.entry('bt709.mp4')
    default = decoding.decode(entry.path, lambda f: f)
    tagged = decoding.decode(entry.path, lambda f: f, color_matrix='tagged')
    source = video_zoo.source_frames()
    self.assertLess(_error(tagged.frames, source), entry.tolerance)
    self.assertGreater(_error(default.frames, source),
                       2 * _error(tagged.frames, source))
    self.assertEqual(default.display.corrections(),
                     'BT.601 colour (tagged BT.709)')
    self.assertEqual(tagged.display.corrections(), 'BT.709 colour')
    # Untagged BT.601 video: exactly OpenCV's frames.
    h264 = video_zoo.entry('h264.mp4').path
    np.testing.assert_array_equal(
        np.stack(decoding.decode(h264, lambda f: f).frames),
        _opencv_frames(h264))

  def test_tagged_colour_matches_opencv_which_now_reads_the_tag(self):
    # OpenCV's FFmpeg backend converts with the stream's tagged matrix since
    # its 4.9 releases (opencv#24290); before, with BT.601 (opencv#20513).
    for name in ('bt709.mp4', 'full_range.mp4', 'mjpeg.avi'):
      with self.subTest(name):
        path = video_zoo.entry(name).path
        np.testing.assert_array_equal(
            np.stack(decoding.decode(path, lambda f: f,
                                     color_matrix='tagged').frames),
            _opencv_frames(path))

  def test_every_reader_shows_the_same_pictures(self):
    for name in ('rotate90.mp4', 'sar.mp4', 'cover.mp4'):
      with self.subTest(name):
        entry = video_zoo.entry(name)
        decoded = np.stack(decoding.decode(entry.path, lambda f: f).frames)
        index = frame_access.index_frames(entry.path)
        self.assertEqual(index.num_frames, video_zoo.NUM_FRAMES)
        np.testing.assert_array_equal(
            frame_access.read_frames(entry.path, index, 3, 5), decoded[3:8])
        np.testing.assert_array_equal(gifs.read_gif_frames(entry.path),
                                      decoded)

  def test_the_resize_makes_pixels_square_in_one_step(self):
    # sar.mp4 is stored 32x48 and shown 64x48: the network's resize goes
    # straight from the stored frame to 341x256 (smaller side 256).
    entry = video_zoo.entry('sar.mp4')
    clip = preprocessing.preprocess_video(entry.path, flow=False,
                                          end_sec=0.4)
    self.assertEqual(clip.rgb.shape, (1, 10, 224, 224, 3))
    chunk = next(preprocessing.stream_video(entry.path, flow=False,
                                            cropped=False))
    self.assertEqual(chunk.rgb.shape[1:3], (256, 341))
    resized = preprocessing.resize_frame(video_zoo.source_frames()[0])
    self.assertLess(
        _error((chunk.rgb[0] + 1) * 127.5, resized), entry.tolerance)


class OrientationTest(absltest.TestCase):

  def _orientation(self, matrix):
    fixed = [round(v * 65536) if i not in (2, 5, 8) else 1 << 30
             for i, v in enumerate(matrix)]
    return display.Orientation.from_matrix(fixed, 'v.mp4')

  def test_ffmpeg_autorotate_rules(self):
    picture = np.arange(6).reshape(2, 3)
    cases = [
        ((1, 0, 0, 0, 1, 0, 0, 0, 1), picture),
        ((0, -1, 0, 1, 0, 0, 0, 0, 1), np.rot90(picture, 1)),  # rotate=90
        ((0, 1, 0, -1, 0, 0, 0, 0, 1), np.rot90(picture, -1)),
        ((-1, 0, 0, 0, -1, 0, 0, 0, 1), np.rot90(picture, 2)),
        ((-1, 0, 0, 0, 1, 0, 0, 0, 1), picture[:, ::-1]),  # hflip
        ((1, 0, 0, 0, -1, 0, 0, 0, 1), picture[::-1]),  # vflip
        # transpose=cclock_flip: a plain transpose; clock_flip: the other.
        ((0, 1, 0, 1, 0, 0, 0, 0, 1), picture.T),
        ((0, -1, 0, -1, 0, 0, 0, 0, 1), picture[::-1, ::-1].T),
    ]
    for matrix, expected in cases:
      with self.subTest(matrix=matrix):
        np.testing.assert_array_equal(
            self._orientation(matrix).apply(picture), expected)

  def test_other_angles_are_refused(self):
    c = np.cos(np.radians(45))
    with self.assertRaisesRegex(errors.InputError,
                                'v.mp4 is tagged to be shown turned 315 '
                                'degrees, not a multiple of 90'):
      self._orientation((c, -c, 0, c, c, 0, 0, 0, 1))

  def test_a_patched_file_turns_as_its_matrix_says(self):
    path = os.path.join(self.create_tempdir().full_path, 'turned.mp4')
    shutil.copy(video_zoo.entry('h264.mp4').path, path)
    mp4_display_matrix.set_display_matrix(
        path, mp4_display_matrix.rotation_matrix(90, video_zoo.WIDTH,
                                                 video_zoo.HEIGHT))
    video = decoding.decode(path, lambda f: f)
    expected = np.rot90(video_zoo.source_frames(), -1, (1, 2))
    self.assertLess(_error(video.frames, expected), 4.0)
    self.assertEqual(video.display.corrections(), 'turned 90 clockwise')
    c = np.cos(np.radians(30))
    mp4_display_matrix.set_display_matrix(path, (c, 0.5, 0, -0.5, c, 0, 0, 0,
                                                 1))
    with self.assertRaisesRegex(errors.InputError, 'turned 30 degrees'):
      decoding.decode(path, lambda f: f)

  def test_unknown_colour_policy(self):
    with self.assertRaisesRegex(errors.InputError,
                                "unknown colour matrix 'bt2020': use one of "
                                'bt601, tagged'):
      decoding.decode(video_zoo.entry('h264.mp4').path, lambda f: f,
                      color_matrix='bt2020')


if __name__ == '__main__':
  absltest.main()
