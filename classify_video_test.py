"""End-to-end tests of classify_video.py on a real video."""

import json

from absl.testing import absltest

from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing


def _run(*args):
  return script_testing.run('classify_video.py', *args)


class ClassifyVideoTest(absltest.TestCase):

  def test_cyclist_is_riding_a_bike(self):
    video = repo_paths.registry_video('bikes.mp4')
    result = _run(video, '--eval_type=rgb', '--start_sec=4', '--end_sec=5.6',
                  '--top_k=5', f'--checkpoint_dir={repo_paths.DATA_DIR}'
                  '/checkpoints')
    self.assertEqual(result.returncode, 0, result.stderr)
    lines = result.stdout.splitlines()
    self.assertRegex(lines[0], r'^Norm of logits: \d+\.\d{6}$')
    self.assertEqual(lines[1:3], ['', 'Top classes and probabilities'])
    self.assertLen(lines, 8)
    self.assertTrue(lines[3].endswith(' riding mountain bike'), lines[3])

    result = _run(video, '--eval_type=rgb', '--start_sec=4', '--end_sec=5.6',
                  '--top_k=3', '--json')
    self.assertEqual(result.returncode, 0, result.stderr)
    output = json.loads(result.stdout)
    self.assertEqual(output['streams'], ['rgb'])
    self.assertEqual(output['frames'], 40)
    self.assertEqual([c['class'] for c in output['top_classes']][0],
                     'riding mountain bike')
    self.assertLen(output['top_classes'], 3)
    self.assertGreater(output['top_classes'][0]['probability'], 0.5)

  def test_joint_runs_the_streams_it_has(self):
    result = _run(repo_paths.registry_video('bikes.mp4'), '--start_sec=4',
                  '--end_sec=5.6', '--top_k=1', '--json',
                  f'--checkpoint_dir={self.create_tempdir().full_path}')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: no checkpoint in .*fetch_data.py')

  def test_errors(self):
    result = _run('/nonexistent.mp4', '--eval_type=rgb')
    self.assertEqual(result.returncode, 1)
    self.assertEqual(script_testing.last_line(result.stderr),
                     'error: no video at /nonexistent.mp4')
    result = _run(repo_paths.registry_video('bikes.mp4'), '--eval_type=flow',
                  f'--checkpoint_dir={self.create_tempdir().full_path}')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: no checkpoint at .*flow_imagenet')


if __name__ == '__main__':
  absltest.main()
