"""End-to-end tests of classify_video.py on a real video."""

import json
import os
import re
import shutil
import tempfile

from absl.testing import absltest
import numpy as np

from kinetics_i3d.testing import mp4_display_matrix
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.video import decoding


def _run(*args):
  """As a user runs it: exit status, stdout and stderr of the script."""
  return script_testing.run('classify_video.py', *args)


def _run_here(*args):
  """The command's logic, in this process (no new interpreter)."""
  return script_testing.run_in_process('classify_video', *args)


class ClassifyVideoTest(absltest.TestCase):

  def test_cyclist_is_riding_a_bike(self):
    # In this process: the bfloat16 test below runs the script itself.
    video = repo_paths.registry_video('bikes.mp4')
    result = _run_here(video, '--eval_type=rgb', '--start_sec=4',
                       '--end_sec=5.6', '--top_k=5',
                       f'--checkpoint_dir={repo_paths.DATA_DIR}/checkpoints')
    self.assertEqual(result.returncode, 0, result.stderr)
    lines = result.stdout.splitlines()
    self.assertRegex(lines[0], r'^Norm of logits: \d+\.\d{6}$')
    self.assertEqual(lines[1:3], ['', 'Top classes and probabilities'])
    self.assertLen(lines, 8)
    self.assertTrue(lines[3].endswith(' riding mountain bike'), lines[3])
    # The README's numbers for this run, pinned.
    self.assertAlmostEqual(float(lines[0].split(': ')[1]), 86.490929,
                           delta=2e-3)
    self.assertAlmostEqual(float(lines[3].split()[1]), 15.507651, delta=2e-3)

  def test_a_phone_clip_stored_sideways_gives_the_upright_classes(self):
    # As phones record: frames stored turned, a display matrix to show them
    # upright.
    upright = decoding.decode(repo_paths.registry_video('bikes.mp4'),
                              lambda f: f, start_sec=4, end_sec=5.6).frames
    sideways = np.rot90(np.stack(upright), 1, axes=(1, 2))
    path = os.path.join(self.create_tempdir().full_path, 'phone.mp4')
    synthetic_videos.write_video(path, sideways, codec='libx264')
    mp4_display_matrix.set_display_matrix(
        path, mp4_display_matrix.rotation_matrix(90, sideways.shape[2],
                                                 sideways.shape[1]))
    result = _run_here(path, '--eval_type=rgb', '--top_k=5', '--json',
                       f'--checkpoint_dir={repo_paths.DATA_DIR}/checkpoints')
    self.assertEqual(result.returncode, 0, result.stderr)
    output = json.loads(result.stdout)
    self.assertEqual(output['frames'], 40)
    self.assertEqual(output['top_classes'][0]['class'],
                     'riding mountain bike')
    self.assertGreater(output['top_classes'][0]['probability'], 0.5)

  def test_bfloat16_without_bfloat16_arithmetic_runs_float32(self):
    # oneDNN capped at AVX2: what a CPU without bfloat16 units gets, on any
    # machine.
    result = script_testing.run(
        'classify_video.py', repo_paths.registry_video('bikes.mp4'),
        '--eval_type=rgb', '--start_sec=4', '--end_sec=5.6', '--top_k=5',
        '--json', '--precision=bfloat16',
        env=dict(os.environ, ONEDNN_MAX_CPU_ISA='AVX2'))
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    warnings = [line for line in result.stderr.splitlines()
                if 'bfloat16 was asked for' in line]
    self.assertLen(warnings, 1)
    # The reason depends on the machine (no bfloat16 units, the oneDNN cap,
    # oneDNN off); the line names it.
    self.assertRegex(warnings[0], 'bfloat16 was asked for, but .+: running '
                     'float32')
    output = json.loads(result.stdout)
    self.assertEqual(output['precision'], 'float32')
    # float32's numbers (the README's), not bfloat16's (0.1 to 0.2 away).
    self.assertAlmostEqual(output['norm_of_logits'], 86.490929, delta=2e-3)
    self.assertAlmostEqual(output['top_classes'][0]['logit'], 15.507651,
                           delta=2e-3)

  def test_joint_runs_the_streams_it_has(self):
    # Only the RGB checkpoint: joint runs RGB alone and says so.
    only_rgb = self.create_tempdir().full_path
    shutil.copytree(
        os.path.dirname(repo_paths.registry_checkpoint()),
        os.path.join(only_rgb, 'rgb_imagenet'))
    result = _run_here(repo_paths.registry_video('bikes.mp4'), '--start_sec=4',
                       '--end_sec=5.6', '--top_k=1', '--json',
                       f'--checkpoint_dir={only_rgb}')
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertRegex(result.stderr, 'Running without the flow stream: no '
                     'checkpoint at .*flow_imagenet')
    output = json.loads(result.stdout)
    self.assertEqual(output['streams'], ['rgb'])
    self.assertEqual(output['frames'], 40)
    self.assertEqual(output['top_classes'][0]['class'], 'riding mountain bike')

    result = _run(repo_paths.registry_video('bikes.mp4'), '--start_sec=4',
                  '--end_sec=5.6', '--top_k=1', '--json',
                  f'--checkpoint_dir={self.create_tempdir().full_path}')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: no checkpoint at .*rgb_imagenet.*i3d-fetch '
                     '--source=original')

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


