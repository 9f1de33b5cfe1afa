"""Tests of reading Kinetics CSVs and class folders into clips."""

import os

from absl.testing import absltest

from kinetics_i3d import errors
from kinetics_i3d.datasets import manifests


def _touch(path: str) -> str:
  os.makedirs(os.path.dirname(path), exist_ok=True)
  open(path, 'wb').close()
  return path


class KineticsCsvTest(absltest.TestCase):

  def test_trimmed_clips_whole_videos_and_missing_ones(self):
    root = self.create_tempdir().full_path
    trimmed = _touch(
        os.path.join(root, 'v', 'abseiling', 'aa_000004_000014.mp4'))
    whole = _touch(os.path.join(root, 'v', 'bb.webm'))
    _touch(os.path.join(root, 'v', 'notes.txt'))
    csv_path = os.path.join(root, 'train.csv')
    with open(csv_path, 'w') as f:
      f.write('label,youtube_id,time_start,time_end,split,is_cc\n'
              'abseiling,aa,4,14,train,0\n'
              'zumba,bb,30,40,train,0\n'
              'zumba,cc,0,10,val,0\n')
    clips = manifests.from_kinetics_csv(csv_path, os.path.join(root, 'v'))
    self.assertEqual(clips, [
        manifests.ClipSpec('aa_000004_000014', trimmed, 'abseiling', 'train',
                           None, None, 4, 14),
        manifests.ClipSpec('bb_000030_000040', whole, 'zumba', 'train', 30,
                           40, 30, 40),
        manifests.ClipSpec('cc_000000_000010', '', 'zumba', 'val', 0, 10, 0,
                           10),
    ])

  def test_not_a_kinetics_csv(self):
    path = self.create_tempfile('x.csv', 'path,label\na.mp4,x\n').full_path
    with self.assertRaisesRegex(errors.InputError, 'not a Kinetics CSV'):
      manifests.from_kinetics_csv(path, self.create_tempdir().full_path)


class ClassFoldersTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.root = self.create_tempdir().full_path
    for name in ('Run/v_Run_g01_c01.avi', 'Run/v_Run_g08_c01.avi',
                 'Jump/v_Jump_g02_c01.avi'):
      _touch(os.path.join(self.root, 'videos', name))

  def test_split_lists_in_ucf101_format(self):
    train = self.create_tempfile(
        'trainlist01.txt',
        'Run/v_Run_g08_c01.avi 2\nJump/v_Jump_g02_c01.avi 1\n')
    test = self.create_tempfile('testlist01.txt', 'Run/v_Run_g01_c01.avi\n')
    clips = manifests.from_class_folders(os.path.join(self.root, 'videos'),
                                         [train.full_path, test.full_path])
    self.assertEqual([(c.media_id, c.label, c.split) for c in clips],
                     [('v_Run_g08_c01', 'Run', 'train'),
                      ('v_Jump_g02_c01', 'Jump', 'train'),
                      ('v_Run_g01_c01', 'Run', 'test')])
    self.assertEqual(manifests.label_names(clips), ['Jump', 'Run'])
    self.assertEqual(manifests.label_names(clips, ['Run', 'Jump', 'Swim']),
                     ['Run', 'Jump', 'Swim'])
    with self.assertRaisesRegex(errors.InputError, 'not in the label map'):
      manifests.label_names(clips, ['Run'])

  def test_every_video_is_train_without_lists(self):
    clips = manifests.from_class_folders(os.path.join(self.root, 'videos'))
    self.assertEqual({c.split for c in clips}, {'train'})
    self.assertLen(clips, 3)

  def test_no_videos_and_no_list(self):
    empty = self.create_tempdir().full_path
    with self.assertRaisesRegex(errors.InputError, 'no videos in class'):
      manifests.from_class_folders(empty)
    with self.assertRaisesRegex(errors.MissingFileError, 'cannot read'):
      manifests.from_class_folders(os.path.join(self.root, 'videos'),
                                   [os.path.join(empty, 'trainlist01.txt')])

  def test_a_listed_video_that_is_not_there(self):
    bad = self.create_tempfile('testlist01.txt', 'Run/v_Run_g99_c01.avi\n')
    with self.assertRaisesRegex(errors.InputError,
                                'testlist01.txt:1: Run/v_Run_g99_c01.avi'):
      manifests.from_class_folders(os.path.join(self.root, 'videos'),
                                   [bad.full_path])


if __name__ == '__main__':
  absltest.main()
