"""Tests of shard sets: whole or refused, strays never read, damage named."""

import os

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d.datasets import sequence_examples
from kinetics_i3d.datasets import shards
from kinetics_i3d.datasets import training_data
from kinetics_i3d.video import preprocessing


def _write(path, records):
  with tf.io.TFRecordWriter(path) as writer:
    for record in records:
      writer.write(record)


def _clip(label: int) -> bytes:
  """A prepared clip of 10 frames of 230x240 RGB."""
  builder = sequence_examples.ClipBuilder(f'clip{label}', label, str(label),
                                          0.0, None, 96, 90)
  frames = np.full((10, 230, 240, 3), label / 10 - 0.5, np.float32)
  builder.add(preprocessing.Chunk(frames, None, np.arange(10) / 25.0))
  return builder.example().SerializeToString()


class ShardFilesTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.split = self.create_tempdir('train').full_path
    self.paths = [os.path.join(self.split, f'train-{i:05d}-of-00003.tfrecord')
                  for i in range(3)]
    for path in self.paths:
      _write(path, [b'a', b'b'])

  def test_the_whole_set_in_order_and_nothing_else(self):
    # What a killed writer leaves, and a file of someone else's.
    _write(self.paths[1] + '.tmp-0123abcd', [b'half'])
    open(os.path.join(self.split, 'notes.txt'), 'w').close()
    self.assertEqual(shards.shard_files(self.split), self.paths)
    self.assertEqual(shards.shard_files(os.path.join(self.split, 'train')),
                     self.paths)  # The prefix.
    self.assertEqual(shards.shard_files(os.path.join(self.split, '*')),
                     self.paths)  # A glob.
    self.assertEqual(shards.shard_files(self.paths[2]), self.paths[2:])

  def test_a_missing_shard_is_named(self):
    os.remove(self.paths[1])
    with self.assertRaisesRegex(
        errors.InputError, 'train-00001-of-00003.tfrecord is missing .1 of '
        'the 3 shards.: the run that writes them did not finish'):
      shards.shard_files(self.split)

  def test_two_sets_and_none(self):
    _write(os.path.join(self.split, 'train-00000-of-00001.tfrecord'), [b'c'])
    with self.assertRaisesRegex(errors.InputError, 'holds shards of 2 sets'):
      shards.shard_files(self.split)
    with self.assertRaisesRegex(errors.InputError, 'no TFRecord shards'):
      shards.shard_files(self.create_tempdir().full_path)

  def test_damage_is_found_and_named(self):
    self.assertIsNone(shards.find_damaged(self.paths))
    with open(self.paths[2], 'r+b') as f:  # A flipped byte.
      f.seek(13)
      byte = f.read(1)
      f.seek(13)
      f.write(bytes([byte[0] ^ 0xff]))
    os.truncate(self.paths[1], os.path.getsize(self.paths[1]) - 3)  # Cut.
    for path in self.paths[1:]:
      self.assertIsNotNone(shards.read_error(path), path)
    error = shards.find_damaged(self.paths)
    self.assertRegex(str(error), f'^{self.paths[1]} is damaged .*'
                     'prepare_dataset.py --verify rechecks every shard')


class ReadingTest(absltest.TestCase):

  def test_training_data_names_the_damaged_shard(self):
    split = self.create_tempdir('train').full_path
    paths = [os.path.join(split, f'train-{i:05d}-of-00002.tfrecord')
             for i in range(2)]
    for i, path in enumerate(paths):
      _write(path, [_clip(i)])
    _write(paths[0] + '.tmp-99', [b'not a clip'])  # Never read.
    clips = training_data.load(split, 'rgb', num_classes=2)
    self.assertEqual(clips.paths, paths)
    data = training_data.dataset(clips, 'rgb', 1, 0, training=False)
    self.assertLen(list(data), 2)
    os.truncate(paths[1], os.path.getsize(paths[1]) // 2)
    with self.assertRaises((tf.errors.DataLossError,
                            tf.errors.InvalidArgumentError)) as raised:
      list(training_data.dataset(clips, 'rgb', 1, 0, training=False))
    error = training_data.read_failure(clips, raised.exception)
    self.assertIsInstance(error, shards.DamagedShardError)
    self.assertRegex(str(error), f'^{paths[1]} is damaged')


if __name__ == '__main__':
  absltest.main()
