"""End-to-end tests of evaluate_sample.py and multi_evaluate.sh."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

from absl.testing import absltest
import numpy as np

from kinetics_i3d import pretrained
from kinetics_i3d.datasets import label_maps
from kinetics_i3d.models import checkpoints
from kinetics_i3d.testing import calibrated_models
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing
from kinetics_i3d.video import gifs

_LINE = re.compile(r'^(\S+) (\S+) (.+)$')


class EvaluateSampleTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.dir = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, cls.dir)
    cls.ckpt_dir = os.path.join(cls.dir, 'checkpoints')
    os.makedirs(cls.ckpt_dir, exist_ok=True)
    # rgb_imagenet: the real converted weights.
    os.makedirs(os.path.join(cls.ckpt_dir, 'rgb_imagenet'), exist_ok=True)
    registry = repo_paths.registry_checkpoint()
    target = os.path.join(cls.ckpt_dir, 'rgb_imagenet', 'model.ckpt')
    for suffix in ('.index', '.data-00000-of-00001'):
      os.symlink(os.path.abspath(registry + suffix), target + suffix)
    # flow_imagenet and rgb_scratch_kin600: random weights in their layouts.
    cls.flow_model = calibrated_models.calibrated_model(2, 400, seed=1)
    checkpoints.save(cls.flow_model,
                     os.path.join(cls.ckpt_dir, 'flow_imagenet', 'model.ckpt'),
                     scope='Flow', overwrite=True)
    kin600 = calibrated_models.calibrated_model(3, 600, seed=2)
    arrays = {}
    for v in kin600.variables:
      value = v.numpy()
      if '/batch_norm/' in v.name:
        value = value.reshape((1, 1, 1, 1) + value.shape)
      arrays[v.name[len('inception_i3d/'):-2]] = value
    checkpoints.write_arrays(
        os.path.join(cls.ckpt_dir, 'rgb_scratch_kin600', 'model.ckpt'), arrays)
    cls.kin600 = kin600
    cls.label_map_600 = os.path.join(cls.dir, 'label_map_600.txt')
    with open(cls.label_map_600, 'w') as f:
      f.write(''.join(f'class {i}\n' for i in range(600)))

    cls.names = label_maps.read_label_map(repo_paths.LABEL_MAP, 400)
    cls.rgb_sample = os.path.join(cls.dir, 'rgb.npy')
    gif = repo_paths.original_release_file('v_CricketShot_g04_c01_rgb.gif')
    # The first 9 of its 79 frames, the network's least (still "playing
    # cricket", 1.5 logits ahead of the next class): a shorter run.
    rgb = (gifs.rgb_sample_from_gif(gif)[:, :9] if gif else
           np.random.default_rng(3).uniform(-1, 1, (1, 9, 224, 224, 3)))
    np.save(cls.rgb_sample, rgb.astype(np.float32))
    cls.flow_sample = os.path.join(cls.dir, 'flow.npy')
    cls.flow = np.random.default_rng(4).uniform(
        -1, 1, (1, 9, 224, 224, 2)).astype(np.float32)
    np.save(cls.flow_sample, cls.flow)

    # rgb_scratch and flow_scratch: the ImageNet streams with their logits
    # negated, so that every combination of multi_evaluate.sh has its own
    # checkpoints and report.
    for name, model, scope in (
        ('rgb_scratch', pretrained.load('rgb_imagenet', checkpoint=target),
         'RGB'),
        ('flow_scratch', calibrated_models.calibrated_model(2, 400, seed=1),
         'Flow')):
      for variable in model.variables:
        if '/Logits/' in variable.name:
          variable.assign(-variable)
      checkpoints.save(model, os.path.join(cls.ckpt_dir, name, 'model.ckpt'),
                       scope=scope)
    # Every combination once, as multi_evaluate.sh runs them (in one
    # process); the tests below read its outputs.
    cls.out_dir = os.path.join(cls.dir, 'out')
    cls.multi = subprocess.run(
        ['bash', 'multi_evaluate.sh', sys.executable, cls.out_dir,
         *cls._sample_flags()],
        cwd=repo_paths.ROOT, capture_output=True, text=True, check=False,
        timeout=600)

  @classmethod
  def _sample_flags(cls):
    return [f'--checkpoint_dir={cls.ckpt_dir}', f'--rgb_sample={cls.rgb_sample}',
            f'--flow_sample={cls.flow_sample}',
            f'--label_map_600={cls.label_map_600}']

  def _output(self, name):
    """The report multi_evaluate.sh wrote for one combination."""
    self.assertEqual(self.multi.returncode, 0, self.multi.stderr[-3000:])
    with open(os.path.join(self.out_dir, f'{name}.txt')) as f:
      return f.read()

  def _evaluate(self, *flags):
    """The command's logic, in this process (multi_evaluate.sh runs the
    script itself)."""
    return script_testing.run_in_process('evaluate_sample',
                                         *self._sample_flags(), *flags)

  def _parse(self, stdout):
    lines = stdout.splitlines()
    self.assertRegex(lines[0], r'^Norm of logits: \d+\.\d{6}$')
    self.assertEqual(lines[1:3], ['', 'Top classes and probabilities'])
    self.assertLen(lines, 23)
    rows = [_LINE.match(line).groups() for line in lines[3:]]
    probabilities = [float(p) for p, _, _ in rows]
    self.assertEqual(probabilities, sorted(probabilities, reverse=True))
    return float(lines[0].split(': ')[1]), rows

  def test_rgb_cricket(self):
    _, rows = self._parse(self._output('imagenet_rgb'))
    if repo_paths.original_release_file('v_CricketShot_g04_c01_rgb.gif'):
      self.assertEqual(rows[0][2], 'playing cricket')
    self.assertIn('RGB checkpoint restored', self.multi.stderr)
    # A quiet start: TensorFlow's CPU build does not probe CUDA, and its C++
    # INFO lines (CPU features) are hidden.
    self.assertNotIn('cuInit', self.multi.stderr)
    self.assertNotIn('cpu_feature_guard', self.multi.stderr)

  def test_every_combination_and_scratch_differs_from_imagenet(self):
    names = ('imagenet_joint', 'imagenet_flow', 'imagenet_rgb',
             'no_imagenet_rgb600', 'no_imagenet_joint', 'no_imagenet_flow',
             'no_imagenet_rgb')
    outputs = {name: self._output(name) for name in names}
    for output in outputs.values():
      self._parse(output)
    self.assertEqual(sorted(os.listdir(self.out_dir)),
                     sorted(f'{n}.txt' for n in names))
    for stream in ('joint', 'flow', 'rgb'):
      self.assertNotEqual(outputs[f'imagenet_{stream}'],
                          outputs[f'no_imagenet_{stream}'])
    self.assertIn(' class ', outputs['no_imagenet_rgb600'])

  def _assert_same_report(self, output, expected_output):
    """Two reports of one combination agree (to float32 round-off)."""
    norm, rows = self._parse(output)
    expected_norm, expected_rows = self._parse(expected_output)
    self.assertAlmostEqual(norm, expected_norm, delta=1e-4 * norm)
    logits = {name: float(logit) for _, logit, name in rows}
    for _, logit, name in expected_rows[:10]:
      self.assertAlmostEqual(logits[name], float(logit), delta=1e-3)

  def test_one_run_prints_what_multi_evaluate_wrote(self):
    # The command alone, as the original ran it: one combination, printed
    # (in this process: multi_evaluate.sh ran the script).
    result = self._evaluate('--eval_type=flow')
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self._assert_same_report(result.stdout, self._output('imagenet_flow'))

  def test_failed_combinations_are_named_and_the_others_written(self):
    # Only the flow checkpoints: the five runs that need RGB fail.
    partial = os.path.join(self.dir, 'flow_only')
    os.makedirs(partial)
    for name in ('flow_imagenet', 'flow_scratch'):
      os.symlink(os.path.join(self.ckpt_dir, name),
                 os.path.join(partial, name))
    out = os.path.join(self.dir, 'partial_out')
    result = script_testing.run_in_process(
        'evaluate_sample', *self._sample_flags(), f'--checkpoint_dir={partial}',
        f'--output_dir={out}')
    self.assertEqual(result.returncode, 1)
    self.assertEqual(
        script_testing.last_line(result.stderr),
        'error: 5 of the 7 combinations failed (imagenet_joint, imagenet_rgb, '
        'no_imagenet_rgb600, no_imagenet_joint, no_imagenet_rgb; their '
        f'reasons are above); the others are in {out}')
    self.assertRegex(result.stderr, 'no_imagenet_rgb failed: no checkpoint '
                     'at .*flow_only/rgb_scratch/')
    self.assertEqual(sorted(os.listdir(out)),
                     ['imagenet_flow.txt', 'no_imagenet_flow.txt'])
    for name in ('imagenet_flow', 'no_imagenet_flow'):
      with open(os.path.join(out, f'{name}.txt')) as f:
        self._assert_same_report(f.read(), self._output(name))

  def _assert_reports(self, output, expected, names):
    """The printed norm and top-20 logits are those of `expected`."""
    norm, rows = self._parse(output)
    self.assertAlmostEqual(norm, np.linalg.norm(expected), delta=1e-4 * norm)
    for _, logit, name in rows:
      self.assertAlmostEqual(float(logit), expected[names.index(name)],
                             delta=1e-3)

  def _flow_logits(self, flow):
    return self.flow_model(flow, is_training=False)[0].numpy()[0]

  def test_joint_sums_the_streams(self):
    rgb = pretrained.load('rgb_imagenet', checkpoint=os.path.join(
        self.ckpt_dir, 'rgb_imagenet', 'model.ckpt'))
    rgb_logits = rgb(np.load(self.rgb_sample), is_training=False)[0].numpy()[0]
    flow_logits = self._flow_logits(self.flow)
    self._assert_reports(self._output('imagenet_joint'),
                         rgb_logits + flow_logits, self.names)
    # Guard: the flow stream's share is far beyond the tolerance.
    self.assertGreater(np.abs(flow_logits).max(), 100 * 1e-3)

  def test_flow_alone(self):
    self._assert_reports(self._output('imagenet_flow'),
                         self._flow_logits(self.flow), self.names)
    # Guard: another flow sample gives other logits (the flow model is
    # calibrated so that its output depends on its input).
    other = self._flow_logits(self.flow[:, ::-1])
    self.assertGreater(np.abs(other - self._flow_logits(self.flow)).max(),
                       100 * 1e-3)

  def test_rgb600_uses_the_kinetics600_checkpoint(self):
    # With the ImageNet flag (the default) it says which checkpoint it takes
    # (here, one that is missing: the answer comes at once).
    result = self._evaluate('--eval_type=rgb600',
                            f'--checkpoint_dir={self.dir}/none')
    self.assertEqual(result.returncode, 1)
    self.assertIn('There is no ImageNet-pretrained Kinetics-600 checkpoint: '
                  'rgb600 uses rgb_scratch_kin600.', result.stderr)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: no checkpoint at .*/none/rgb_scratch_kin600/')
    # multi_evaluate.sh's run of it, from the scratch checkpoints.
    expected = self.kin600(np.load(self.rgb_sample),
                           is_training=False)[0].numpy()[0]
    self._assert_reports(self._output('no_imagenet_rgb600'), expected,
                         [f'class {i}' for i in range(600)])

  def test_user_errors_are_one_line(self):
    # The messages of bad samples, label maps and checkpoints of the other
    # stream are tested where they are raised (samples_test, label_maps_test,
    # checkpoints_test); these reach the script.
    # An interrupted copy: the data file cut in half.
    damaged_dir = os.path.join(self.dir, 'damaged')
    shutil.copytree(os.path.join(self.ckpt_dir, 'rgb_imagenet'),
                    os.path.join(damaged_dir, 'rgb_imagenet'))
    data = os.path.join(damaged_dir, 'rgb_imagenet',
                        'model.ckpt.data-00000-of-00001')
    os.truncate(data, os.path.getsize(data) // 2)
    cases = [
        (['--eval_type=rgb', f'--checkpoint_dir={damaged_dir}'],
         re.escape(data) + r' is damaged or cut short .*: copy or download '
         r'the checkpoint again; `i3d-fetch --source=original'),
        (['--eval_type=flow', f'--checkpoint_dir={self.dir}/none'],
         r'no checkpoint at .*flow_imagenet/model.ckpt.*--source=original'),
    ]
    for flags, message in cases:
      result = self._evaluate(*flags)
      self.assertEqual(result.returncode, 1, (flags, result.stderr))
      self.assertEqual(result.stdout, '')
      last = script_testing.last_line(result.stderr)
      self.assertRegex(last, '^error: .*' + message)
      self.assertNotIn('Traceback', result.stderr)


if __name__ == '__main__':
  absltest.main()
