"""Tests of the one-line API, on a cache prepared here.

The cache holds the registry's real rgb_imagenet and, as flow_imagenet, a
calibrated random flow model; the release is out of reach (conftest).
"""

import os
import shutil
import tempfile
from unittest import mock

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import pretrained
from kinetics_i3d.downloads import cache
from kinetics_i3d.models import checkpoints
from kinetics_i3d.testing import calibrated_models
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.video import decoding

# The folded float32 network against the Sonnet model: float32 round-off
# (6e-8) in sums of up to 13k products, about 1e-5 relative per layer, through
# the 22 layers of the longest path: up to a few 1e-4 relative.
_TOLERANCE = dict(rtol=1e-3, atol=1e-3)
_LOGITS_TOLERANCE = 1e-2  # Logits of about 15.


def _prepare_cache(home: str) -> None:
  rgb = os.path.join(home, 'checkpoints', 'rgb_imagenet')
  os.makedirs(rgb)
  registry = repo_paths.registry_checkpoint()
  for suffix in ('.index', '.data-00000-of-00001'):
    os.symlink(registry + suffix, os.path.join(rgb, 'model.ckpt' + suffix))
  checkpoints.save(calibrated_models.calibrated_model(2, seed=1),
                   os.path.join(home, 'checkpoints', 'flow_imagenet',
                                'model.ckpt'), scope='Flow')


class PretrainedTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.home = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, cls.home)
    _prepare_cache(cls.home)
    cls.environment = mock.patch.dict(os.environ, {cache.HOME_ENV: cls.home})
    cls.environment.start()
    cls.addClassCleanup(cls.environment.stop)
    # The cyclist of bikes.mp4 (16 frames from 4.4 s), as uint8 frames.
    video = decoding.decode(repo_paths.registry_video('bikes.mp4'),
                            lambda frame: frame, start_sec=4.4, end_sec=5.04)
    cls.frames = np.stack(video.frames)[None]
    cls.clip = pretrained.transform(cls.frames)
    cls.model = pretrained.load('rgb_imagenet')
    cls.logits, endpoints = cls.model(cls.clip, is_training=False)
    cls.mixed_5c = endpoints['Mixed_5c'].numpy()

  def test_names_and_info(self):
    self.assertEqual(pretrained.names(), [
        'rgb_imagenet', 'flow_imagenet', 'rgb_scratch', 'flow_scratch',
        'rgb_scratch_kin600'
    ])
    info = pretrained.info('rgb_scratch_kin600')
    self.assertEqual((info.stream, info.num_classes, info.num_channels),
                     ('rgb', 600, 3))
    with self.assertRaisesRegex(errors.InputError,
                                "'rgb_kin700'.*rgb_imagenet.*rgb600"):
      pretrained.info('rgb_kin700')

  def test_load_restores_every_variable_from_the_cache(self):
    reader = tf.train.load_checkpoint(repo_paths.registry_checkpoint())
    self.assertLen(self.model.variables, 230)
    for variable in self.model.variables:
      stored = reader.get_tensor('RGB/' + variable.name[:-len(':0')])
      np.testing.assert_array_equal(variable.numpy().reshape(stored.shape),
                                    stored, variable.name)

  def test_feature_extractor_is_the_model_cut_at_mixed_5c(self):
    extractor = pretrained.load('rgb_imagenet', final_endpoint='Mixed_5c')
    self.assertLen(extractor.variables, 228)  # No logits kernel and bias.
    features, _ = extractor(self.clip, is_training=False)
    np.testing.assert_allclose(features, self.mixed_5c, rtol=1e-6, atol=1e-6)

  def test_transform_is_resize_crop_rescale(self):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (2, 3, 120, 160, 3), np.uint8)
    clips = pretrained.transform(frames)
    self.assertEqual(clips.shape, (2, 3, 224, 224, 3))
    # Independently: TensorFlow's bilinear resize to a 256-pixel short side,
    # the centre 224 crop, [0, 255] to [-1, 1].
    resized = tf.image.resize(frames.reshape(6, 120, 160, 3).astype(
        np.float32), (256, 341), 'bilinear').numpy()
    expected = resized[:, 16:240, 58:282] / 127.5 - 1.0
    np.testing.assert_allclose(clips.reshape(6, 224, 224, 3), expected,
                               atol=1e-4)
    np.testing.assert_array_equal(pretrained.transform(frames[0])[0],
                                  clips[0])
    with self.assertRaisesRegex(ValueError, 'uint8'):
      pretrained.transform(clips)

  def test_predictor_runs_the_model(self):
    run = pretrained.predictor(['rgb_imagenet'])
    self.assertEqual((run.streams, run.precision), (('rgb',), 'float32'))
    out = run(rgb=self.clip)
    np.testing.assert_allclose(out['logits'], self.logits,
                               atol=_LOGITS_TOLERANCE)
    np.testing.assert_allclose(out['features'],
                               self.mixed_5c.mean(axis=(1, 2, 3)),
                               **_TOLERANCE)
    # Guard: the clip upside down moves the logits far beyond the tolerance.
    other = run(rgb=self.clip[:, :, ::-1])['logits']
    self.assertGreater(np.abs(other - out['logits']).max(),
                       100 * _LOGITS_TOLERANCE)
    with self.assertRaisesRegex(ValueError, 'missing.*flow'):
      run(flow=self.clip[..., :2])

  def test_joint_predictor_sums_logits_and_concatenates_features(self):
    run = pretrained.predictor(['rgb_imagenet', 'flow_imagenet'])
    flow = np.random.default_rng(1).uniform(
        -1, 1, self.clip.shape[:-1] + (2,)).astype(np.float32)
    out = run(rgb=self.clip, flow=flow)
    flow_model = pretrained.load('flow_imagenet')
    flow_logits, flow_ends = flow_model(flow, is_training=False)
    np.testing.assert_allclose(out['logits'], self.logits + flow_logits,
                               atol=2 * _LOGITS_TOLERANCE)
    self.assertEqual(out['features'].shape, (1, 2048))
    np.testing.assert_allclose(out['features'][:, :1024],
                               self.mixed_5c.mean(axis=(1, 2, 3)),
                               **_TOLERANCE)
    np.testing.assert_allclose(
        out['features'][:, 1024:],
        np.mean(flow_ends['Mixed_5c'], axis=(1, 2, 3)), **_TOLERANCE)
    self.assertGreater(np.abs(flow_logits).max(), 100 * _LOGITS_TOLERANCE)

  def test_predictor_refuses_what_cannot_be_combined(self):
    with self.assertRaisesRegex(errors.InputError, 'one checkpoint per stream'):
      pretrained.predictor(['rgb_imagenet', 'rgb_scratch'])
    with self.assertRaisesRegex(errors.InputError, 'different classes'):
      pretrained.predictor(['rgb_scratch_kin600', 'flow_imagenet'])

  def test_categories(self):
    names = pretrained.categories('flow_imagenet')
    self.assertLen(names, 400)
    self.assertEqual((names[0], names[-1]), ('abseiling', 'zumba'))
    # Kinetics-600's list comes only with the release, out of reach here.
    with self.assertRaisesRegex(
        cache.NotCachedError,
        f'i3d-fetch --source=original` fills the cache {self.home}'):
      pretrained.categories('rgb_scratch_kin600')

  def test_a_checkpoint_that_cannot_be_had_is_one_clear_error(self):
    with self.assertRaisesRegex(cache.NotCachedError,
                                'rgb_scratch is not in the cache .*'
                                'needs internet access.*i3d-fetch'):
      pretrained.load('rgb_scratch')


if __name__ == '__main__':
  absltest.main()
