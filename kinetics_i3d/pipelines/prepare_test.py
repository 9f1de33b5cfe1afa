"""The data set pipeline on Beam's DirectRunner, in this process."""

import csv
import glob
import os
import shutil
import tempfile

from absl.testing import absltest
from apache_beam.options import pipeline_options
import numpy as np
import tensorflow as tf

from kinetics_i3d.datasets import manifests
from kinetics_i3d.datasets import sequence_examples
from kinetics_i3d.datasets import shards
from kinetics_i3d.datasets import training_data
from kinetics_i3d.pipelines import prepare
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.testing import video_zoo
from kinetics_i3d.video import preprocessing

_IN_PROCESS = pipeline_options.PipelineOptions(
    direct_running_mode='in_memory', direct_num_workers=1)


def _examples(folder):
  """{media id: SequenceExample} of every shard in `folder`."""
  examples = {}
  for path in sorted(glob.glob(os.path.join(folder, '*.tfrecord'))):
    for record in tf.data.TFRecordDataset(path):
      example = tf.train.SequenceExample.FromString(record.numpy())
      examples[sequence_examples.media_id(example)] = example
  return examples


class PrepareTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp(dir=absltest.get_default_test_tmpdir())
    videos = os.path.join(cls.root, 'videos')
    os.makedirs(os.path.join(videos, 'left'))
    cls.trimmed = os.path.join(videos, 'left', 'aa_000010_000012.mkv')
    synthetic_videos.write_video(
        cls.trimmed, synthetic_videos.moving_texture(20, 48, 64, dx=2.0))
    synthetic_videos.write_video(
        os.path.join(videos, 'bb.mkv'),
        synthetic_videos.moving_texture(40, 48, 64, dy=1.0))
    synthetic_videos.write_video(
        os.path.join(videos, 'cc_000000_000001.mkv'),
        synthetic_videos.moving_texture(25, 48, 64, dx=-1.0))
    with open(os.path.join(videos, 'dd_000000_000010.mp4'), 'w') as f:
      f.write('not a video')
    # A phone's clip, stored sideways, 0.48 s long.
    shutil.copy(video_zoo.entry('rotate90.mp4').path,
                os.path.join(videos, 'ee_000000_000001.mp4'))
    manifest = os.path.join(cls.root, 'kinetics.csv')
    with open(manifest, 'w') as f:
      f.write('label,youtube_id,time_start,time_end,split\n'
              'left,aa,10,12,train\n'  # A trimmed clip.
              'up,bb,0,1,train\n'  # Cut from a whole video.
              'left,gone,3,13,train\n'  # Missing.
              'right,dd,0,10,val\n'  # Broken.
              'right,cc,0,1,val\n'
              'right,ee,0,1,test\n')
    cls.clips = manifests.from_kinetics_csv(manifest, videos)
    cls.out = os.path.join(cls.root, 'out')
    cls.settings = prepare.Settings(cls.out, ('rgb',), clips_per_shard=2)
    cls.first = prepare.execute(prepare.plan(cls.clips, cls.settings),
                                cls.settings, _IN_PROCESS)

  def test_one_example_per_good_row_in_mediapipe_layout(self):
    self.assertEqual(self.first, (4, 2))
    train, val = _examples(f'{self.out}/train'), _examples(f'{self.out}/val')
    self.assertEqual(sorted(train), ['aa_000010_000012', 'bb_000000_000001'])
    self.assertEqual(sorted(val), ['cc_000000_000001'])
    # Sorted by media id, train is aa, bb | gone: the second shard, whose one
    # clip failed, is written empty, so that the split is whole.
    self.assertEqual(sorted(os.listdir(f'{self.out}/train')),
                     ['train-00000-of-00002.tfrecord',
                      'train-00001-of-00002.tfrecord'])
    self.assertEqual(os.path.getsize(
        f'{self.out}/train/train-00001-of-00002.tfrecord'), 0)
    example = train['aa_000010_000012']
    context = example.context.feature
    self.assertEqual(context['clip/label/string'].bytes_list.value, [b'left'])
    self.assertEqual(context['clip/label/index'].int64_list.value, [0])
    self.assertEqual(context['clip/start/timestamp'].int64_list.value,
                     [10_000_000])
    self.assertEqual(context['clip/end/timestamp'].int64_list.value,
                     [12_000_000])
    self.assertEqual(context['image/frame_rate'].float_list.value, [25.0])
    frames = example.feature_lists.feature_list['image/encoded'].feature
    stamps = example.feature_lists.feature_list['image/timestamp'].feature
    self.assertLen(frames, 20)
    self.assertEqual([s.int64_list.value[0] for s in stamps[:2]],
                     [10_000_000, 10_040_000])
    image = tf.io.decode_jpeg(frames[0].bytes_list.value[0]).numpy()
    self.assertEqual(image.shape, (256, 341, 3))  # Short side 256, no crop.
    cut = train['bb_000000_000001'].context.feature
    self.assertEqual(cut['clip/label/index'].int64_list.value, [2])  # 'up'.
    with open(f'{self.out}/label_map.txt') as f:
      self.assertEqual(f.read().split(), ['left', 'right', 'up'])

  def test_failures_are_listed_with_their_reason(self):
    with open(f'{self.out}/failures.csv') as f:
      rows = {r['media_id']: r['reason'] for r in csv.DictReader(f)}
    self.assertEqual(sorted(rows), ['dd_000000_000010', 'gone_000003_000013'])
    self.assertIn('cannot decode', rows['dd_000000_000010'])
    self.assertIn('no video for it', rows['gone_000003_000013'])

  def test_decoder_notes_name_turned_and_short_clips(self):
    self.assertEqual(prepare.read_decoded(self.out), [
        ('aa_000010_000012', self.trimmed, '0.80 s of its 2.00 s segment'),
        ('ee_000000_000001',
         os.path.join(self.root, 'videos', 'ee_000000_000001.mp4'),
         'turned 90 counter-clockwise; 0.48 s of its 1.00 s segment')])
    (example,) = _examples(f'{self.out}/test').values()
    jpeg = example.feature_lists.feature_list['image/encoded'].feature[0]
    # Shown 48x64 upright: resized to 341x256, the long side vertical.
    self.assertEqual(tf.io.decode_jpeg(jpeg.bytes_list.value[0]).shape,
                     (341, 256, 3))

  def test_rerun_redoes_only_unfinished_shards(self):
    paths = sorted(glob.glob(f'{self.out}/*/*.tfrecord'))
    # As if the run had been killed before it.
    removed = f'{self.out}/train/train-00000-of-00002.tfrecord'
    paths.remove(removed)
    os.remove(removed)
    left = removed + '.tmp-0123456789ab'  # What the killed worker left.
    with open(left, 'wb') as f:
      f.write(b'half a shard')
    times = [os.path.getmtime(p) for p in paths]
    work = prepare.plan(self.clips, self.settings)
    self.assertEqual([c.media_id for _, c in work.pending],
                     ['aa_000010_000012', 'bb_000000_000001'])
    self.assertLen(work.skipped, 4)
    self.assertEqual(prepare.execute(work, self.settings, _IN_PROCESS),
                     (2, 0))
    self.assertTrue(os.path.exists(removed))
    self.assertFalse(os.path.exists(left))  # The pipeline's last step.
    self.assertEqual([os.path.getmtime(p) for p in paths], times)
    with open(f'{self.out}/failures.csv') as f:  # The skipped one is kept.
      self.assertEqual(sorted(r['media_id'] for r in csv.DictReader(f)),
                       ['dd_000000_000010', 'gone_000003_000013'])

  def test_verify_removes_a_damaged_shard_for_the_run_to_make_again(self):
    self.assertEqual(prepare.remove_damaged(self.out), [])
    path = f'{self.out}/val/val-00000-of-00001.tfrecord'
    os.truncate(path, os.path.getsize(path) - 5)  # An interrupted copy.
    (removed, reason), = prepare.remove_damaged(self.out)
    self.assertEqual(removed, path)
    self.assertIn('truncated record', reason)
    self.assertFalse(os.path.exists(path))
    work = prepare.plan(self.clips, self.settings)
    self.assertIn('cc_000000_000001', [c.media_id for _, c in work.pending])
    prepare.execute(work, self.settings, _IN_PROCESS)
    self.assertIsNone(shards.read_error(path))

  def test_training_and_evaluation_read_the_shards(self):
    clips = training_data.load(f'{self.out}/train', 'rgb')  # Finds the map.
    self.assertEqual(clips.class_names, ['left', 'right', 'up'])
    batch, labels = next(iter(training_data.dataset(
        clips, 'rgb', batch_size=2, num_frames=9, training=True)))
    self.assertEqual(batch.shape, (2, 9, 224, 224, 3))
    self.assertCountEqual(labels.numpy().tolist(), [0, 2])
    # Evaluation: the centre crop, as the .npy path makes it (JPEG aside).
    val = training_data.load(f'{self.out}/train', 'rgb')
    clip, label = next(iter(training_data.dataset(
        val, 'rgb', batch_size=1, num_frames=0, training=False)))
    self.assertEqual(int(label[0]), 0)
    npy = preprocessing.preprocess_video(self.trimmed, flow=False).rgb
    self.assertEqual(clip.shape, npy.shape)
    difference = np.abs(clip.numpy() - npy).mean()
    self.assertLess(difference, 0.02)
    self.assertGreater(np.abs(npy[:, 1:] - npy[:, :-1]).mean(),
                       5 * difference)  # It sees a frame out of place.


if __name__ == '__main__':
  absltest.main()
