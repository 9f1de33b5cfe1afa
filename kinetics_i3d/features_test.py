"""Tests of window features against the plain model's Mixed_5c."""

import json
import os
import shutil
import tempfile

from absl.testing import absltest
import av
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import features
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inference
from kinetics_i3d.testing import calibrated_models
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos


class ExtractTest(absltest.TestCase):

  def test_matches_plain_model_mixed_5c(self):
    model = i3d.InceptionI3d()
    checkpoints.restore(model, repo_paths.registry_checkpoint(), 'RGB',
                        num_channels=3)
    clip = tf.random.stateless_uniform([1, 40, 224, 224, 3], [9, 9], -1,
                                       1).numpy()
    result = features.extract(inference.Predictor({'rgb': model}),
                              {'rgb': clip},
                              features.Protocol(window=16, stride=12),
                              start_sec=2.0, batch_size=2)
    self.assertEqual(result.features.shape, (3, 1024))
    np.testing.assert_allclose(result.start_sec, [2.0, 2.48, 2.96])
    np.testing.assert_allclose(result.end_sec, [2.64, 3.12, 3.6])
    np.testing.assert_allclose(result.center_sec, [2.32, 2.8, 3.28])
    self.assertEqual((result.fps, result.num_frames), (25.0, 40))
    for row, start in enumerate((0, 12, 24)):
      _, end_points = model(clip[:, start:start + 16], is_training=False)
      expected = tf.reduce_mean(end_points['Mixed_5c'], axis=[1, 2, 3])[0]
      np.testing.assert_allclose(result.features[row], expected, atol=1e-4,
                                 rtol=1e-4)

  def test_joint_concatenates_rgb_then_flow(self):
    models = {'rgb': calibrated_models.calibrated_model(3, seed=0),
              'flow': calibrated_models.calibrated_model(2, seed=1)}
    clips = {
        'rgb': np.random.default_rng(0).uniform(-1, 1, (1, 12, 224, 224, 3)),
        'flow': np.random.default_rng(1).uniform(-1, 1, (1, 12, 224, 224, 2))
    }
    joint = features.extract(inference.Predictor(models), clips)
    self.assertEqual(joint.features.shape, (1, 2048))
    self.assertEqual(tuple(joint.streams), ('rgb', 'flow'))
    halves = {'rgb': joint.features[:, :1024], 'flow': joint.features[:, 1024:]}
    for stream, model in models.items():
      alone = features.extract(inference.Predictor({stream: model}),
                               {stream: clips[stream]})
      np.testing.assert_allclose(halves[stream], alone.features, atol=1e-5)
    # Guard: the two streams' features differ far beyond the tolerance.
    self.assertGreater(np.abs(halves['rgb'] - halves['flow']).max(), 1e-3)

  def test_save_npz_and_npy_with_its_sidecar(self):
    result = features.Features(
        np.ones((2, 1024), np.float32), np.array([0.0, 0.16]),
        np.array([0.64, 0.8]), ('rgb',), features.PRESETS['thumos14'].protocol,
        25.0, 24)
    directory = self.create_tempdir().full_path
    result.save(directory + '/f.npz')
    loaded = np.load(directory + '/f.npz')
    np.testing.assert_array_equal(loaded['features'], result.features)
    np.testing.assert_array_equal(loaded['start_sec'], [0.0, 0.16])
    np.testing.assert_allclose(loaded['center_sec'], [0.32, 0.48])
    self.assertEqual(list(loaded['streams']), ['rgb'])
    self.assertEqual((int(loaded['window']), str(loaded['crops']),
                      bool(loaded['native_fps'])), (16, 'ten', True))
    result.save_npy(directory + '/f.npy', {'input': 'x.mp4'})
    np.testing.assert_array_equal(np.load(directory + '/f.npy'),
                                  result.features)
    with open(directory + '/f.json') as f:
      sidecar = json.load(f)
    self.assertEqual(sidecar['input'], 'x.mp4')
    self.assertEqual(sidecar['protocol'], {
        'fps': 'native', 'window': 16, 'stride': 4, 'center_windows': False,
        'crops': 'ten'})
    self.assertEqual(sidecar['rows'][1].keys(),
                     {'start_sec', 'center_sec', 'end_sec'})
    np.testing.assert_allclose(list(sidecar['rows'][1].values()),
                               [0.16, 0.48, 0.8])
    self.assertEqual((sidecar['shape'], sidecar['fps'], sidecar['num_frames']),
                     ([2, 1024], 25.0, 24))
    self.assertEqual(sorted(os.listdir(directory)),
                     ['f.json', 'f.npy', 'f.npz'])


