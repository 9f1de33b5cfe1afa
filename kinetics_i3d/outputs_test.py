"""Tests of writing outputs whole or not at all, and of a folder's lock."""

import errno
import os
import subprocess
import sys

from absl.testing import absltest

from kinetics_i3d import errors
from kinetics_i3d import outputs
from kinetics_i3d.datasets import preprocess_jobs
from kinetics_i3d.datasets import shards
from kinetics_i3d.datasets import training_data
from kinetics_i3d.fvd import sets


class AtomicTest(absltest.TestCase):

  def test_a_whole_file_or_nothing(self):
    directory = self.create_tempdir().full_path
    path = os.path.join(directory, 'out.txt')
    with outputs.atomic(path) as temporary:
      self.assertTrue(outputs.is_temporary(temporary))
      with open(temporary, 'w') as f:
        f.write('whole')
      self.assertFalse(os.path.exists(path))  # Not before the end.
    with open(path) as f:
      self.assertEqual(f.read(), 'whole')
    with self.assertRaises(ValueError):
      with outputs.atomic(os.path.join(directory, 'b.txt')) as temporary:
        open(temporary, 'w').close()
        raise ValueError('failed half-way')
    self.assertEqual(os.listdir(directory), ['out.txt'])

  def test_a_full_disk_is_one_error_naming_the_file(self):
    directory = self.create_tempdir().full_path
    path = os.path.join(directory, 'out.npz')
    with self.assertRaisesRegex(outputs.DiskFullError,
                                f'no room to write {path}'):
      with outputs.atomic(path) as temporary:
        open(temporary, 'w').close()
        raise OSError(errno.ENOSPC, 'No space left on device')
    self.assertEqual(os.listdir(directory), [])


class FolderTest(absltest.TestCase):

  def test_a_rerun_removes_what_a_killed_run_left(self):
    directory = self.create_tempdir().full_path
    os.makedirs(os.path.join(directory, 'train', '.checkpoint.tmp-1'))
    kept = ['train/a.tfrecord', 'notes.tmp.txt']
    for name in kept + ['train/a.tfrecord.tmp-12ab', 'x.npy.tmp-3']:
      open(os.path.join(directory, name), 'w').close()
    with outputs.writing(directory, 'job') as removed:
      self.assertLen(removed, 3)
    found = sorted(os.path.relpath(os.path.join(r, f), directory)
                   for r, _, files in os.walk(directory) for f in files)
    self.assertEqual(found, sorted(kept + [outputs.LOCK_FILE]))
    self.assertEqual(outputs.remove_temporaries_of(
        os.path.join(directory, 'notes.tmp.txt')), [])

  def test_two_runs_at_once_are_refused(self):
    directory = self.create_tempdir().full_path
    holder = subprocess.Popen(
        [sys.executable, '-c', 'import sys, time\n'
         'from kinetics_i3d import outputs\n'
         f'with outputs.writing({directory!r}, "job"):\n'
         '  print("held", flush=True)\n'
         '  time.sleep(60)\n'], stdout=subprocess.PIPE, text=True)
    self.addCleanup(holder.kill)
    self.assertEqual(holder.stdout.readline().strip(), 'held')
    with self.assertRaisesRegex(outputs.BusyError,
                                f'another job run is writing {directory}'):
      with outputs.writing(directory, 'job'):
        pass
    holder.kill()  # Killed, its lock goes with it.
    holder.wait()
    with outputs.writing(directory, 'job'):
      pass


  def test_the_lock_left_behind_is_empty_and_no_reader_takes_it(self):
    # The lock file stays (removing it would let a waiting run lock a file
    # no longer in the folder while a third locks a new one); it is empty,
    # and every reader of a folder picks files by their names.
    directory = self.create_tempdir().full_path
    with outputs.writing(directory, 'job'):
      pass
    lock = os.path.join(directory, outputs.LOCK_FILE)
    self.assertEqual(os.path.getsize(lock), 0)
    self.assertEqual(preprocess_jobs.video_files(directory), [])
    with self.assertRaisesRegex(errors.InputError, 'no class sub-folders'):
      training_data.from_class_folders(directory, 'rgb')
    with self.assertRaisesRegex(errors.InputError, 'no .*shard'):
      shards.shard_files(directory)
    self.assertEqual(sets.open_set(directory).lengths, [])


if __name__ == '__main__':
  absltest.main()
