"""Both pipelines on a distributed runner against Beam's DirectRunner.

Beam's DaskRunner runs them on a dask.distributed cluster of two worker
processes here (each DoFn pickled to the workers, no state shared with this
process), one clip per bundle; the outputs must equal, byte for byte, what
the DirectRunner writes in this process for the same input: shards,
failures report, label map, counts; the features' records field by field
(their floats to the arithmetic's tolerance, computed in other processes).
One video fails in a worker; one worker is SIGKILLed mid-bundle and Dask
reruns its bundle elsewhere: nothing lost, nothing written twice, no
temporary left. `prepare_dataset.py --runner=DaskRunner` runs on the same
cluster as a user runs it. Slow (about 35 s): `make test-slow`.
"""

import hashlib
import os
import tempfile

from absl.testing import absltest
from apache_beam.options import pipeline_options
import numpy as np
import pytest
import tensorflow as tf

from kinetics_i3d import features as features_lib
from kinetics_i3d import outputs
from kinetics_i3d.datasets import manifests
from kinetics_i3d.datasets import shards
from kinetics_i3d.pipelines import features
from kinetics_i3d.pipelines import options
from kinetics_i3d.pipelines import prepare
from kinetics_i3d.testing import dask_cluster
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing
from kinetics_i3d.testing import synthetic_videos

_IN_PROCESS = pipeline_options.PipelineOptions(
    direct_running_mode='in_memory', direct_num_workers=1)
_PREPARE_KILL, _FEATURES_KILL = dask_cluster.KILL_TARGETS
_BUNDLE_TASKS = 'apply_dofn_to_bundle'


def _files(folder):
  """{path under `folder`: SHA-256 of its bytes} of every file in it."""
  found = {}
  for root, _, names in os.walk(folder):
    for name in names:
      with open(os.path.join(root, name), 'rb') as f:
        found[os.path.relpath(os.path.join(root, name), folder)] = (
            hashlib.sha256(f.read()).hexdigest())
  return found


def _feature_records(prefix):
  """{shard name: [record's fields as Python values]} of an output."""
  folder, name = os.path.split(prefix)
  found = {}
  for shard in sorted(n for n in os.listdir(folder)
                      if n.startswith(name + '-') and n.endswith('.tfrecord')):
    found[shard] = [
        {key: (list(value.float_list.value) or list(value.int64_list.value)
               or list(value.bytes_list.value))
         for key, value in tf.train.Example.FromString(
             record.numpy()).features.feature.items()}
        for record in tf.data.TFRecordDataset(os.path.join(folder, shard))]
  return found


def _alive(pid):
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  return True


