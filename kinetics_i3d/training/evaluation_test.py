"""Tests of the evaluation logits and accuracies."""

import os

from absl.testing import absltest
import numpy as np

import i3d
from kinetics_i3d.datasets import training_data
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import inference
from kinetics_i3d.training import evaluation


class EvaluationTest(absltest.TestCase):

  def test_logits_of_whole_centre_cropped_clips_in_order(self):
    root = self.create_tempdir().full_path
    rng = np.random.default_rng(0)
    expected_inputs = []
    for name in ('a', 'b'):
      os.makedirs(os.path.join(root, name))
      for i in range(2):
        clip = rng.uniform(-1, 1, (1, 9 + 2 * i, 230, 240, 3))
        np.save(os.path.join(root, name, f'x{i}_rgb.npy'),
                clip.astype(np.float32))
        expected_inputs.append(clip[:, :, 3:227, 8:232].astype(np.float32))
    model = i3d.InceptionI3d(num_classes=2)
    checkpoints.build(model, 3)
    clips = training_data.load(root, 'rgb')
    logits, labels = evaluation.stream_logits(
        inference.Predictor({'rgb': model}), {'rgb': clips})
    expected = np.concatenate(
        [model(x, is_training=False)[0].numpy() for x in expected_inputs])
    self.assertEqual(clips.labels, [0, 0, 1, 1])
    self.assertEqual(labels.tolist(), [0, 0, 1, 1])
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)

  def test_accuracies_and_fusion(self):
    labels = np.array([0, 1, 2])
    rgb = np.array([[3.0, 2, 1], [3, 2, 1], [1, 2, 3]])
    flow = np.array([[0.0, 0, 0], [0, 5, 0], [0, 0, 0]])
    results = evaluation.report({'rgb': rgb, 'flow': flow}, labels, ks=(1, 2))
    self.assertEqual(results['rgb'], {'top_1': 2 / 3, 'top_2': 1.0})
    self.assertEqual(results['fused']['top_1'], 1.0)
    self.assertAlmostEqual(results['flow']['top_1'], 1 / 3 + 1 / 3)


if __name__ == '__main__':
  absltest.main()
