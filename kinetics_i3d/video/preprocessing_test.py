"""Tests for the RGB and Flow preprocessing, on real encoded videos."""

import os
import shutil
import tempfile

from absl.testing import absltest
import av
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d.models import i3d
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.video import gifs
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import preprocessing

# RGB tolerance, in units of the [-1, 1] output: OpenCV and TensorFlow
# bilinear resizes of the same float32 pixels agree to float round-off.
_RGB_TOLERANCE = 1e-4


def _decode_all(path):
  with av.open(path) as container:
    return np.stack([f.to_ndarray(format='rgb24')
                     for f in container.decode(video=0)])


class RgbTest(absltest.TestCase):

  def _check_against_tf_resize(self, path, expected_resized):
    clip = preprocessing.preprocess_video(path, flow=False)
    frames = _decode_all(path)  # 25 fps sources: no resampling.
    resized = tf.image.resize(frames.astype(np.float32), expected_resized,
                              method='bilinear', antialias=False).numpy()
    top = (expected_resized[0] - 224) // 2
    left = (expected_resized[1] - 224) // 2
    expected = resized[:, top:top + 224, left:left + 224] / 127.5 - 1.0
    self.assertEqual(clip.rgb.shape, (1, len(frames), 224, 224, 3))
    self.assertEqual(clip.rgb.dtype, np.float32)
    np.testing.assert_allclose(clip.rgb[0], expected, atol=_RGB_TOLERANCE)

  def test_downscaled_wide_video_matches_tf_image_resize(self):
    path = os.path.join(self.create_tempdir().full_path, 'wide.mkv')
    frames = synthetic_videos.moving_texture(10, 300, 480, dx=3, seed=1)
    synthetic_videos.write_video(path, frames, fps=25)
    self._check_against_tf_resize(path, (256, 410))

  def test_upscaled_tall_video_matches_tf_image_resize(self):
    path = os.path.join(self.create_tempdir().full_path, 'tall.mkv')
    frames = synthetic_videos.moving_texture(10, 200, 150, dy=1, seed=2)
    synthetic_videos.write_video(path, frames, fps=25)
    self._check_against_tf_resize(path, (341, 256))

  def test_real_h264_video_from_the_package_index(self):
    path = repo_paths.registry_video('bikes.mp4')
    clip = preprocessing.preprocess_video(path, flow=False, start_sec=4.0,
                                          end_sec=5.6)
    self.assertEqual(clip.rgb.shape, (1, 40, 224, 224, 3))
    np.testing.assert_allclose(clip.times, 4.0 + np.arange(40) / 25)
    self.assertGreaterEqual(clip.rgb.min(), -1.0)
    self.assertLessEqual(clip.rgb.max(), 1.0)
    self.assertGreater(clip.rgb.std(), 0.2)

  def test_resized_shape(self):
    self.assertEqual(preprocessing.resized_shape(272, 640), (256, 602))
    self.assertEqual(preprocessing.resized_shape(720, 1280), (256, 455))
    self.assertEqual(preprocessing.resized_shape(144, 176), (256, 313))
    self.assertEqual(preprocessing.resized_shape(256, 256), (256, 256))

  def test_crops(self):
    rng = np.random.default_rng(0)
    for _ in range(50):
      top, left = preprocessing.random_crop_offsets(256, 300, rng)
      self.assertBetween(top, 0, 32)
      self.assertBetween(left, 0, 76)
    self.assertEqual(preprocessing.center_crop_offsets(256, 341), (16, 58))

  def test_min_frames_matches_the_network(self):
    self.assertEqual(preprocessing.MIN_FRAMES, i3d.min_input_size()[0])


class FlowTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.dir = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, cls.dir)

  def _clip(self, name, dx, dy, num_frames=10, size=256):
    path = os.path.join(self.dir, name)
    frames = synthetic_videos.moving_texture(num_frames, size, size, dx=dx,
                                             dy=dy, seed=3)
    synthetic_videos.write_video(path, frames, fps=25)
    return preprocessing.preprocess_video(path), frames

  def test_pattern_moving_right_and_up_gives_its_x_and_y_flow(self):
    # Right by 2 pixels and up by 3 a frame: x then y, each with its sign.
    clip, frames = self._clip('right_up.mkv', dx=2.0, dy=-3.0)
    self.assertEqual(clip.flow.shape, (1, 9, 224, 224, 2))
    self.assertEqual(clip.rgb.shape, (1, 9, 224, 224, 3))
    centre = clip.flow[0, :, 32:-32, 32:-32] * preprocessing.FLOW_BOUND
    self.assertAlmostEqual(float(np.median(centre[..., 0])), 2.0, delta=0.1)
    self.assertAlmostEqual(float(np.median(centre[..., 1])), -3.0, delta=0.15)
    # RGB frame t is decoded frame t + 1: the end of flow frame t.
    expected_rgb = frames[1:, 16:240, 16:240] / 127.5 - 1.0
    np.testing.assert_allclose(clip.rgb[0], expected_rgb, atol=_RGB_TOLERANCE)

  def test_rgb_and_flow_crops_line_up_on_a_non_square_video(self):
    # A bright textured patch moves right over a still dark texture, off the
    # centre of a 320x240 video (resized to 341x256, cropped at (16, 58)).
    rng = np.random.default_rng(5)
    background = rng.integers(0, 80, (240, 320, 1)).repeat(3, axis=2)
    patch = rng.integers(180, 256, (48, 48, 1)).repeat(3, axis=2)
    frames = np.stack([background] * 10).astype(np.uint8)
    for t in range(10):
      frames[t, 90:138, 190 + 3 * t:238 + 3 * t] = patch
    path = os.path.join(self.dir, 'patch.mkv')
    synthetic_videos.write_video(path, frames, fps=25)
    clip = preprocessing.preprocess_video(path)
    bright = clip.rgb[0].mean(axis=-1) > 0.4
    moving = np.abs(clip.flow[0, ..., 0]) * preprocessing.FLOW_BOUND > 1.0

    def overlap(a, b):
      return np.logical_and(a, b).sum() / np.logical_or(a, b).sum()

    self.assertGreater(bright.sum(), 9 * 30 * 30)  # The patch is in the crop.
    self.assertGreater(overlap(bright, moving), 0.85)  # 0.91 here.
    # The measure sees a crop 16 pixels off (0.59 here; 58 pixels: 0).
    self.assertLess(overlap(bright, np.roll(moving, 16, axis=2)), 0.7)

  def test_flow_is_truncated_to_20_pixels(self):
    np.testing.assert_allclose(
        preprocessing.rescale_flow(np.array([-35.0, -20, -5, 0, 10, 20.5])),
        [-1.0, -1.0, -0.25, 0.0, 0.5, 1.0])

  def test_static_video_gives_zero_flow(self):
    clip, _ = self._clip('static.mkv', dx=0.0, dy=0.0)
    self.assertLess(np.abs(clip.flow).max() * preprocessing.FLOW_BOUND, 0.05)

  def test_workers_give_the_same_flow(self):
    frames = [synthetic_videos.moving_texture(5, 96, 96, dx=1.0, seed=4)[i,
                                                                       ..., 0]
              for i in range(5)]
    one = optical_flow.tvl1_flow(frames, workers=1, window=(8, 8, 64))
    two = optical_flow.tvl1_flow(frames, workers=2, window=(8, 8, 64))
    self.assertEqual(one.shape, (4, 64, 64, 2))
    np.testing.assert_allclose(one, two, atol=1e-5)

  def test_too_short(self):
    path = os.path.join(self.dir, 'short.mkv')
    synthetic_videos.write_video(
        path, synthetic_videos.moving_texture(9, 64, 64), fps=25)
    with self.assertRaisesRegex(errors.InputError,
                                'gives 9 frames at 25 fps; the network needs '
                                r'at least 9 \(so 10 decoded frames, 0.40 s '
                                r'with flow\)'):
      preprocessing.preprocess_video(path)
    clip = preprocessing.preprocess_video(path, flow=False)
    self.assertEqual(clip.rgb.shape[1], 9)


class GifTest(absltest.TestCase):

  def test_visualisations_round_trip(self):
    rng = np.random.default_rng(5)
    rgb = np.repeat(np.repeat(rng.uniform(-1, 1, (1, 4, 8, 8, 3)), 8, 2), 8, 3)
    flow = np.clip(rng.normal(0, 0.2, (1, 4, 64, 64, 2)), -0.5, 0.5)
    directory = self.create_tempdir().full_path
    gifs.write_gif(os.path.join(directory, 'rgb.gif'),
                   gifs.rgb_visualisation(rgb.astype(np.float32)))
    gifs.write_gif(os.path.join(directory, 'flow.gif'),
                   gifs.flow_visualisation(flow.astype(np.float32)))
    back_rgb = gifs.rgb_sample_from_gif(os.path.join(directory, 'rgb.gif'))
    back_flow = gifs.flow_sample_from_gif(os.path.join(directory, 'flow.gif'))
    self.assertEqual(back_rgb.shape, rgb.shape)
    self.assertEqual(back_flow.shape, flow.shape)
    # A 256-colour palette (3 bits red and green, 2 blue): coarse but close.
    self.assertLess(np.abs(back_rgb - rgb).mean(), 0.15)
    self.assertLess(np.abs(back_flow - flow).mean(), 0.08)
    frames = gifs.read_gif_frames(os.path.join(directory, 'flow.gif'))
    self.assertEqual(int(frames[..., 2].max()), 0)


if __name__ == '__main__':
  absltest.main()
