"""Tests of the evaluation logits and accuracies."""

import os

from absl.testing import absltest
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.datasets import training_data
from kinetics_i3d.models import inference
from kinetics_i3d.testing import calibrated_models
from kinetics_i3d.training import evaluation


class EvaluationTest(absltest.TestCase):

  def test_logits_of_whole_centre_cropped_clips_in_order(self):
    root = self.create_tempdir().full_path
    rng = np.random.default_rng(0)
    whole_clips = []
    for name in ('a', 'b'):
      os.makedirs(os.path.join(root, name))
      for i in range(2):
        clip = rng.uniform(-1, 1, (1, 9 + 2 * i, 230, 240, 3))
        np.save(os.path.join(root, name, f'x{i}_rgb.npy'),
                clip.astype(np.float32))
        whole_clips.append(clip.astype(np.float32))
    model = calibrated_models.calibrated_model(3, num_classes=2)
    clips = training_data.load(root, 'rgb')
    logits, labels = evaluation.stream_logits(
        inference.Predictor({'rgb': model}), {'rgb': clips})

    def plain_logits(clips, top, left):
      return np.concatenate([
          model(x[:, :, top:top + 224, left:left + 224],
                is_training=False)[0].numpy() for x in clips
      ])
    expected = plain_logits(whole_clips, 3, 8)  # The centre crop.
    self.assertEqual(clips.labels, [0, 0, 1, 1])
    self.assertEqual(labels.tolist(), [0, 0, 1, 1])
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)
    # Guard: the top-left crop moves the logits far beyond the tolerance.
    self.assertGreater(
        np.abs(plain_logits(whole_clips[:1], 0, 0) - expected[:1]).max(), 1e-2)

  def test_saved_logits_and_no_overwrite(self):
    path = os.path.join(self.create_tempdir().full_path, 'logits.npz')
    rgb = np.arange(6, dtype=np.float32).reshape(2, 3)
    evaluation.save_logits(path, {'rgb': rgb}, np.array([2, 0]),
                           ['a', 'b', 'c'])
    with np.load(path) as saved:
      np.testing.assert_array_equal(saved['rgb'], rgb)
      np.testing.assert_array_equal(saved['labels'], [2, 0])
      self.assertEqual(list(saved['class_names']), ['a', 'b', 'c'])
    with self.assertRaisesRegex(errors.ExistingOutputError,
                                'logits.npz exists: give another'):
      evaluation.save_logits(path, {'rgb': rgb * 0}, np.array([0, 0]), 'abc')
    with np.load(path) as saved:
      np.testing.assert_array_equal(saved['rgb'], rgb)

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