class CropsTest(absltest.TestCase):
  """Ten crops and the full frame against the plain model on each view."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.models = {'rgb': calibrated_models.calibrated_model(3, seed=0),
                  'flow': calibrated_models.calibrated_model(2, seed=1)}
    rng = np.random.default_rng(0)
    # Whole resized frames, 256 x 300, float32 as stream_video(cropped=False)
    # gives.
    cls.frames = {s: rng.uniform(-1, 1, (1, 9, 256, 300, c)).astype(np.float32)
                  for s, c in (('rgb', 3), ('flow', 2))}

  def _mixed_5c(self, stream, clips):
    """Mixed_5c averaged over space and time, by the plain model, for each
    of a batch of clips."""
    _, end_points = self.models[stream](clips, is_training=False)
    return tf.reduce_mean(end_points['Mixed_5c'], axis=[1, 2, 3]).numpy()

  def _ten_views(self, stream):
    """The corners, the centre and their mirrors, cut here."""
    clip = self.frames[stream]
    views = []
    for top, left in ((0, 0), (0, 76), (32, 0), (32, 76), (16, 38)):
      views.append(clip[:, :, top:top + 224, left:left + 224])
    mirrors = [view[:, :, :, ::-1].copy() for view in views]
    if stream == 'flow':
      for mirror in mirrors:
        mirror[..., 0] *= -1  # Motion to the right becomes to the left.
    return np.concatenate(views + mirrors)

  def test_ten_crops_are_the_corners_the_centre_and_their_mirrors(self):
    for stream in ('rgb', 'flow'):
      np.testing.assert_array_equal(
          features.crop_views(self.frames[stream], stream, 'ten'),
          self._ten_views(stream), err_msg=stream)

  def test_ten_crops_average_the_views_features(self):
    # Flow, whose mirrors differ most from a plain flip.
    result = features.extract(inference.Predictor({'flow': self.models['flow']}),
                              {'flow': self.frames['flow']},
                              features.Protocol(window=9, crops='ten'))
    self.assertEqual(result.features.shape, (1, 1024))
    per_view = self._mixed_5c('flow', self._ten_views('flow'))
    expected = per_view.mean(axis=0)
    np.testing.assert_allclose(result.features[0], expected, atol=1e-4,
                               rtol=1e-4)
    # Guard: the centre crop alone is far from the ten crops' average.
    self.assertGreater(np.abs(per_view[4] - expected).max(), 100 * 1e-4)

  def test_full_frame_averages_the_whole_frame(self):
    result = features.extract(inference.Predictor({'rgb': self.models['rgb']}),
                              {'rgb': self.frames['rgb']},
                              features.Protocol(window=9, crops='full'))
    # The plain model cut at Mixed_5c (its logits pool fits only 224x224).
    cut = i3d.InceptionI3d(final_endpoint='Mixed_5c')
    checkpoints.build(cut, 3, initialize=False)
    values = {v.name: v for v in self.models['rgb'].variables}
    for variable in cut.variables:
      variable.assign(values[variable.name])
    features_5c, _ = cut(self.frames['rgb'], is_training=False)
    expected = tf.reduce_mean(features_5c, axis=[1, 2, 3]).numpy()[0]
    np.testing.assert_allclose(result.features[0], expected, atol=1e-4,
                               rtol=1e-4)
    centre = self._mixed_5c('rgb', self.frames['rgb'][:, :, 16:240, 38:262])
    self.assertGreater(np.abs(centre[0] - expected).max(), 100 * 1e-4)


class _PixelMeans:
  """Stands in for the RGB network where only the windows and their times
  are checked (the features' values are checked against the network above):
  each clip's feature is its mean pixel, at each of the network's time
  steps."""

  streams = ('rgb',)

  def __call__(self, inputs):
    clips = np.asarray(inputs['rgb'])
    steps = -(-clips.shape[1] // 8)
    means = clips.mean(axis=(1, 2, 3, 4))[:, None, None]
    return {'logits': np.zeros((len(clips), 400), np.float32),
            'rgb_features': np.broadcast_to(means, (len(clips), steps, 1024))}


class VideoTimesTest(absltest.TestCase):
  """Row counts and times at the video's own rate and resampled."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.predictor = _PixelMeans()
    cls.dir = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, cls.dir)
    frames = synthetic_videos.moving_texture(36, 32, 40, dx=0.5)
    cls.videos = {}
    for name, fps, times in (
        ('30', 30.0, None), ('24000_1001', 24000 / 1001, None),
        ('vfr', 25.0, np.cumsum([0] + [0.03, 0.05] * 17 + [0.03]))):
      cls.videos[name] = os.path.join(cls.dir, f'{name}.mkv')
      synthetic_videos.write_video(cls.videos[name], frames, fps=fps,
                                   times=times)

  def _times(self, name):
    """The frames' own timestamps, read here with PyAV."""
    with av.open(self.videos[name]) as container:
      stream = container.streams.video[0]
      times = np.array([f.time for f in container.decode(stream)])
      return times - times[0], float(stream.average_rate)

  def _features(self, name, **protocol):
    return features.video_features(self.videos[name],
                                   protocol=features.Protocol(**protocol),
                                   predictor=self.predictor, batch_size=4)

  def test_native_rates_keep_every_frame_at_its_time(self):
    for name in ('30', '24000_1001', 'vfr'):
      with self.subTest(name):
        times, fps = self._times(name)
        result = self._features(name, fps=None, window=9, stride=9)
        self.assertEqual((result.num_frames, result.fps), (36, fps))
        firsts = np.arange(0, 36 - 9 + 1, 9)  # (36 - 9) / 9 + 1 rows.
        self.assertLen(result.features, len(firsts))
        np.testing.assert_allclose(result.start_sec, times[firsts])
        np.testing.assert_allclose(result.end_sec,
                                   times[firsts + 8] + 1 / fps)

  def test_resampled_to_25_fps(self):
    result = self._features('30', fps=25.0, window=16, stride=4)
    self.assertEqual((result.num_frames, result.fps), (30, 25.0))  # 1.2 s.
    np.testing.assert_allclose(result.start_sec, [0, 0.16, 0.32, 0.48])
    np.testing.assert_allclose(result.center_sec, [0.32, 0.48, 0.64, 0.8])

  def test_centred_windows_reach_the_first_and_last_frames(self):
    result = self._features('30', fps=None, window=16, stride=7,
                            center_windows=True)
    times, _ = self._times('30')
    self.assertLen(result.features, 6)  # Centres 0, 7, ..., 35.
    np.testing.assert_allclose(result.center_sec, times[0:36:7])
    np.testing.assert_allclose(result.start_sec[0], -8 / 30)
    np.testing.assert_allclose(result.end_sec[-1], times[35] + 8 / 30)

  def test_a_window_longer_than_the_video_is_one_row_of_all_frames(self):
    result = self._features('30', fps=None, window=64, stride=64)
    self.assertLen(result.features, 1)
    self.assertEqual((result.start_sec[0], result.num_frames), (0.0, 36))

  def test_bad_protocols_are_one_line(self):
    for protocol, message in (
        (dict(stride=0), 'stride=0: both must be at least 1 frame'),
        (dict(window=8), 'window=8: the network needs at least 9 frames'),
        (dict(fps=0.0), 'fps=0: give a positive rate, or native'),
        (dict(crops='five'), "crops='five': give one of center, ten, full")):
      with self.subTest(message):
        with self.assertRaisesRegex(errors.InputError, message):
          self._features('30', **protocol)
    with self.assertRaisesRegex(errors.InputError,
                                "unknown preset 'thumos': the presets are "
                                'thumos14, activitynet'):
      features.preset('thumos')
    # Frames without increasing timestamps: no native rate to keep.
    frames = synthetic_videos.moving_texture(12, 32, 40)
    stamped = os.path.join(self.dir, 'same_times.mkv')
    synthetic_videos.write_video(stamped, frames, times=[0.0] * 12)
    with self.assertRaisesRegex(errors.InputError,
                                'same_times.mkv has no native frame rate '
                                r'\(two frames at 0.000 s.*--fps=25'):
      features.video_features(
          stamped, protocol=features.Protocol(fps=None, window=9),
          predictor=self.predictor)


if __name__ == '__main__':
  absltest.main()