class LongVideoTest(absltest.TestCase):
  """Streaming: memory, the timeline and truncated files."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.dir = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, cls.dir)
    # Tiny frames (resized to 256x341 like any video): 10 s of texture.
    cls.frames = synthetic_videos.moving_texture(250, 48, 64, dx=0.5)

  def _video(self, name, seconds):
    path = os.path.join(self.dir, name)
    repeats = int(np.ceil(seconds * 25 / len(self.frames)))
    synthetic_videos.write_video(
        path, np.concatenate([self.frames] * repeats)[:int(seconds * 25)],
        fps=25)
    return path

  def test_memory_does_not_grow_with_length_and_windows_cover_it(self):
    peaks = {}
    for seconds in (10, 40):
      # Short windows far apart: the cost is decoding, not the network.
      result, peaks[seconds] = script_testing.run_measuring_memory(
          'classify_video.py', self._video(f'{seconds}s.mkv', seconds),
          '--eval_type=rgb', '--window_sec=0.4', '--stride_sec=10', '--json',
          '--top_k=1')
      self.assertEqual(result.returncode, 0, result.stderr)
      output = json.loads(result.stdout)
      self.assertFalse(output['partial'])
      windows = output['windows']
      self.assertLen(windows, seconds // 10 + 1)
      self.assertEqual(windows[0]['start_sec'], 0.0)
      self.assertAlmostEqual(windows[-1]['end_sec'], seconds)
      self.assertEqual(output['frames'], seconds * 25)
      self.assertEqual(output['streams'], ['rgb'])
      self.assertLen(output['top_classes'], 1)
      self.assertEqual(windows[0]['top_classes'][0].keys(),
                       {'class', 'probability', 'logit'})
    # Holding 40 s of 224x224 RGB float32 frames would take 0.6 GB.
    self.assertLess(peaks[40] - peaks[10], 150e6, peaks)

  def test_truncated_video_gives_the_windows_before_and_an_error(self):
    path = self._video('cut.mkv', 4)
    with open(path, 'rb') as f:
      data = f.read()
    with open(path, 'wb') as f:
      f.write(data[:len(data) * 6 // 10])
    result = _run_here(path, '--eval_type=rgb', '--window_sec=0.4', '--json',
                       '--top_k=2')
    self.assertEqual(result.returncode, 1)
    error = script_testing.last_line(result.stderr)
    match = re.match(r'^error: .*cut\.mkv ends unexpectedly at (\d+\.\d+) s '
                     r'of the 4.00 s', error)
    self.assertIsNotNone(match, error)
    output = json.loads(result.stdout)
    self.assertTrue(output['partial'])
    self.assertEqual(output['error'], error[len('error: '):])
    ends = [w['end_sec'] for w in output['windows']]
    self.assertGreater(len(ends), 3)
    self.assertLessEqual(ends[-1], float(match.group(1)) + 0.04)
    self.assertLen(output['windows'][0]['top_classes'], 2)

  def test_window_too_short_is_refused_with_the_minimum(self):
    result = _run(repo_paths.registry_video('bikes.mp4'), '--eval_type=rgb',
                  '--window_sec=0.3')
    self.assertEqual(result.returncode, 1)
    self.assertEqual(
        script_testing.last_line(result.stderr),
        'error: --window_sec=0.3 is 8 frames at 25 fps; the network needs 9: '
        'give --window_sec=0.36 or more')


if __name__ == '__main__':
  absltest.main()
