"""Jobs killed part-way, then run again, give what an uninterrupted run gives.

Each job runs three times on small inputs: once whole (the reference), once
killed with SIGKILL at a chosen point (`testing.crashes`), then again. The
rerun's outputs must equal the reference's, with no temporary left anywhere a
reader looks. Slow (about two minutes): `make test-slow`.
"""

import filecmp
import json
import os

from absl.testing import absltest
import numpy as np
import pytest
import tensorflow as tf

from kinetics_i3d.datasets import shards
from kinetics_i3d.downloads import original_release
from kinetics_i3d.pipelines import features as pipeline
from kinetics_i3d.testing import crashes
from kinetics_i3d.testing import local_server
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing
from kinetics_i3d.testing import synthetic_videos

_KILLED = -9
_IN_PROCESS = ('--direct_running_mode=in_memory', '--direct_num_workers=1')


def _videos(root: str) -> str:
  """Two class folders of two short videos."""
  folder = os.path.join(root, 'videos')
  for label, dx in (('left', -1.0), ('right', 1.0)):
    os.makedirs(os.path.join(folder, label))
    for i in range(2):
      synthetic_videos.write_video(
          os.path.join(folder, label, f'{label}{i}.mkv'),
          synthetic_videos.moving_texture(12, 32, 40, dx=dx, seed=i))
  return folder


def _video(root: str) -> str:
  """One short video, `root`/v.mkv."""
  path = os.path.join(root, 'v.mkv')
  synthetic_videos.write_video(
      path, synthetic_videos.moving_texture(12, 32, 40, dx=1.0))
  return path


def _records(path: str):
  return [r.numpy() for r in tf.data.TFRecordDataset(path)]


def _examples(path: str):
  """A shard's SequenceExamples (compared as messages: the order in which
  their maps serialise varies between processes)."""
  return [tf.train.SequenceExample.FromString(r) for r in _records(path)]


