"""The calibrated test models keep their signal and depend on their inputs."""

from absl.testing import absltest
import numpy as np

from kinetics_i3d.testing import calibrated_models


class CalibratedModelTest(absltest.TestCase):

  def test_every_layer_keeps_its_signal_and_the_logits_follow_the_input(self):
    model = calibrated_models.calibrated_model(2, num_classes=10, seed=3)
    rng = np.random.default_rng(0)
    clips = rng.uniform(-1, 1, (2, 16, 224, 224, 2)).astype(np.float32)
    logits, end_points = model(clips, is_training=False)
    # Unit variance before the ReLU leaves about 0.58 after it; with the
    # made-up statistics the tests used before, deep layers fell to ~1e-3.
    for name in ('Conv3d_1a_7x7', 'Mixed_3c', 'Mixed_4f', 'Mixed_5c'):
      self.assertBetween(float(np.std(end_points[name])), 0.3, 1.0, name)
    self.assertGreater(np.abs(logits[0] - logits[1]).max(), 0.1)
    # The same seed gives the same model.
    again = calibrated_models.calibrated_model(2, num_classes=10, seed=3)
    self.assertIsNot(again, model)
    np.testing.assert_allclose(again(clips, is_training=False)[0], logits,
                               atol=1e-5)


if __name__ == '__main__':
  absltest.main()
