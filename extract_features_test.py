"""End-to-end tests of extract_features.py."""

import os

from absl.testing import absltest
import numpy as np

import i3d
from kinetics_i3d.models import checkpoints
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing


def _run(*args):
  return script_testing.run('extract_features.py', *args)


class ExtractFeaturesTest(absltest.TestCase):

  def test_video_and_folder_resume_and_failures(self):
    root = self.create_tempdir().full_path
    clips = os.path.join(root, 'clips')
    os.makedirs(clips)
    rng = np.random.default_rng(0)
    np.save(os.path.join(clips, 'a_rgb.npy'),
            rng.uniform(-1, 1, (1, 20, 224, 224, 3)).astype(np.float32))
    np.save(os.path.join(clips, 'bad_rgb.npy'),
            np.zeros((1, 20, 100, 100, 3), np.float32))
    out = os.path.join(root, 'out')
    video = repo_paths.registry_video('bikes.mp4')
    result = _run(video, clips, f'--out={out}', '--window=100', '--stride=50')
    self.assertEqual(result.returncode, 1, result.stderr)
    self.assertIn('2 written, 0 already there, 1 failed', result.stdout)
    self.assertRegex(result.stderr, r'failed: .*bad_rgb.npy: .*has shape '
                     r'\[1, 20, 100, 100, 3\]')
    bikes = np.load(os.path.join(out, 'bikes.npz'))
    self.assertEqual(bikes['features'].shape, (4, 1024))
    np.testing.assert_allclose(bikes['start_sec'], [0, 2, 4, 6])
    a = np.load(os.path.join(out, 'a.npz'))
    self.assertEqual(a['features'].shape, (1, 1024))

    result = _run(video, os.path.join(clips, 'a_rgb.npy'), f'--out={out}')
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn('0 written, 2 already there, 0 failed', result.stdout)

  def test_joint_needs_both_clips(self):
    root = self.create_tempdir().full_path
    # Both checkpoints are there (zero flow weights will do), so the missing
    # flow clip is what stops the run.
    checkpoint_dir = os.path.join(root, 'checkpoints')
    os.makedirs(os.path.join(checkpoint_dir, 'rgb_imagenet'))
    registry = repo_paths.registry_checkpoint()
    for suffix in ('.index', '.data-00000-of-00001'):
      os.symlink(registry + suffix, os.path.join(
          checkpoint_dir, 'rgb_imagenet', 'model.ckpt' + suffix))
    flow = i3d.InceptionI3d()
    checkpoints.build(flow, 2, initialize=False)
    checkpoints.save(flow, os.path.join(checkpoint_dir, 'flow_imagenet',
                                        'model.ckpt'), scope='Flow')
    np.save(os.path.join(root, 'x_rgb.npy'),
            np.zeros((1, 9, 224, 224, 3), np.float32))
    result = _run(os.path.join(root, 'x_rgb.npy'), f'--out={root}/out',
                  '--eval_type=joint', f'--checkpoint_dir={checkpoint_dir}')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     r'failed: .*no sample at .*x_flow.npy')
    self.assertNotIn('Traceback', result.stderr)


if __name__ == '__main__':
  absltest.main()
