"""Tests of the training and evaluation input pipelines."""

import os

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d.datasets import training_data


def _save(path, frames, height=224, width=224, channels=3, value=None):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  clip = np.zeros((1, frames, height, width, channels), np.float32)
  # Frame t holds t / 100 everywhere (or `value`), to follow frames.
  clip[:] = (np.arange(frames, dtype=np.float32)[None, :, None, None, None] /
             100.0 if value is None else value)
  np.save(path, clip)
  return path


def _sequence_example(frames, label, flow_value):
  example = tf.train.SequenceExample()
  example.context.feature['clip/label/index'].int64_list.value.append(label)
  images = example.feature_lists.feature_list['image/encoded']
  flows = example.feature_lists.feature_list['FORWARD_FLOW/image/encoded']
  for t in range(frames):
    image = np.full((240, 300, 3), 10 * t, np.uint8)
    images.feature.add().bytes_list.value.append(
        tf.io.encode_jpeg(image, quality=100).numpy())
    flow = np.full((240, 300, 3), flow_value, np.uint8)
    flows.feature.add().bytes_list.value.append(
        tf.io.encode_jpeg(flow, quality=100).numpy())
  return example.SerializeToString()


class SourcesTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.root = self.create_tempdir().full_path

  def test_class_folders_pick_the_stream(self):
    _save(f'{self.root}/b_class/x_rgb.npy', 10)
    _save(f'{self.root}/b_class/x_flow.npy', 10, channels=2)
    _save(f'{self.root}/a_class/y_rgb.npy', 12)
    rgb = training_data.load(self.root, 'rgb')
    self.assertEqual(rgb.class_names, ['a_class', 'b_class'])
    self.assertEqual(rgb.labels, [0, 1])
    self.assertTrue(all(p.endswith('_rgb.npy') for p in rgb.paths))
    with self.assertRaisesRegex(errors.InputError,
                                'a_class has no flow clips'):
      training_data.load(self.root, 'flow')
    with self.assertRaisesRegex(errors.InputError, 'has 2 classes; '
                                '--num_classes is 5'):
      training_data.load(self.root, 'rgb', num_classes=5)

  def test_csv_with_names_and_indices(self):
    _save(f'{self.root}/clips/a_rgb.npy', 9)
    _save(f'{self.root}/clips/b_rgb.npy', 9)
    with open(f'{self.root}/names.csv', 'w') as f:
      f.write('path,label\nclips/a_rgb.npy,walking\nclips/b_rgb.npy,biking\n')
    clips = training_data.load(f'{self.root}/names.csv', 'rgb')
    self.assertEqual(clips.class_names, ['biking', 'walking'])
    self.assertEqual(clips.labels, [1, 0])
    with open(f'{self.root}/indices.csv', 'w') as f:
      f.write('clips/a_rgb.npy,3\n')
    self.assertEqual(
        training_data.load(f'{self.root}/indices.csv', 'rgb').labels, [3])

  def test_bad_clips(self):
    _save(f'{self.root}/a/small_rgb.npy', 9, height=100)
    with self.assertRaisesRegex(errors.InputError,
                                r'small_rgb.npy has frames of 100x224 pixels'):
      training_data.load(self.root, 'rgb')

  def test_bad_sources(self):
    _save(f'{self.root}/good/up/clip0_rgb.npy', 9)
    corrupt = os.path.join(self.root, 'corrupt')
    os.makedirs(os.path.join(corrupt, 'up'))
    with open(os.path.join(corrupt, 'up', 'clip0_rgb.npy'), 'wb') as f:
      f.write(b'\x93NUMPY garbage')
    cut = os.path.join(self.root, 'cut')  # A copy that wrote nothing.
    os.makedirs(os.path.join(cut, 'up'))
    open(os.path.join(cut, 'up', 'clip0_rgb.npy'), 'wb').close()
    empty = os.path.join(self.root, 'empty')
    os.makedirs(os.path.join(empty, 'a'))
    os.makedirs(os.path.join(empty, 'b'))
    csv_path = os.path.join(self.root, 'labels.csv')
    with open(csv_path, 'w') as f:
      f.write('good/up/clip0_rgb.npy,up\ngood/up/clip0_rgb.npy,7\n')
    label_map = os.path.join(self.root, 'names.txt')
    with open(label_map, 'w') as f:
      f.write('down\nup\n')
    cases = [
        ((corrupt,), 'clip0_rgb.npy is not a readable .npy clip'),
        ((cut,), 'clip0_rgb.npy is not a readable .npy clip'),
        ((empty,), 'class folder .*/a has no rgb clips'),
        ((os.path.join(self.root, 'missing.csv'),), 'no CSV at'),
        ((os.path.join(self.root, 'nowhere'),), 'no data folder at'),
        ((csv_path, label_map), "label '7' is not one of the 2 classes"),
    ]
    for (source, *names), message in cases:
      with self.assertRaisesRegex(errors.InputError, message):
        training_data.load(source, 'rgb', *names)


class PipelineTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.root = self.create_tempdir().full_path

  def test_clips_outside_the_network_range_are_one_line_when_read(self):
    _save(f'{self.root}/a/bytes_rgb.npy', 9, value=255)
    clips = training_data.load(self.root, 'rgb')
    data = training_data.dataset(clips, 'rgb', batch_size=1, num_frames=9,
                                 training=True)
    with self.assertRaises(tf.errors.InvalidArgumentError) as raised:
      next(iter(data))
    error = str(training_data.read_failure(clips, raised.exception))
    self.assertRegex(error, r'^a clip cannot be read: .*bytes_rgb.npy holds '
                     r'values from 255 to 255, outside \[-1, 1\]')
    self.assertNotIn('\n', error)

  def test_training_windows_loop_short_clips_and_crop(self):
    _save(f'{self.root}/a/short_rgb.npy', 5, height=240, width=260)
    clips = training_data.load(self.root, 'rgb')
    data = training_data.dataset(clips, 'rgb', batch_size=2, num_frames=12,
                                 training=True, seed=1)
    batch, labels = next(iter(data))
    self.assertEqual(batch.shape, (2, 12, 224, 224, 3))
    self.assertEqual(list(labels.numpy()), [0, 0])
    frames = np.round(batch[0, :, 0, 0, 0].numpy() * 100).astype(int)
    self.assertEqual(list(frames), [0, 1, 2, 3, 4] * 2 + [0, 1])

  def test_random_crops_reach_the_whole_frame_and_evaluation_is_centred(self):
    # Channel 1 holds the row and channel 2 the column (in thousandths), so a
    # crop's corner tells where it was taken.
    rows, cols = np.meshgrid(np.arange(240), np.arange(260), indexing='ij')
    clip = np.zeros((1, 9, 240, 260, 3), np.float32)
    clip[..., 1], clip[..., 2] = rows / 1000, cols / 1000
    os.makedirs(f'{self.root}/a')
    np.save(f'{self.root}/a/ramp_rgb.npy', clip)
    clips = training_data.load(self.root, 'rgb')

    def corner(batch):
      top = int(round(batch[0, 0, 0, 0, 1].numpy() * 1000))
      left = int(round(min(batch[0, 0, 0, 0, 2], batch[0, 0, 0, -1, 2]).numpy()
                       * 1000))  # A flipped crop starts on its right.
      return top, left
    data = iter(training_data.dataset(clips, 'rgb', 1, 9, training=True,
                                      seed=4))
    corners = [corner(next(data)[0]) for _ in range(20)]
    tops, lefts = zip(*corners)
    self.assertTrue(all(0 <= t <= 16 for t in tops), tops)
    self.assertTrue(all(0 <= left <= 36 for left in lefts), lefts)
    self.assertGreater(len(set(tops)), 5)
    self.assertGreater(len(set(lefts)), 5)
    evaluation = next(iter(training_data.dataset(clips, 'rgb', 1, 9,
                                                 training=False)))[0]
    self.assertEqual(corner(evaluation), (8, 18))

  def test_random_windows_and_evaluation_takes_whole_clips(self):
    _save(f'{self.root}/a/long_rgb.npy', 40)
    clips = training_data.load(self.root, 'rgb')
    starts = set()
    data = iter(training_data.dataset(clips, 'rgb', 1, 8, training=True,
                                      seed=2))
    for _ in range(10):
      batch, _ = next(data)
      frames = np.round(batch[0, :, 0, 0, 0].numpy() * 100).astype(int)
      self.assertEqual(list(frames), list(range(frames[0], frames[0] + 8)))
      starts.add(frames[0])
    self.assertGreater(len(starts), 3)
    evaluation = list(training_data.dataset(clips, 'rgb', 1, 8,
                                            training=False))
    self.assertLen(evaluation, 1)
    self.assertEqual(evaluation[0][0].shape, (1, 40, 224, 224, 3))

  def test_flipped_flow_negates_x(self):
    path = _save(f'{self.root}/a/f_flow.npy', 9, channels=2, value=0.0)
    clip = np.load(path)
    clip[..., 0] = 0.5
    clip[..., 1] = 0.25
    clip[..., :112, 0] = 0.1  # The left half differs, to see the flip.
    np.save(path, clip)
    clips = training_data.load(self.root, 'flow')
    seen = set()
    data = iter(training_data.dataset(clips, 'flow', 1, 9, training=True,
                                      seed=3))
    for _ in range(12):
      batch, _ = next(data)
      left, right = batch[0, 0, 0, 0].numpy(), batch[0, 0, 0, -1].numpy()
      seen.add((round(float(left[0]), 2), round(float(right[0]), 2)))
      self.assertAlmostEqual(float(left[1]), 0.25)
    self.assertEqual(seen, {(0.1, 0.5), (-0.5, -0.1)})

  def test_mediapipe_sequence_examples(self):
    path = os.path.join(self.root, 'data.tfrecord')
    with tf.io.TFRecordWriter(path) as writer:
      writer.write(_sequence_example(6, label=1, flow_value=191))
    clips = training_data.load(path, 'flow', num_classes=3)
    batch, labels = next(iter(training_data.dataset(
        clips, 'flow', 1, 4, training=True, seed=0, augment=False)))
    self.assertEqual(batch.shape, (1, 4, 224, 224, 2))
    self.assertEqual(int(labels[0]), 1)
    # 191 / 255 quantises (x / 40 + 0.5): x = 9.96 px, 0.498 after / 20.
    np.testing.assert_allclose(batch.numpy(), (191 / 255 - 0.5) * 2, atol=0.02)
    rgb = training_data.load(path, 'rgb', num_classes=3)
    clip, _ = next(iter(training_data.dataset(rgb, 'rgb', 1, 0,
                                              training=False)))
    self.assertEqual(clip.shape, (1, 6, 224, 224, 3))
    np.testing.assert_allclose(clip[0, :, 100, 100, 0],
                               np.arange(6) * 10 / 255 * 2 - 1, atol=0.02)
    with self.assertRaisesRegex(errors.InputError, 'needs --label_map'):
      training_data.load(path, 'rgb')


if __name__ == '__main__':
  absltest.main()