@pytest.mark.slow
class CrashTest(absltest.TestCase):

  def _killed(self, result):
    self.assertEqual(result.returncode, _KILLED, result.stderr[-2000:])

  def _ok(self, result):
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])

  def test_prepare_dataset(self):
    root = self.create_tempdir().full_path
    videos = _videos(root)
    args = (f'--videos={videos}', '--streams=rgb', '--clips_per_shard=1',
            *_IN_PROCESS)
    reference = os.path.join(root, 'reference')
    self._ok(script_testing.run('prepare_dataset.py',
                                f'--output_dir={reference}', *args))
    for target, call, when in (
        ('kinetics_i3d.pipelines.files:tfrecord_frame', 2,
         'before'),  # While a shard is written.
        ('apache_beam.io.filesystems:FileSystems.rename', 1,
         'after')):  # Between two shards.
      with self.subTest(target):
        out = self.create_tempdir().full_path
        self._killed(crashes.run_killed(
            'prepare_dataset.py', f'--output_dir={out}', *args,
            target=target, call=call, when=when))
        result = script_testing.run('prepare_dataset.py',
                                    f'--output_dir={out}', *args)
        self._ok(result)
        self.assertEqual(crashes.temporaries(out), [])
        made = shards.shard_files(os.path.join(out, 'train'))
        expected = shards.shard_files(os.path.join(reference, 'train'))
        self.assertEqual([os.path.basename(p) for p in made],
                         [os.path.basename(p) for p in expected])
        for a, b in zip(made, expected):
          self.assertEqual(_examples(a), _examples(b))

  def test_dataset_features(self):
    root = self.create_tempdir().full_path
    videos = _videos(root)
    checkpoint_dir = os.path.dirname(os.path.dirname(
        repo_paths.registry_checkpoint()))
    args = (f'--videos={videos}', '--window=9', '--stride=9',
            f'--checkpoint_dir={checkpoint_dir}', *_IN_PROCESS)
    reference = os.path.join(root, 'reference', 'f')
    self._ok(script_testing.run('dataset_features.py',
                                f'--output={reference}', *args))
    out = os.path.join(self.create_tempdir().full_path, 'f')
    self._killed(crashes.run_killed(
        'dataset_features.py', f'--output={out}', *args,
        target='kinetics_i3d.features:chunk_features', call=3, when='before'))
    self._ok(script_testing.run('dataset_features.py', f'--output={out}',
                                *args))
    self.assertEqual(crashes.temporaries(os.path.dirname(out)), [])

    def features(prefix):
      return {m: v.tolist() for m, _, v in (
          pipeline.read_features(r) for path in shards.shard_files(prefix)
          for r in _records(path))}

    self.assertEqual(features(out), features(reference))
    # A whole output is not overwritten.
    result = script_testing.run('dataset_features.py', f'--output={out}',
                                *args)
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: the features of .* exist .*-clips.csv.: '
                     'remove them')

  def test_extract_features_over_a_folder(self):
    root = self.create_tempdir().full_path
    videos = _videos(root)
    args = (videos, '--window=9', '--stride=3', '--format=npy')
    reference = os.path.join(root, 'reference')
    self._ok(script_testing.run('extract_features.py', f'--out={reference}',
                                *args))
    for target, call, when in (('os:replace', 2, 'after'),  # After a video.
                               ('numpy:save', 2, 'before')):  # While writing.
      with self.subTest(target):
        out = self.create_tempdir().full_path
        self._killed(crashes.run_killed(
            'extract_features.py', f'--out={out}', *args, target=target,
            call=call, when=when))
        self._ok(script_testing.run('extract_features.py', f'--out={out}',
                                    *args))
        self.assertEqual(crashes.temporaries(out), [])
        names = sorted(n for n in os.listdir(reference) if n != '.lock')
        self.assertEqual(sorted(n for n in os.listdir(out) if n != '.lock'),
                         names)
        for name in names:
          if name.endswith('.npy'):
            np.testing.assert_array_equal(
                np.load(os.path.join(out, name)),
                np.load(os.path.join(reference, name)))

  def test_preprocess_video(self):
    root = self.create_tempdir().full_path
    video = _video(root)
    reference = os.path.join(root, 'reference_rgb.npy')
    self._ok(script_testing.run('preprocess_video.py', video,
                                f'--rgb_out={reference}'))
    out = os.path.join(root, 'out', 'x_rgb.npy')
    self._killed(crashes.run_killed(
        'preprocess_video.py', video, f'--rgb_out={out}',
        target='kinetics_i3d.datasets.npy_writer:NpyWriter.write', call=1,
        when='after'))  # The .npy half-written.
    self.assertNotEqual(crashes.temporaries(os.path.dirname(out)), [])
    self._ok(script_testing.run('preprocess_video.py', video,
                                f'--rgb_out={out}'))
    self.assertEqual(crashes.temporaries(os.path.dirname(out)), [])
    np.testing.assert_array_equal(np.load(out), np.load(reference))

  def test_fetch_data(self):
    remote = self.create_tempdir('remote').full_path
    os.makedirs(os.path.join(remote, 'data'))
    blob_ids = {}
    for relative in original_release.release_files():
      path = os.path.join(remote, 'data', relative)
      os.makedirs(os.path.dirname(path), exist_ok=True)
      with open(path, 'w') as f:
        f.write(f'content of {relative}')
      blob_ids[relative] = original_release.git_blob_id(path)
    server = local_server.LocalServer(remote)
    self.addCleanup(server.close)
    prelude = ('from kinetics_i3d.downloads import original_release\n'
               f'original_release.BLOB_IDS.update({blob_ids!r})')
    data = self.create_tempdir('data').full_path
    args = ('--source=original', f'--data_dir={data}',
            f'--base_url={server.url}')
    self._killed(crashes.run_killed(
        'fetch_data.py', *args, target='shutil:copyfileobj', call=3,
        when='before', prelude=prelude))  # During the third download.
    self._ok(crashes.run_killed('fetch_data.py', *args, target=None,
                                prelude=prelude))
    self.assertEqual(crashes.temporaries(data), [])
    for relative in original_release.release_files():
      self.assertTrue(filecmp.cmp(os.path.join(data, relative),
                                  os.path.join(remote, 'data', relative),
                                  shallow=False), relative)

  def test_train_resumes_from_the_last_whole_checkpoint(self):
    root = self.create_tempdir().full_path
    for label in ('a', 'b'):
      folder = os.path.join(root, 'data', label)
      os.makedirs(folder)
      for i in range(2):
        np.save(os.path.join(folder, f'{i}_rgb.npy'),
                np.random.default_rng(i).uniform(
                    -1, 1, (1, 9, 224, 224, 3)).astype(np.float32))
    model_dir = os.path.join(root, 'run')
    args = ('--stream=rgb', f'--train_data={root}/data',
            f'--model_dir={model_dir}', '--train_steps=4', '--save_every=2',
            '--batch_size=1', '--num_frames=9', '--schedule=constant',
            '--learning_rate=0.01')
    # Killed while writing its second checkpoint (step 4).
    self._killed(crashes.run_killed('train.py', *args,
                                    target='tensorflow.raw_ops:SaveV2',
                                    call=2, when='after'))
    self.assertNotEqual(crashes.temporaries(model_dir), [])
    result = script_testing.run('train.py', *args)
    self._ok(result)
    self.assertRegex(result.stderr, 'resumed from .*model.ckpt-2 at step 2')
    self.assertEqual(crashes.temporaries(model_dir), [])
    latest = os.path.join(model_dir, 'model.ckpt-4')
    self.assertEqual(
        int(tf.train.load_checkpoint(latest).get_tensor('global_step')), 4)

  def test_fvd_save_stats(self):
    root = self.create_tempdir().full_path
    videos = os.path.join(root, 'videos.npy')
    np.save(videos, np.random.default_rng(0).integers(
        0, 256, (3, 10, 32, 40, 3), dtype=np.uint8))
    checkpoint = f'--checkpoint={repo_paths.registry_checkpoint()}'
    reference = os.path.join(root, 'reference.npz')
    self._ok(script_testing.run('fvd.py', videos, f'--save_stats={reference}',
                                '--num_frames=9', checkpoint))
    stats = os.path.join(root, 'stats.npz')
    self._killed(crashes.run_killed(
        'fvd.py', videos, f'--save_stats={stats}', '--num_frames=9',
        checkpoint, target='numpy:savez', call=1, when='before'))
    self.assertFalse(os.path.exists(stats))
    self._ok(script_testing.run('fvd.py', videos, f'--save_stats={stats}',
                                '--num_frames=9', checkpoint))
    self.assertEqual([n for n in os.listdir(root) if '.tmp-' in n], [])
    with np.load(stats) as made, np.load(reference) as expected:
      np.testing.assert_allclose(made['activations_0'],
                                 expected['activations_0'], atol=1e-5)
      self.assertEqual(json.loads(str(made['record']))['protocol'],
                       json.loads(str(expected['record']))['protocol'])


