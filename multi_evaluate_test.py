"""Test of multi_evaluate.sh: every combination, scratch ones included."""

import os
import subprocess
import sys

from absl.testing import absltest
import numpy as np
import tensorflow as tf

import i3d
from kinetics_i3d.models import checkpoints
from kinetics_i3d.testing import repo_paths

_CHECKPOINTS = {  # name: (channels, classes, scope)
    'rgb_imagenet': (3, 400, 'RGB'),
    'rgb_scratch': (3, 400, 'RGB'),
    'flow_imagenet': (2, 400, 'Flow'),
    'flow_scratch': (2, 400, 'Flow'),
    'rgb_scratch_kin600': (3, 600, 'RGB'),
}


class MultiEvaluateTest(absltest.TestCase):

  def test_every_combination_and_scratch_differs_from_imagenet(self):
    root = self.create_tempdir().full_path
    for seed, (name, (channels, classes, scope)) in enumerate(
        _CHECKPOINTS.items()):
      tf.random.set_seed(seed)
      model = i3d.InceptionI3d(classes)
      checkpoints.build(model, channels)
      checkpoints.save(model, os.path.join(root, name, 'model.ckpt'),
                       scope=scope)
    rng = np.random.default_rng(0)
    for stream, channels in (('rgb', 3), ('flow', 2)):
      np.save(os.path.join(root, f'{stream}.npy'),
              rng.uniform(-1, 1, (1, 9, 224, 224, channels)).astype(np.float32))
    with open(os.path.join(root, 'label_map_600.txt'), 'w') as f:
      f.write(''.join(f'class {i}\n' for i in range(600)))
    out = os.path.join(root, 'out')

    result = subprocess.run(
        ['bash', 'multi_evaluate.sh', sys.executable, out,
         f'--checkpoint_dir={root}', f'--rgb_sample={root}/rgb.npy',
         f'--flow_sample={root}/flow.npy',
         f'--label_map_600={root}/label_map_600.txt'],
        cwd=repo_paths.ROOT, capture_output=True, text=True, check=False,
        timeout=600)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    outputs = {}
    for name in ('imagenet_joint', 'imagenet_flow', 'imagenet_rgb',
                 'no_imagenet_rgb600', 'no_imagenet_joint', 'no_imagenet_flow',
                 'no_imagenet_rgb'):
      with open(os.path.join(out, f'{name}.txt')) as f:
        outputs[name] = f.read()
      lines = outputs[name].splitlines()
      self.assertRegex(lines[0], r'^Norm of logits: \d+\.\d{6}$')
      self.assertLen(lines, 23)
    self.assertEqual(sorted(os.listdir(out)),
                     sorted(f'{n}.txt' for n in outputs))
    for stream in ('joint', 'flow', 'rgb'):
      self.assertNotEqual(outputs[f'imagenet_{stream}'],
                          outputs[f'no_imagenet_{stream}'])
    self.assertIn(' class ', outputs['no_imagenet_rgb600'])


if __name__ == '__main__':
  absltest.main()
