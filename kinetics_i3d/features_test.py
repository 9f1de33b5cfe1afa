"""Tests of window features against the plain model's Mixed_5c."""

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from kinetics_i3d import features
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inference
from kinetics_i3d.testing import calibrated_models
from kinetics_i3d.testing import repo_paths


class ExtractTest(absltest.TestCase):

  def test_matches_plain_model_mixed_5c(self):
    model = i3d.InceptionI3d()
    checkpoints.restore(model, repo_paths.registry_checkpoint(), 'RGB',
                        num_channels=3)
    clip = tf.random.stateless_uniform([1, 40, 224, 224, 3], [9, 9], -1,
                                       1).numpy()
    result = features.extract(inference.Predictor({'rgb': model}),
                              {'rgb': clip}, window=16, stride=12,
                              start_sec=2.0, batch_size=2)
    self.assertEqual(result.features.shape, (3, 1024))
    np.testing.assert_allclose(result.start_sec, [2.0, 2.48, 2.96])
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

  def test_save(self):
    result = features.Features(np.ones((2, 1024), np.float32),
                               np.array([0.0, 2.56]), ('rgb',), 64, 64)
    path = self.create_tempdir().full_path + '/f.npz'
    result.save(path)
    loaded = np.load(path)
    np.testing.assert_array_equal(loaded['features'], result.features)
    np.testing.assert_array_equal(loaded['start_sec'], [0.0, 2.56])
    self.assertEqual(list(loaded['streams']), ['rgb'])
    self.assertEqual(int(loaded['window']), 64)


if __name__ == '__main__':
  absltest.main()
