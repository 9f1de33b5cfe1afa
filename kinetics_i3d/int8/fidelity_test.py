"""Tests of the int8 fidelity figures, on outputs made by hand."""

import numpy as np
from absl.testing import absltest

from kinetics_i3d.int8 import fidelity


class CompareTest(absltest.TestCase):

  def test_figures_of_known_outputs(self):
    reference_logits = np.array([[5., 4, 3, 2, 1, 0], [0, 1, 2, 3, 4, 5]])
    # Clip 1: same order. Clip 2: the top two swapped, and a class from
    # outside the top 5 (index 0) moved into it.
    logits = np.array([[5., 4, 3, 2, 1, 0], [9, 1, 2, 3, 5, 4]])
    reference_features = np.array([[1., 0], [1, 1]])
    features = np.array([[2., 0], [1, 0]])  # cosines 1 and 1/sqrt(2)
    result = fidelity.compare(reference_logits, reference_features, logits,
                              features)
    self.assertEqual(result.clips, 2)
    self.assertAlmostEqual(result.mean_feature_cosine,
                           (1 + 0.5 ** 0.5) / 2, places=12)
    self.assertAlmostEqual(result.worst_feature_cosine, 0.5 ** 0.5,
                           places=12)
    self.assertEqual(result.top1_agreement, 0.5)
    self.assertAlmostEqual(result.top5_agreement, (1 + 4 / 5) / 2)
    self.assertEqual(result.max_logit_difference, 9)
    self.assertAlmostEqual(result.max_logit_norm, 55 ** 0.5)
    self.assertEqual(set(result.shortfalls()),
                     {'mean_feature_cosine', 'top1_agreement'})
    self.assertEqual(fidelity.Fidelity.from_json(result.to_json()), result)
    self.assertIn('top-1 agreement 50.0%', result.summary())

  def test_identical_outputs_meet_the_goals(self):
    logits = np.random.default_rng(0).normal(size=(3, 400))
    features = np.abs(logits[:, :8])
    result = fidelity.compare(logits, features, logits.copy(),
                              features.copy())
    self.assertEqual(result.shortfalls(), {})
    self.assertEqual(result.max_logit_difference, 0)

  def test_mismatched_shapes_are_refused(self):
    with self.assertRaisesRegex(ValueError, 'differ in shape'):
      fidelity.compare(np.zeros((2, 4)), np.ones((2, 3)), np.zeros((1, 4)),
                       np.ones((1, 3)))


if __name__ == '__main__':
  absltest.main()
