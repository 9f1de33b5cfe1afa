"""Whole files through Beam's file systems, read back by TensorFlow."""

import os

from absl.testing import absltest
import tensorflow as tf

from kinetics_i3d.pipelines import files


class FilesTest(absltest.TestCase):

  def test_tensorflow_reads_the_tfrecords_and_checks_their_crcs(self):
    folder = self.create_tempdir().full_path
    path = os.path.join(folder, 'sub', 'a.tfrecord')  # Folders are made.
    records = [b'', b'x', bytes(range(256)) * 40]
    files.write_tfrecords(path, records)
    self.assertEqual(
        [r.numpy() for r in tf.data.TFRecordDataset(path)], records)
    files.write_tfrecords(path, [b'again'])  # A retried bundle's rewrite.
    self.assertEqual([r.numpy() for r in tf.data.TFRecordDataset(path)],
                     [b'again'])
    self.assertEqual(os.listdir(os.path.dirname(path)), ['a.tfrecord'])
    with open(path, 'r+b') as f:  # One bit of the data flipped.
      f.seek(14)
      byte = f.read(1)
      f.seek(14)
      f.write(bytes([byte[0] ^ 1]))
    with self.assertRaisesRegex(tf.errors.DataLossError, 'corrupted record'):
      list(tf.data.TFRecordDataset(path))

  def test_a_failed_write_leaves_only_a_temporary_which_is_removed(self):
    folder = self.create_tempdir().full_path
    path = os.path.join(folder, 'report.csv')
    files.write_csv(path, ('a', 'b'), [('1', 'x,y')])
    with self.assertRaises(RuntimeError):
      with files.written_whole(path) as f:
        f.write(b'half')
        raise RuntimeError('killed')
    self.assertEqual(files.read_csv(path), [{'a': '1', 'b': 'x,y'}])
    (temporary,) = files.remove_temporaries([os.path.join(folder, '*')])
    self.assertStartsWith(os.path.basename(temporary), 'report.csv.tmp-')
    self.assertEqual(os.listdir(folder), ['report.csv'])
    self.assertEqual(files.read_csv(os.path.join(folder, 'none.csv')), [])


if __name__ == '__main__':
  absltest.main()
