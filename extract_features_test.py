"""End-to-end tests of extract_features.py."""

import json
import os
import shutil
import tempfile
from typing import List, Tuple

from absl.testing import absltest
import av
import cv2
import numpy as np
import pytest

import i3d
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import inference
from kinetics_i3d.testing import calibrated_models
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing
from kinetics_i3d.testing import synthetic_videos


def _run(*args):
  """As a user runs it: exit status, stdout and stderr of the script."""
  return script_testing.run('extract_features.py', *args)


def _run_here(*args):
  """The command's logic, in this process (no new interpreter)."""
  return script_testing.run_in_process('extract_features', *args)


def _checkpoints(root: str, flow_model) -> str:
  """A checkpoint folder: the registry's RGB, and `flow_model` as flow."""
  checkpoint_dir = os.path.join(root, 'checkpoints')
  os.makedirs(os.path.join(checkpoint_dir, 'rgb_imagenet'))
  registry = repo_paths.registry_checkpoint()
  for suffix in ('.index', '.data-00000-of-00001'):
    os.symlink(registry + suffix, os.path.join(
        checkpoint_dir, 'rgb_imagenet', 'model.ckpt' + suffix))
  checkpoints.save(flow_model, os.path.join(checkpoint_dir, 'flow_imagenet',
                                            'model.ckpt'), scope='Flow')
  return checkpoint_dir


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
    video = os.path.join(root, 'moving.mkv')  # 3.2 s at 25 fps.
    synthetic_videos.write_video(
        video, synthetic_videos.moving_texture(80, 48, 64, dx=1.0))
    result = _run_here(video, clips, f'--out={out}', '--window=32',
                       '--stride=16')
    self.assertEqual(result.returncode, 1, result.stderr)
    self.assertIn('2 written, 0 already there, 1 failed', result.stdout)
    self.assertRegex(result.stderr, r'failed: .*bad_rgb.npy: .*has frames of '
                     r'100x100 pixels \(shape \[1, 20, 100, 100, 3\]\)')
    moving = np.load(os.path.join(out, 'moving.npz'))
    self.assertEqual(moving['features'].shape, (4, 1024))
    np.testing.assert_allclose(moving['start_sec'], [0, 0.64, 1.28, 1.92])
    np.testing.assert_allclose(moving['end_sec'], [1.28, 1.92, 2.56, 3.2])
    a = np.load(os.path.join(out, 'a.npz'))
    self.assertEqual(a['features'].shape, (1, 1024))

    result = _run_here(video, os.path.join(clips, 'a_rgb.npy'),
                       f'--out={out}')
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn('0 written, 2 already there, 0 failed', result.stdout)

  def test_joint_needs_both_clips(self):
    root = self.create_tempdir().full_path
    # Both checkpoints are there (zero flow weights will do), so the missing
    # flow clip is what stops the run.
    flow = i3d.InceptionI3d()
    checkpoints.build(flow, 2, initialize=False)
    checkpoint_dir = _checkpoints(root, flow)
    np.save(os.path.join(root, 'x_rgb.npy'),
            np.zeros((1, 9, 224, 224, 3), np.float32))
    result = _run_here(os.path.join(root, 'x_rgb.npy'), f'--out={root}/out',
                  '--eval_type=joint', f'--checkpoint_dir={checkpoint_dir}')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     r'failed: .*no sample at .*x_flow.npy')
    self.assertNotIn('Traceback', result.stderr)


def _video_at_30_fps(directory: str) -> Tuple[str, np.ndarray]:
  """21 frames at 30 fps (20 flow frames), resized to 256 x 341 in use.

  The texture moves between frames 5 and 9 and stands still otherwise
  (TV-L1 stops at once on a still pair, which keeps the tests short).
  """
  moving = synthetic_videos.moving_texture(5, 48, 64, dx=0.6, dy=0.3)
  frames = np.concatenate([np.repeat(moving[:1], 5, axis=0), moving,
                           np.repeat(moving[-1:], 11, axis=0)])
  path = os.path.join(directory, 'clip.mkv')
  synthetic_videos.write_video(path, frames, fps=30)
  return path, frames


def _file_times(video: str) -> List[float]:
  """The frames' own timestamps (Matroska keeps milliseconds), read here."""
  with av.open(video) as container:
    return [f.time for f in container.decode(video=0)]


class NpyOutputTest(absltest.TestCase):

  def test_rows_at_the_native_rate_with_their_sidecar(self):
    root = self.create_tempdir().full_path
    video, _ = _video_at_30_fps(root)
    out = os.path.join(root, 'out')
    result = _run_here(video, '--fps=native', '--window=16', '--stride=4',
                  '--format=npy', f'--out={out}')
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    rows = np.load(os.path.join(out, 'clip.npy'))
    self.assertEqual((rows.shape, rows.dtype), ((2, 1024), np.float32))
    with open(os.path.join(out, 'clip.json')) as f:
      sidecar = json.load(f)
    self.assertEqual((sidecar['fps'], sidecar['num_frames'], sidecar['shape']),
                     (30.0, 21, [2, 1024]))
    self.assertEqual(sidecar['protocol'], {
        'fps': 'native', 'window': 16, 'stride': 4, 'center_windows': False,
        'crops': 'center'})
    self.assertEqual((sidecar['preset'], sidecar['precision']),
                     (None, 'float32'))
    self.assertTrue(sidecar['checkpoints']['rgb'].endswith(
        'rgb_imagenet/model.ckpt'))
    times = _file_times(video)
    for i, row in enumerate(sidecar['rows']):  # Frames 4i .. 4i + 15.
      start, end = times[4 * i], times[4 * i + 15] + 1 / 30
      np.testing.assert_allclose(
          [row['start_sec'], row['center_sec'], row['end_sec']],
          [start, (start + end) / 2, end])

  def test_a_bad_protocol_is_one_line_before_any_work(self):
    # The messages are tested where they are raised (common_flags_test,
    # features_test); this one reaches the user.
    result = _run('none.mp4', f'--out={self.create_tempdir().full_path}',
                  '--preset=thumos14', '--window=8')
    self.assertEqual(result.returncode, 1)
    self.assertEqual(script_testing.last_line(result.stderr),
                     'error: --preset=thumos14 sets --window: leave them out, '
                     'or give the settings without the preset')