@pytest.mark.slow
class FullDiskTest(absltest.TestCase):
  """Writes that fail for want of room: one line, nothing half-written."""

  def _one_line(self, result, directory):
    self.assertEqual(result.returncode, 1, result.stderr[-2000:])
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: no room to write ')
    self.assertNotIn('Traceback', result.stderr)
    self.assertEqual(crashes.temporaries(directory), [])

  def test_preprocess_video_extract_features_and_fvd(self):
    root = self.create_tempdir().full_path
    video = _video(root)
    out = os.path.join(root, 'out')
    # A 1 MB limit: the 9 RGB frames (5.4 MB) do not fit.
    self._one_line(crashes.run_with_file_limit(
        'preprocess_video.py', video, f'--rgb_out={out}/x_rgb.npy',
        limit_bytes=1 << 20), out)
    self.assertFalse(os.path.exists(f'{out}/x_rgb.npy'))
    # 8 kB: features of 4 windows (16 kB) do not fit.
    self._one_line(crashes.run_with_file_limit(
        'extract_features.py', video, f'--out={out}', '--window=9',
        '--stride=1', limit_bytes=8 << 10), out)
    self.assertEqual(os.listdir(out), ['.lock'])
    videos = os.path.join(root, 'videos.npy')
    np.save(videos, np.zeros((3, 9, 16, 16, 3), np.uint8))
    self._one_line(crashes.run_with_file_limit(
        'fvd.py', videos, f'--save_stats={out}/s.npz', '--num_frames=9',
        f'--checkpoint={repo_paths.registry_checkpoint()}',
        limit_bytes=256 << 10), out)
    self.assertFalse(os.path.exists(f'{out}/s.npz'))

  def test_a_training_checkpoint(self):
    root = self.create_tempdir().full_path
    folder = os.path.join(root, 'data', 'a')
    os.makedirs(folder)
    np.save(os.path.join(folder, '0_rgb.npy'),
            np.zeros((1, 9, 224, 224, 3), np.float32))
    model_dir = os.path.join(root, 'run')
    self._one_line(crashes.run_with_file_limit(
        'train.py', '--stream=rgb', f'--train_data={root}/data',
        f'--model_dir={model_dir}', '--train_steps=1', '--batch_size=1',
        '--num_frames=9', limit_bytes=10 << 20), model_dir)
    self.assertEqual(
        [n for n in os.listdir(model_dir) if n.startswith('model.ckpt')], [])


if __name__ == '__main__':
  absltest.main()
