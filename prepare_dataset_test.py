"""End-to-end tests of prepare_dataset.py, run as a user runs it."""

import csv
import os

from absl.testing import absltest
import numpy as np
import pytest
import tensorflow as tf

from kinetics_i3d.testing import script_testing
from kinetics_i3d.testing import synthetic_videos


def _run(*args):
  return script_testing.run('prepare_dataset.py', *args)


class PrepareDatasetTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.dir = self.create_tempdir().full_path
    self.videos = os.path.join(self.dir, 'videos')
    for label, dx in (('Left', -2.0), ('Right', 2.0)):
      os.makedirs(os.path.join(self.videos, label))
      synthetic_videos.write_video(
          os.path.join(self.videos, label, f'v_{label}_g01_c01.mkv'),
          synthetic_videos.moving_then_still(4, 6, 48, 64, dx=dx))

  def test_two_workers_make_rgb_and_quantised_flow(self):
    out = os.path.join(self.dir, 'out')
    result = _run(f'--videos={self.videos}', f'--output_dir={out}',
                  '--direct_num_workers=2')
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn('2 clips written, 0 skipped (finished shards), 0 failed.',
                  result.stdout)
    shards = sorted(os.listdir(os.path.join(out, 'train')))
    self.assertEqual(shards, ['train-00000-of-00001.tfrecord'])
    examples = [
        tf.train.SequenceExample.FromString(r.numpy())
        for r in tf.data.TFRecordDataset(os.path.join(out, 'train', shards[0]))
    ]
    self.assertLen(examples, 2)
    for example, dx in zip(examples, (-2.0, 2.0)):  # Left, then Right.
      lists = example.feature_lists.feature_list
      self.assertLen(lists['image/encoded'].feature, 9)  # Aligned with flow.
      flow = np.stack([
          tf.io.decode_jpeg(f.bytes_list.value[0]).numpy()
          for f in lists['FORWARD_FLOW/image/encoded'].feature
      ])
      self.assertEqual(flow.shape, (9, 256, 341, 3))
      # Back to pixels as MediaPipe's readers do: (q / 255 - 0.5) * 40.
      pixels = (flow[..., :2] / 255.0 - 0.5) * 40.0
      # The texture moves dx * 256 / 48 pixels a frame once resized, for
      # three frames, then stands still.
      self.assertAlmostEqual(np.median(pixels[:3, ..., 0]), dx * 256 / 48,
                             delta=1.0)
      self.assertLess(np.abs(np.median(pixels[:3, ..., 1])), 0.5)
      self.assertLess(np.abs(pixels[3:]).max(), 0.5)  # Quantised zero.
    with open(os.path.join(out, 'failures.csv')) as f:
      self.assertEqual(list(csv.DictReader(f)), [])

  @pytest.mark.slow
  def test_train_and_evaluate_run_on_the_shards(self):
    out = os.path.join(self.dir, 'out')
    result = _run(f'--videos={self.videos}', f'--output_dir={out}',
                  '--streams=rgb', '--direct_running_mode=in_memory')
    self.assertEqual(result.returncode, 0, result.stderr)
    model_dir = os.path.join(self.dir, 'model')
    result = script_testing.run(
        'train.py', f'--train_data={out}/train', f'--model_dir={model_dir}',
        '--train_steps=2', '--batch_size=2', '--num_frames=9')
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn('Trained rgb to step 2', result.stdout)
    result = script_testing.run('evaluate.py', f'--data={out}/train',
                                f'--model_dir={model_dir}')
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertRegex(result.stdout, r'rgb: top-1 [01]\.\d+, .* \(2 clips\)')

  def test_a_user_error_is_one_line(self):
    # The other bad inputs are checked in process, in manifests_test.
    out = os.path.join(self.dir, 'out')
    result = _run(f'--videos={self.videos}', f'--output_dir={out}',
                  '--label_map=/nonexistent.txt')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: no label map at /nonexistent.txt')
    self.assertNotIn('Traceback', result.stderr)
    self.assertFalse(os.path.exists(out))

if __name__ == '__main__':
  absltest.main()