@pytest.mark.slow
class DaskRunnerTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp(dir=absltest.get_default_test_tmpdir())
    videos = os.path.join(cls.root, 'videos')
    os.makedirs(videos)
    for name, frames, dx in (('aa', 20, 2.0), ('bb', 24, -1.0),
                             ('cc', 22, 1.0)):
      synthetic_videos.write_video(
          os.path.join(videos, f'{name}_000000_000001.mkv'),
          synthetic_videos.moving_texture(frames, 48, 64, dx=dx))
    with open(os.path.join(videos, 'dd_000000_000001.mkv'), 'w') as f:
      f.write('not a video')  # Fails in a worker.
    cls.manifest = manifest = os.path.join(cls.root, 'kinetics.csv')
    with open(manifest, 'w') as f:
      f.write('label,youtube_id,time_start,time_end,split\n'
              'left,aa,0,1,train\nright,bb,0,1,train\n'
              'left,cc,0,1,train\nright,dd,0,1,train\n')
    cls.clips = manifests.from_kinetics_csv(manifest, videos)
    cls.kill_dir = os.path.join(cls.root, 'kill')
    os.makedirs(cls.kill_dir)
    cls.workers = dask_cluster.LocalWorkers(2, cls.kill_dir)
    cls.addClassCleanup(cls.workers.close)
    cls.direct = os.path.join(cls.root, 'direct')
    cls.direct_counts = cls._prepare(cls.direct, _IN_PROCESS)
    checkpoint_dir = os.path.dirname(os.path.dirname(
        repo_paths.registry_checkpoint()))
    cls.features = features.Settings(
        ('rgb',), checkpoint_dir,
        features_lib.Protocol(window=16, stride=8, crops='center'))

  @classmethod
  def _prepare(cls, out, beam_options):
    settings = prepare.Settings(out, ('rgb',), clips_per_shard=2)
    return prepare.execute(prepare.plan(cls.clips, settings), settings,
                           beam_options)

  def setUp(self):
    super().setUp()
    # Both workers up, one killed by an earlier test restarted by its nanny.
    self.workers.client.wait_for_workers(2, timeout=120)

  def _dask(self, bundle_size=1):
    return options.beam_options([
        '--runner=DaskRunner', f'--dask_client_address={self.workers.address}',
        f'--dask_partition_size={bundle_size}'])

  def test_prepare_spreads_over_the_workers_and_writes_the_same_files(self):
    out = os.path.join(self.root, 'dask')
    counts = []
    workers = self.workers.task_workers(
        lambda: counts.append(self._prepare(out, self._dask())),
        _BUNDLE_TASKS)
    self.assertGreaterEqual(len(set(workers)), 2)
    self.assertEqual(counts, [(3, 1)])
    self.assertEqual(self.direct_counts, (3, 1))
    made, expected = _files(out), _files(self.direct)
    self.assertEqual(sorted(made), [
        'failures.csv', 'label_map.txt',
        'train/train-00000-of-00002.tfrecord',
        'train/train-00001-of-00002.tfrecord'])
    self.assertEqual(made, expected)
    self.assertEqual(
        [row[0] for row in prepare.read_failures(out)], ['dd_000000_000001'])

  def test_prepare_survives_a_worker_killed_mid_bundle(self):
    out = os.path.join(self.root, 'killed')
    dask_cluster.arm(self.kill_dir, _PREPARE_KILL)
    self.assertEqual(self._prepare(out, self._dask()), (3, 1))
    killed = dask_cluster.fired(self.kill_dir, _PREPARE_KILL)
    self.assertIsNotNone(killed)
    self.assertFalse(_alive(killed))
    self.assertEqual(_files(out), _files(self.direct))

  def test_the_command_on_the_cluster(self):
    out = os.path.join(self.root, 'command')
    result = script_testing.run(
        'prepare_dataset.py', f'--manifest={self.manifest}',
        f'--videos={os.path.dirname(self.clips[0].video)}',
        f'--output_dir={out}', '--streams=rgb', '--clips_per_shard=2',
        '--runner=DaskRunner', f'--dask_client_address={self.workers.address}')
    self.assertEqual(result.returncode, 1, result.stderr[-3000:])  # dd.
    self.assertIn('3 clips written, 0 skipped (finished shards), 1 failed',
                  result.stdout)
    made = _files(out)
    self.assertEqual(made.pop(outputs.LOCK_FILE),  # The command's, empty.
                     hashlib.sha256(b'').hexdigest())
    self.assertEqual(made, _files(self.direct))

  def test_features_from_shards_and_manifest_with_a_worker_killed(self):
    inputs = shards.shard_files(os.path.join(self.direct, 'train'))
    direct = os.path.join(self.root, 'direct_features', 'f')
    rows = features.execute(self.features, direct, _IN_PROCESS,
                            shard_files=inputs)
    out = os.path.join(self.root, 'dask_features', 'f')
    self.assertEqual(features.execute(self.features, out, self._dask(),
                                      shard_files=inputs), rows)
    self.assertEqual([r[0] for r in rows], ['aa_000000_000001',
                                             'bb_000000_000001',
                                             'cc_000000_000001'])
    self._assert_same_features(out, direct)

    labels = {'left': 0, 'right': 1}
    direct = os.path.join(self.root, 'direct_features', 'm')
    rows = features.execute(self.features, direct, _IN_PROCESS,
                            clips=self.clips, label_indices=labels,
                            clips_per_shard=2)
    out = os.path.join(self.root, 'dask_features', 'm')
    dask_cluster.arm(self.kill_dir, _FEATURES_KILL)
    self.assertEqual(
        features.execute(self.features, out, self._dask(bundle_size=2),
                         clips=self.clips, label_indices=labels,
                         clips_per_shard=2), rows)
    self.assertIsNotNone(dask_cluster.fired(self.kill_dir, _FEATURES_KILL))
    self.assertEqual([(r[0], r[2], bool(r[3])) for r in rows], [
        ('aa_000000_000001', 'm-00000-of-00002.tfrecord', False),
        ('bb_000000_000001', 'm-00000-of-00002.tfrecord', False),
        ('cc_000000_000001', 'm-00001-of-00002.tfrecord', False),
        ('dd_000000_000001', '', True)])
    self._assert_same_features(out, direct)

  def _assert_same_features(self, out, direct):
    with open(features.index_path(out), 'rb') as a, open(
        features.index_path(direct), 'rb') as b:
      self.assertEqual(a.read(), b.read())
    made, expected = _feature_records(out), _feature_records(direct)
    self.assertEqual(sorted(made), sorted(expected))
    self.assertEqual(sorted(os.listdir(os.path.dirname(out))),
                     sorted(os.listdir(os.path.dirname(direct))))
    for shard, records in expected.items():
      self.assertLen(made[shard], len(records))
      for a, b in zip(made[shard], records):
        # The same float32 graph in another process: sums in another order
        # differ by a few units in the last place of their terms.
        np.testing.assert_allclose(a.pop('features'), b.pop('features'),
                                   rtol=1e-4, atol=1e-5)
        self.assertEqual(a, b)


if __name__ == '__main__':
  absltest.main()
