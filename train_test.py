"""End-to-end tests of train.py and evaluate.py on data the tests write."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from absl.testing import absltest
import numpy as np
import pytest
import tensorflow as tf

from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing
from kinetics_i3d.testing import synthetic_videos


def _write_motion_clips(root, count, frames, seed):
  """Class folders `down` and `up` of RGB clips of a texture moving 4 px.

  Up and down rather than left and right: the training augmentation flips
  clips left-right, which would swap those two.
  """
  for label, dy in (('down', 4.0), ('up', -4.0)):
    os.makedirs(os.path.join(root, label), exist_ok=True)
    for i in range(count):
      video = synthetic_videos.moving_texture(
          frames, 224, 224, dy=dy, seed=seed + i + (50 if dy > 0 else 0))
      clip = video[None].astype(np.float32) / 127.5 - 1.0
      np.save(os.path.join(root, label, f'clip{i}_rgb.npy'), clip)


def _logged_losses(stderr):
  return [float(line.split('loss ')[1].split(',')[0])
          for line in stderr.splitlines() if '] step ' in line]


def _free_port():
  with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    return s.getsockname()[1]


def _arrays(path):
  reader = tf.train.load_checkpoint(path)
  return {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()}


class TrainTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, cls.root)
    cls.train_data = os.path.join(cls.root, 'train')
    cls.test_data = os.path.join(cls.root, 'test')
    _write_motion_clips(cls.train_data, count=4, frames=16, seed=0)
    _write_motion_clips(cls.test_data, count=3, frames=24, seed=100)

  @pytest.mark.slow
  def test_fine_tuning_learns_the_direction_of_motion(self):
    model_dir = self.create_tempdir().full_path
    result = script_testing.run(
        'train.py', f'--train_data={self.train_data}',
        f'--model_dir={model_dir}',
        f'--init_checkpoint={repo_paths.registry_checkpoint()}',
        '--schedule=constant', '--learning_rate=0.01', '--train_steps=30',
        '--batch_size=4', '--num_frames=16', '--log_every=3',
        '--save_every=30', '--notrain_batch_norm', '--freeze_up_to=Mixed_4f',
        '--dropout_keep_prob=1.0')
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertIn('new logits layer for the class count', result.stderr)
    losses = _logged_losses(result.stderr)
    self.assertLen(losses, 10)
    self.assertLess(np.mean(losses[-3:]), 0.5 * np.mean(losses[:3]))
    self.assertTrue(
        os.path.exists(os.path.join(model_dir, 'model.ckpt-30.index')))
    self.assertTrue(os.listdir(os.path.join(model_dir, 'train')))  # Summaries.

    result = script_testing.run('evaluate.py', f'--model_dir={model_dir}',
                  f'--data={self.test_data}', '--json')
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    accuracy = json.loads(result.stdout)['accuracy']['rgb']
    self.assertGreaterEqual(accuracy['top_1'], 5 / 6)  # Unseen clips.

  @pytest.mark.slow
  def test_killed_run_resumes_at_its_last_checkpoint(self):
    model_dir = self.create_tempdir().full_path
    flags = [f'--train_data={self.train_data}', f'--model_dir={model_dir}',
             '--schedule=piecewise', '--boundaries=4', '--values=0.01,0.001',
             '--train_steps=6', '--batch_size=1', '--num_frames=9',
             '--log_every=1', '--save_every=2', '--seed=1']
    process = subprocess.Popen(
        script_testing.command('train.py', *flags), cwd=repo_paths.ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = os.path.join(model_dir, 'model.ckpt-2.index')
    deadline = time.time() + 300
    while not os.path.exists(first) and process.poll() is None:
      self.assertLess(time.time(), deadline)
      time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    self.assertFalse(os.path.exists(os.path.join(model_dir,
                                                 'model.ckpt-6.index')))
    saved = sorted(f for f in os.listdir(model_dir) if f.endswith('.index'))
    last = int(saved[-1][len('model.ckpt-'):-len('.index')])

    result = script_testing.run('train.py', *flags)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertIn(f'resumed from {model_dir}/model.ckpt-{last} at step {last}',
                  result.stderr)
    steps = [int(line.split('] step ')[1].split(':')[0])
             for line in result.stderr.splitlines() if '] step ' in line]
    self.assertEqual(steps, list(range(last + 1, 7)))
    self.assertIn('step 6: loss', result.stderr)
    self.assertRegex(result.stderr, r'step 6: .*learning rate 0\.001,')
    arrays = _arrays(os.path.join(model_dir, 'model.ckpt-6'))
    self.assertEqual(int(arrays['global_step']), 6)
    self.assertIn('RGB/inception_i3d/Mixed_5c/Branch_0/Conv3d_0a_1x1/conv_3d/w'
                  '/Momentum', arrays)

  @pytest.mark.slow
  def test_two_workers_make_the_same_update_as_one(self):
    data = self.create_tempdir().full_path
    _write_motion_clips(data, count=1, frames=9, seed=7)
    flags = [f'--train_data={data}', '--train_steps=1', '--batch_size=1',
             '--num_frames=9', '--noaugment', '--dropout_keep_prob=1.0',
             '--schedule=constant', '--learning_rate=0.1', '--seed=3',
             '--save_every=1']
    one = self.create_tempdir().full_path
    result = script_testing.run('train.py', *flags, f'--model_dir={one}',
                                '--cpu_replicas=2')
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertIn('2 replicas', result.stderr)

    two = self.create_tempdir().full_path
    workers = [f'localhost:{_free_port()}', f'localhost:{_free_port()}']
    processes = []
    for index in range(2):
      env = dict(os.environ, TF_CONFIG=json.dumps({
          'cluster': {'worker': workers},
          'task': {'type': 'worker', 'index': index}
      }))
      processes.append(subprocess.Popen(
          script_testing.command('train.py', *flags, f'--model_dir={two}'),
          cwd=repo_paths.ROOT, env=env, stdout=subprocess.PIPE,
          stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=600) for p in processes]
    for process, (_, stderr) in zip(processes, outputs):
      self.assertEqual(process.returncode, 0, stderr[-3000:])
    self.assertIn('MultiWorkerMirroredStrategy', outputs[0][1])

    single = _arrays(os.path.join(one, 'model.ckpt-1'))
    multi = _arrays(os.path.join(two, 'model.ckpt-1'))
    self.assertEqual(sorted(single), sorted(multi))
    slot = 'RGB/inception_i3d/Logits/Conv3d_0c_1x1/conv_3d/w/Momentum'
    self.assertGreater(np.abs(single[slot]).max(), 0)  # A real update.
    for name, value in single.items():
      np.testing.assert_allclose(multi[name], value, rtol=1e-4, atol=1e-6,
                                 err_msg=name)


class BadDataTest(absltest.TestCase):

  def test_bad_data_is_one_clear_line(self):
    # Each bad source's message is tested in training_data_test; here, that
    # the script reports one as a single line.
    root = self.create_tempdir().full_path
    result = script_testing.run('train.py',
                                f'--train_data={root}/nowhere',
                                f'--model_dir={root}/model', '--train_steps=1')
    self.assertEqual(result.returncode, 1, result.stderr[-2000:])
    self.assertEqual(script_testing.last_line(result.stderr),
                     f'error: no data at {root}/nowhere: give a folder of '
                     'class folders, a .csv file or TFRecord files')
    self.assertNotIn('Traceback', result.stderr)


if __name__ == '__main__':
  absltest.main()
