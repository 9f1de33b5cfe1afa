"""The features pipeline against the single-video features path."""

import glob
import os
import tempfile

from absl.testing import absltest
import apache_beam as beam
from apache_beam.options import pipeline_options
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import features as features_lib
from kinetics_i3d.datasets import manifests
from kinetics_i3d.pipelines import features
from kinetics_i3d.pipelines import prepare
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos

_IN_PROCESS = pipeline_options.PipelineOptions(
    direct_running_mode='in_memory', direct_num_workers=1)


def _run(source, settings, label_indices, output):
  with beam.Pipeline(options=_IN_PROCESS) as pipeline:
    _ = (pipeline | source
         | features.ExtractFeatures(settings, label_indices)
         | beam.io.WriteToTFRecord(output, file_name_suffix='.tfrecord'))
  return {record[0]: record for record in (
      features.read_features(r.numpy()) for r in tf.data.TFRecordDataset(
          sorted(glob.glob(f'{output}-*.tfrecord'))))}


class FeaturesPipelineTest(absltest.TestCase):

  def test_manifest_and_shards_give_the_video_features(self):
    checkpoint_dir = os.path.dirname(os.path.dirname(
        repo_paths.registry_checkpoint()))
    root = tempfile.mkdtemp(dir=absltest.get_default_test_tmpdir())
    for label, dx in (('left', -1.5), ('right', 1.5)):
      os.makedirs(os.path.join(root, 'videos', label))
      synthetic_videos.write_video(
          os.path.join(root, 'videos', label, f'{label}.mkv'),
          synthetic_videos.moving_texture(20, 48, 64, dx=dx))
    clips = manifests.from_class_folders(os.path.join(root, 'videos'))
    # Short, centred windows, so that the protocol must reach the workers
    # (centres at frames 0 and 10).
    protocol = features_lib.Protocol(window=9, stride=10, center_windows=True)
    settings = features.Settings(('rgb',), checkpoint_dir, protocol)
    from_videos = _run(beam.Create(clips), settings, {'left': 0, 'right': 1},
                       os.path.join(root, 'from_videos'))
    shards = prepare.Settings(os.path.join(root, 'shards'), ('rgb',))
    prepare.execute(prepare.plan(clips, shards), shards, _IN_PROCESS)
    from_shards = _run(
        beam.io.ReadFromTFRecord(os.path.join(root, 'shards', 'train', '*')),
        settings, None, os.path.join(root, 'from_shards'))

    predictor = features_lib.load_predictor(('rgb',), checkpoint_dir)
    for index, clip in enumerate(clips):
      expected = features_lib.video_features(
          clip.video, protocol=protocol, predictor=predictor).features
      self.assertEqual(expected.shape, (2, 1024))
      _, label, values = from_videos[clip.media_id]
      self.assertEqual(label, index)
      np.testing.assert_allclose(values, expected, rtol=1e-4, atol=1e-4)
      _, label, values = from_shards[clip.media_id]
      self.assertEqual(label, index)
      # From JPEG frames: within 5% of the features' size.
      self.assertLess(np.abs(values - expected).mean(),
                      0.05 * np.abs(expected).mean())

  def test_missing_checkpoint_is_found_before_the_run(self):
    settings = features.Settings(('rgb',), self.create_tempdir().full_path)
    with self.assertRaisesRegex(errors.MissingFileError,
                                'no checkpoint at .*i3d-fetch'):
      features.check_checkpoints(settings)


if __name__ == '__main__':
  absltest.main()
