"""Shards fixed before the run, each written once per clip."""

import os

from absl.testing import absltest
import tensorflow as tf

from kinetics_i3d.pipelines import sharded


class ShardedTest(absltest.TestCase):

  def test_sorted_media_ids_cut_into_equal_runs(self):
    ids = [f'v{i:02d}' for i in range(10)]
    places = sharded.assign(ids[::-1], per_shard=4)  # Any input order.
    self.assertEqual([places[m] for m in ids],
                     [(0, 3)] * 4 + [(1, 3)] * 3 + [(2, 3)] * 3)
    self.assertEqual(set(sharded.assign(['a'], 4).values()), {(0, 1)})
    self.assertEqual(sharded.shard_path('OUT/train', 2, 3),
                     'OUT/train-00002-of-00003.tfrecord')

  def test_a_retried_clip_is_written_once_and_failures_are_rows(self):
    path = os.path.join(self.create_tempdir().full_path, 's.tfrecord')
    b = sharded.Outcome('b', 'b.mp4', b'B', notes='turned 180')
    outcomes = [b, sharded.Outcome('c', 'c.mp4', None, 'broken'),
                sharded.Outcome('a', 'a.mp4', b'A'), b]
    (rows,) = sharded.WriteShard().process((path, outcomes))
    self.assertEqual([r.numpy() for r in tf.data.TFRecordDataset(path)],
                     [b'A', b'B'])
    self.assertEqual(rows, [('a', 'a.mp4', path, '', ''),
                            ('b', 'b.mp4', path, '', 'turned 180'),
                            ('c', 'c.mp4', '', 'broken', '')])

  def test_a_shard_whose_every_clip_failed_is_written_empty(self):
    path = os.path.join(self.create_tempdir().full_path, 's.tfrecord')
    list(sharded.WriteShard().process(
        (path, [sharded.Outcome('a', 'a.mp4', None, 'gone')])))
    self.assertEqual(os.path.getsize(path), 0)


if __name__ == '__main__':
  absltest.main()
