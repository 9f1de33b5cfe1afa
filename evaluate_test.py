"""End-to-end test of evaluate.py: per stream and fused accuracy."""

import json
import os

from absl.testing import absltest
import numpy as np

from kinetics_i3d.models import checkpoints
from kinetics_i3d.testing import calibrated_models
from kinetics_i3d.testing import script_testing

_STREAMS = (('rgb', 3, 'RGB'), ('flow', 2, 'Flow'))
_TOLERANCE = 1e-4


def _top_1(logits, labels):
  return float(np.mean(np.argmax(logits, axis=1) == labels))


class EvaluateTest(absltest.TestCase):

  def test_joint_reports_each_stream_and_their_sum(self):
    root = self.create_tempdir().full_path
    rng = np.random.default_rng(0)
    labels = np.array([0, 1, 2])
    clips = {}
    for stream, channels, _ in _STREAMS:
      clips[stream] = [
          rng.uniform(-1, 1, (1, 9 + i % 2, 240, 250, channels)).astype(
              np.float32) for i in range(len(labels))
      ]
      for i, label in enumerate(labels):
        folder = os.path.join(root, 'data', 'abc'[label])
        os.makedirs(folder, exist_ok=True)
        np.save(os.path.join(folder, f'x{i}_{stream}.npy'), clips[stream][i])

    expected, wrong_crop = {}, {}
    for stream, channels, scope in _STREAMS:
      model = calibrated_models.calibrated_model(channels, 3, seed=channels)
      checkpoints.save(model, os.path.join(root, stream, 'model.ckpt-5'),
                       scope=scope)

      def run(crops, model=model):
        return np.concatenate(
            [model(c, is_training=False)[0].numpy() for c in crops])
      # The evaluation input: the whole clip, centre-cropped.
      expected[stream] = run([c[:, :, 8:232, 13:237] for c in clips[stream]])
      wrong_crop[stream] = run([clips[stream][0][:, :, :224, :224]])

    saved = os.path.join(root, 'logits.npz')
    result = script_testing.run(
        'evaluate.py', '--eval_type=joint', f'--rgb_checkpoint={root}/rgb',
        f'--flow_checkpoint={root}/flow', f'--data={root}/data', '--json',
        f'--logits_out={saved}')
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    with np.load(saved) as logits:
      np.testing.assert_array_equal(logits['labels'], labels)
      self.assertEqual(list(logits['class_names']), ['a', 'b', 'c'])
      for stream, _, _ in _STREAMS:
        np.testing.assert_allclose(logits[stream], expected[stream],
                                   atol=_TOLERANCE, rtol=_TOLERANCE)
        # Guard: the crop (or any other clip) moves the logits far more.
        self.assertGreater(
            np.abs(wrong_crop[stream] - expected[stream][:1]).max(),
            100 * _TOLERANCE)
    output = json.loads(result.stdout)
    self.assertEqual(output['clips'], len(labels))
    accuracy = output['accuracy']
    self.assertEqual(set(accuracy), {'rgb', 'flow', 'fused'})
    expected['fused'] = expected['rgb'] + expected['flow']
    for name, values in expected.items():
      self.assertAlmostEqual(accuracy[name]['top_1'], _top_1(values, labels),
                             msg=name)
      self.assertEqual(accuracy[name]['top_5'], 1.0)  # 3 classes.

  def test_unpaired_streams(self):
    root = self.create_tempdir().full_path
    for name in ('a', 'b'):
      os.makedirs(os.path.join(root, name))
      np.save(os.path.join(root, name, 'x_rgb.npy'),
              np.zeros((1, 9, 224, 224, 3), np.float32))
      np.save(os.path.join(root, name, 'y_flow.npy'),
              np.zeros((1, 9, 224, 224, 2), np.float32))
    result = script_testing.run_in_process('evaluate', '--eval_type=joint',
                                           f'--rgb_checkpoint={root}',
                                           f'--flow_checkpoint={root}',
                                           f'--data={root}')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: fused evaluation needs an X_flow.npy beside')


if __name__ == '__main__':
  absltest.main()
