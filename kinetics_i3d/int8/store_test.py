"""Tests of where int8 models are kept and when they are made again."""

import json
import os
import shutil
import sys
from unittest import mock

from absl.testing import absltest
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.downloads import cache
from kinetics_i3d.int8 import calibration_set
from kinetics_i3d.int8 import fidelity
from kinetics_i3d.int8 import quantize
from kinetics_i3d.int8 import runtime
from kinetics_i3d.int8 import store
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing


def _write_model(directory: str, checkpoint: str) -> quantize.Result:
  """A model folder as `quantize.build` writes it, of a one-op network (what
  is kept and checked does not depend on the network)."""
  openvino = runtime.require('openvino')
  inputs = openvino.opset13.parameter([1, 4], np.float32)
  network = openvino.Model([openvino.opset13.relu(inputs)], [inputs])
  videos = calibration_set.Split([calibration_set.Video('a.mp4')],
                                 [calibration_set.Video('b.mp4')])
  record = quantize.provenance('rgb_imagenet', checkpoint, videos, 300, 100,
                               'bt601')
  measured = fidelity.Fidelity(100, 0.996, 0.99, 0.99, 0.95, 1.0, 100.0)
  quantize.write(network, record, measured, directory)
  return quantize.Result(directory, record, measured, {})


class StoreTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.checkpoint = repo_paths.registry_checkpoint()
    home = self.create_tempdir().full_path
    self.enter_context(mock.patch.dict(os.environ,
                                       {'KINETICS_I3D_HOME': home}))
    self.cached = store.model_dir(cache.int8_dir(), 'rgb_imagenet')
    self.builds = []

    def build(weights_name, checkpoint, videos, output_dir, color_matrix):
      del videos, color_matrix  # The sample videos are not needed here.
      self.builds.append((weights_name, checkpoint))
      return _write_model(output_dir, checkpoint)

    self.enter_context(mock.patch.object(quantize, 'build', build))
    self.enter_context(mock.patch.object(store, 'sample_split', lambda: None))

  def _cache_a_model(self):
    _write_model(self.cached, self.checkpoint)

  def _edit_provenance(self, edit):
    path = os.path.join(self.cached, quantize.PROVENANCE_FILE)
    with open(path) as f:
      record = json.load(f)
    edit(record)
    with open(path, 'w') as f:
      json.dump(record, f)

  def _model_logging_warnings(self):
    with self.assertLogs(level='WARNING') as logs:
      model = store.model('rgb_imagenet', self.checkpoint)
    self.assertIsNotNone(model)
    return [r.getMessage() for r in logs.records]

  def test_a_cached_model_is_reused(self):
    self._cache_a_model()
    for _ in range(2):
      self.assertIsNotNone(store.model('rgb_imagenet', self.checkpoint))
    self.assertEqual(self.builds, [])

  def test_the_first_run_calibrates_on_the_samples_saying_so(self):
    warnings = self._model_logging_warnings()
    self.assertLen(warnings, 1)
    self.assertRegex(warnings[0], 'No int8 model of rgb_imagenet yet: '
                     'calibrating one on the sample videos')
    self.assertEqual(self.builds, [('rgb_imagenet', self.checkpoint)])
    store.model('rgb_imagenet', self.checkpoint)  # Now cached.
    self.assertLen(self.builds, 1)

  def test_damaged_or_mismatched_models_are_made_again_with_one_warning(
      self):
    damages = {
        'model file cut short': lambda: open(
            os.path.join(self.cached, quantize.MODEL_FILE), 'w').close(),
        'provenance not JSON': lambda: open(
            os.path.join(self.cached, quantize.PROVENANCE_FILE),
            'w').write('{'),
        'another checkpoint': lambda: self._edit_provenance(
            lambda r: r['checkpoint'].update(sha256='0' * 64)),
        'another OpenVINO': lambda: self._edit_provenance(
            lambda r: r['versions'].update(openvino='2020.1')),
    }
    expected = {
        'model file cut short': 'is damaged',
        'provenance not JSON': 'is damaged',
        'another checkpoint': 'made from another checkpoint',
        'another OpenVINO': r'made with openvino 2020\.1 \(now ',
    }
    for name, damage in damages.items():
      with self.subTest(name):
        shutil.rmtree(self.cached, ignore_errors=True)
        self._cache_a_model()
        damage()
        self.builds.clear()
        warnings = self._model_logging_warnings()
        self.assertLen(warnings, 1)
        self.assertRegex(warnings[0], expected[name])
        self.assertIn('making it again', warnings[0])
        self.assertLen(self.builds, 1)
        store.read(self.cached, self.checkpoint)  # Whole again.

  def test_a_stale_model_in_a_users_folder_is_an_error_not_replaced(self):
    folder = self.create_tempdir().full_path
    _write_model(store.model_dir(folder, 'rgb_imagenet'), self.checkpoint)
    with open(os.path.join(folder, 'rgb_imagenet',
                           quantize.MODEL_FILE), 'w') as f:
      f.write('<not a model')
    with self.assertRaisesRegex(
        store.StaleModelError,
        r'is damaged.*: make it with i3d-quantize --eval_type=rgb '
        f'--output_dir={folder} --overwrite$'):
      store.model('rgb_imagenet', self.checkpoint, int8_dir=folder)
    self.assertEqual(self.builds, [])
    with self.assertRaisesRegex(store.StaleModelError,
                                'there is no int8 model'):
      store.model('flow_imagenet', self.checkpoint, int8_dir=folder)


class MissingExtraTest(absltest.TestCase):

  def test_without_openvino_one_line_says_what_to_install(self):
    with mock.patch.dict(sys.modules, {'openvino': None}):
      with self.assertRaises(runtime.MissingExtraError) as raised:
        runtime.require('openvino')
      self.assertIsInstance(raised.exception, errors.InputError)
      message = str(raised.exception)
      self.assertNotIn('\n', message)
      self.assertTrue(message.endswith(
          "pip install 'kinetics-i3d-tf2[int8]'"), message)
      result = script_testing.run_in_process(
          'classify_video', repo_paths.registry_video('bikes.mp4'),
          '--precision=int8', '--eval_type=rgb',
          f'--checkpoint_dir={repo_paths.DATA_DIR}/checkpoints')
    self.assertEqual(result.returncode, 1)
    self.assertEqual(result.stdout, '')
    self.assertEqual(result.stderr.strip().splitlines(),
                     [f'error: {message}'])


if __name__ == '__main__':
  absltest.main()
