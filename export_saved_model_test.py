"""Tests of the SavedModel export against the eager model."""

import os

from absl.testing import absltest
import numpy as np
import tensorflow as tf

import i3d
from kinetics_i3d import pretrained
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import export
from kinetics_i3d.models import inference
from kinetics_i3d.models import precision
from kinetics_i3d.testing import calibrated_models
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing
from kinetics_i3d.video import preprocessing


class ExportTest(absltest.TestCase):

  def test_reloaded_joint_model_equals_eager_model(self):
    rgb = i3d.InceptionI3d()
    checkpoints.restore(rgb, repo_paths.registry_checkpoint(), 'RGB',
                        num_channels=3)
    flow = calibrated_models.calibrated_model(2, seed=1)
    directory = os.path.join(self.create_tempdir().full_path, 'saved')
    export.export(inference.Predictor({'rgb': rgb, 'flow': flow}), directory)
    loaded = tf.saved_model.load(directory)
    self.assertEqual(
        set(loaded.signatures),
        {'serving_default', 'logits', 'probabilities', 'features', 'outputs'})

    # Two lengths through one signature, the others at the second; 193
    # pixels, the network's least.
    for frames in (17, 9):
      x_rgb = tf.random.stateless_uniform([1, frames, 193, 193, 3], [1, frames],
                                          -1, 1)
      x_flow = tf.random.stateless_uniform([1, frames, 193, 193, 2],
                                           [2, frames], -1, 1)
      rgb_logits, rgb_points = rgb(x_rgb, is_training=False,
                                   dropout_keep_prob=1.0)
      flow_logits, flow_points = flow(x_flow, is_training=False)
      expected = (rgb_logits + flow_logits).numpy()
      logits = loaded.signatures['logits'](rgb=x_rgb, flow=x_flow)['logits']
      np.testing.assert_allclose(logits, expected, atol=1e-4, rtol=1e-4)
    # Guard: the flow stream's share is far beyond the tolerance.
    self.assertGreater(
        np.abs(flow_logits - flow(x_flow[:, ::-1], is_training=False)[0]
              ).max(), 1e-2)
    serving = loaded.signatures['serving_default'](rgb=x_rgb, flow=x_flow)
    np.testing.assert_allclose(serving['logits'], expected, atol=1e-4,
                               rtol=1e-4)
    probabilities = loaded.signatures['probabilities'](
        rgb=x_rgb, flow=x_flow)['probabilities']
    np.testing.assert_allclose(probabilities, tf.nn.softmax(expected),
                               atol=1e-5)
    features = loaded.signatures['features'](rgb=x_rgb, flow=x_flow)
    for stream, points in (('rgb', rgb_points), ('flow', flow_points)):
      np.testing.assert_allclose(
          features[f'{stream}_features'],
          tf.reduce_mean(points['Mixed_5c'], axis=[1, 2, 3]), atol=1e-4,
          rtol=1e-4)
    outputs = loaded.signatures['outputs'](rgb=x_rgb, flow=x_flow)
    np.testing.assert_allclose(outputs['logits'], expected, atol=1e-4,
                               rtol=1e-4)
    np.testing.assert_allclose(
        outputs['flow_features'],
        tf.reduce_mean(flow_points['Mixed_5c'], axis=[2, 3]), atol=1e-4,
        rtol=1e-4)
    # Clips in [0, 255] fail every signature's assertion, with the message
    # of the library's own check.
    for name in ('logits', 'outputs'):
      with self.assertRaisesRegex(
          tf.errors.InvalidArgumentError, r'flow holds values from 0 to 255, '
          r'outside \[-1, 1\], the range the network takes'):
        loaded.signatures[name](rgb=x_rgb, flow=tf.fill(x_flow.shape, 0.0) +
                                tf.one_hot(0, 2) * 255)

  def test_script_exports_bfloat16_then_refuses_existing_output(self):
    directory = os.path.join(self.create_tempdir().full_path, 'saved')
    args = ('export_saved_model.py', '--eval_type=rgb', '--precision=bfloat16',
            f'--output={directory}')
    result = script_testing.run(*args)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    stored = tf.train.load_checkpoint(
        os.path.join(directory, 'variables', 'variables'))
    weights = {name: dtype for name, dtype in
               stored.get_variable_to_dtype_map().items()
               if name.startswith('predictor/')}
    self.assertLen(weights, 2 * 58)  # Each convolution's kernel and bias.
    self.assertEqual(set(weights.values()), {tf.bfloat16})
    supported, reason = precision.bfloat16_support()
    warning = f'The SavedModel computes in bfloat16, as asked, but {reason}'
    if not supported:
      # Exported as asked, for a machine that has bfloat16; not run here.
      self.assertIn(warning, result.stderr)
      self._refuses_existing_output(args)
      return
    self.assertNotIn('The SavedModel computes in bfloat16', result.stderr)
    clip = preprocessing.preprocess_video(
        repo_paths.registry_video('bikes.mp4'), flow=False, start_sec=4,
        end_sec=5.28).rgb
    logits = tf.saved_model.load(directory).signatures['serving_default'](
        rgb=tf.constant(clip))['logits'].numpy()[0]
    model = pretrained.load('rgb_imagenet',
                            checkpoint=repo_paths.registry_checkpoint())
    expected = model(clip, is_training=False)[0].numpy()[0]
    self.assertEqual(np.argmax(logits), np.argmax(expected))
    np.testing.assert_allclose(logits, expected, atol=0.5)
    self.assertFalse(np.allclose(logits, expected, atol=1e-4))  # bfloat16.
    self._refuses_existing_output(args)

  def _refuses_existing_output(self, args):
    result = script_testing.run(*args)
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: .* exists: pass --overwrite')


if __name__ == '__main__':
  absltest.main()
