"""End-to-end test of quantize.py (i3d-quantize) and --precision=int8."""

import json
import os
import shutil

import pytest
from absl.testing import absltest

from kinetics_i3d.downloads import registry_videos
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing


class QuantizeScriptTest(absltest.TestCase):

  @pytest.mark.slow
  def test_the_recipe_on_the_sample_videos_then_an_int8_classification(self):
    # The user cache of a first run, its sample videos already fetched.
    home = self.create_tempdir().full_path
    os.makedirs(os.path.join(home, 'videos'))
    for name in registry_videos.VIDEOS:
      shutil.copy(repo_paths.registry_video(name),
                  os.path.join(home, 'videos', name))
    env = {**os.environ, 'KINETICS_I3D_HOME': home}
    checkpoints = f'--checkpoint_dir={repo_paths.DATA_DIR}/checkpoints'
    result = script_testing.run('quantize.py', '--eval_type=rgb', checkpoints,
                                env=env)
    self.assertEqual(result.returncode, 0, result.stderr)
    lines = result.stdout.splitlines()
    self.assertEqual(lines[0],
                     'Calibrating on 2 videos, measuring on 1 held out.')
    self.assertRegex(lines[1], r'^rgb_imagenet: .*/int8/rgb_imagenet, '
                     r'calibrated on 220 crops; on 56 held-out clips: '
                     r'feature cosine mean 0\.99')
    model = os.path.join(home, 'int8', 'rgb_imagenet')
    with open(os.path.join(model, 'fidelity.json')) as f:
      fidelity = json.load(f)
    # The recipe's goal for the features.
    self.assertGreaterEqual(fidelity['mean_feature_cosine'], 0.995)
    # A second run does not replace it.
    again = script_testing.run('quantize.py', '--eval_type=rgb', checkpoints,
                               env=env)
    self.assertEqual(again.returncode, 1)
    self.assertIn('exists: pass --overwrite', again.stderr)

    # The cyclist, classified in int8 with the model just made.
    result = script_testing.run(
        'classify_video.py', repo_paths.registry_video('bikes.mp4'),
        '--eval_type=rgb', '--start_sec=4', '--end_sec=5.6', '--top_k=5',
        '--precision=int8', checkpoints, env=env)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertNotIn('calibrating', result.stderr)
    self.assertTrue(result.stdout.splitlines()[3].endswith(
        ' riding mountain bike'), result.stdout)


if __name__ == '__main__':
  absltest.main()