class Thumos14PresetTest(absltest.TestCase):
  """The THUMOS14 protocol against a computation of its own (slow: 80
  network passes of 16 frames)."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, cls.root)
    cls.video, cls.frames = _video_at_30_fps(cls.root)
    cls.flow_model = calibrated_models.calibrated_model(2, seed=1)
    cls.checkpoint_dir = _checkpoints(cls.root, cls.flow_model)
    cls.out = os.path.join(cls.root, 'out')
    cls.result = _run(cls.video, '--preset=thumos14', '--format=npy',
                      f'--out={cls.out}', '--flow_workers=1',
                      f'--checkpoint_dir={cls.checkpoint_dir}')

  def _expected_rows(self):
    """Each row's RGB and Flow features computed here from the frames: of
    the ten crops, and (a guard) of the centre crop alone."""
    resized = np.stack([cv2.resize(f.astype(np.float32), (341, 256),
                                   interpolation=cv2.INTER_LINEAR)
                        for f in self.frames])
    gray = [cv2.cvtColor(np.clip(np.rint(f), 0, 255).astype(np.uint8),
                         cv2.COLOR_RGB2GRAY) for f in resized]
    tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()
    flow = np.stack([tvl1.calc(a, b, None) for a, b in zip(gray, gray[1:])])
    inputs = {'rgb': resized[1:] / 127.5 - 1.0,  # Aligned with the flow.
              'flow': np.clip(flow, -20, 20) / 20}
    rgb = i3d.InceptionI3d()
    checkpoints.restore(rgb, repo_paths.registry_checkpoint(), 'RGB',
                        num_channels=3)
    network = inference.Predictor({'rgb': rgb, 'flow': self.flow_model})
    ten, centre = [], []
    for first in (0, 4):  # Frames 4i .. 4i + 15.
      views = {}
      for stream in ('rgb', 'flow'):
        clip = inputs[stream][first:first + 16]
        views[stream] = []
        for top, left in ((0, 0), (0, 117), (32, 0), (32, 117), (16, 58)):
          crop = clip[:, top:top + 224, left:left + 224]
          mirror = crop[:, :, ::-1].copy()
          if stream == 'flow':
            mirror[..., 0] *= -1
          views[stream] += [crop, mirror]
      outputs = network({s: np.stack(v) for s, v in views.items()})
      for stream in ('rgb', 'flow'):
        per_view = outputs[f'{stream}_features'].mean(axis=1)
        ten.append(per_view.mean(axis=0))
        centre.append(per_view[8])
    return (np.concatenate(ten).reshape(2, 2048),
            np.concatenate(centre).reshape(2, 2048))

  @pytest.mark.slow
  def test_rows_and_times_as_thumos14_reads_them(self):
    self.assertEqual(self.result.returncode, 0, self.result.stderr[-3000:])
    self.assertIn('Preset thumos14: streams rgb+flow (rgb_imagenet, '
                  'flow_imagenet), fps=native, window=16, stride=4, '
                  'center_windows=False, crops=ten.', self.result.stdout)
    rows = np.load(os.path.join(self.out, 'clip.npy'))
    self.assertEqual((rows.shape, rows.dtype), ((2, 2048), np.float32))
    expected, centre_only = self._expected_rows()
    # Float round-off in the sums of views and windows; the flow (OpenCV's
    # on both sides) and the network are the same computations.
    np.testing.assert_allclose(rows, expected, atol=1e-3, rtol=1e-3)
    for half in (slice(0, 1024), slice(1024, 2048)):  # Guard, per stream.
      self.assertGreater(np.abs(centre_only[:, half] -
                                expected[:, half]).max(), 100 * 1e-3)
    with open(os.path.join(self.out, 'clip.json')) as f:
      sidecar = json.load(f)
    self.assertEqual((sidecar['fps'], sidecar['num_frames']), (30.0, 20))
    # Flow frame t goes with decoded frame t + 1.
    times = _file_times(self.video)
    for i, row in enumerate(sidecar['rows']):
      start, end = times[4 * i + 1], times[4 * i + 16] + 1 / 30
      np.testing.assert_allclose(
          [row['start_sec'], row['center_sec'], row['end_sec']],
          [start, (start + end) / 2, end])
    self.assertEqual(sidecar['precision'], 'float32')
    self.assertEqual(sorted(sidecar['checkpoints']), ['flow', 'rgb'])
    self.assertEqual(sidecar['preset'], 'thumos14')


if __name__ == '__main__':
  absltest.main()
