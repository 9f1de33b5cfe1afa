"""End-to-end test of evaluate.py: per stream and fused accuracy."""

import json
import os

from absl.testing import absltest
import numpy as np

import i3d
from kinetics_i3d.models import checkpoints
from kinetics_i3d.testing import script_testing


def _top_1(logits, labels):
  return float(np.mean(np.argmax(logits, axis=1) == labels))


class EvaluateTest(absltest.TestCase):

  def test_joint_reports_each_stream_and_their_sum(self):
    root = self.create_tempdir().full_path
    rng = np.random.default_rng(0)
    clips = {'rgb': [], 'flow': []}
    labels = []
    for label, name in enumerate(('a', 'b', 'c')):
      os.makedirs(os.path.join(root, 'data', name))
      for i in range(2):
        for stream, channels in (('rgb', 3), ('flow', 2)):
          clip = rng.uniform(-1, 1, (1, 9 + i, 240, 250, channels))
          np.save(os.path.join(root, 'data', name, f'x{i}_{stream}.npy'),
                  clip.astype(np.float32))
          # The evaluation input: the whole clip, centre-cropped.
          clips[stream].append(clip[:, :, 8:232, 13:237].astype(np.float32))
        labels.append(label)
    labels = np.array(labels)

    logits = {}
    for stream, channels in (('rgb', 3), ('flow', 2)):
      model = i3d.InceptionI3d(num_classes=3)
      checkpoints.build(model, channels)
      for v in model.variables:
        if v.name.endswith('conv_3d/b:0'):
          v.assign(rng.normal(0, 1, v.shape).astype(np.float32))
      checkpoints.save(model, os.path.join(root, stream, 'model.ckpt-5'),
                       scope='RGB' if stream == 'rgb' else 'Flow')
      logits[stream] = np.concatenate(
          [model(c, is_training=False)[0].numpy() for c in clips[stream]])

    result = script_testing.run(
        'evaluate.py', '--stream=joint', f'--rgb_checkpoint={root}/rgb',
        f'--flow_checkpoint={root}/flow', f'--data={root}/data', '--json')
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    output = json.loads(result.stdout)
    self.assertEqual(output['clips'], 6)
    accuracy = output['accuracy']
    self.assertEqual(set(accuracy), {'rgb', 'flow', 'fused'})
    expected = dict(logits, fused=logits['rgb'] + logits['flow'])
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
    result = script_testing.run('evaluate.py', '--stream=joint',
                                f'--rgb_checkpoint={root}',
                                f'--flow_checkpoint={root}', f'--data={root}')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: fused evaluation needs an X_flow.npy beside')


if __name__ == '__main__':
  absltest.main()
