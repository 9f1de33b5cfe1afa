"""Tests of the stated public API: `__all__` of the package and sub-packages,
cheap imports, names that moved, and the one path from a weights name."""

import importlib
import os
import subprocess
import sys
import warnings

from absl.testing import absltest
import numpy as np
import tensorflow as tf

import kinetics_i3d
from kinetics_i3d import pretrained
from kinetics_i3d.testing import repo_paths

_PACKAGES = ('kinetics_i3d', 'kinetics_i3d.arrays', 'kinetics_i3d.datasets',
             'kinetics_i3d.downloads', 'kinetics_i3d.fvd',
             'kinetics_i3d.int8', 'kinetics_i3d.models',
             'kinetics_i3d.pipelines', 'kinetics_i3d.training',
             'kinetics_i3d.video')


class PublicNamesTest(absltest.TestCase):

  def test_every_listed_name_resolves_without_warnings(self):
    for package in _PACKAGES:
      module = importlib.import_module(package)
      self.assertNotEmpty(module.__all__, package)
      self.assertEqual(len(set(module.__all__)), len(module.__all__))
      for name in module.__all__:
        with self.subTest(f'{package}.{name}'):
          with warnings.catch_warnings():
            warnings.simplefilter('error')
            self.assertIsNotNone(getattr(module, name))
          self.assertIn(name, dir(module))
      with self.assertRaisesRegex(AttributeError, 'no attribute'):
        getattr(module, 'no_such_name')

  def test_names_are_the_implementations(self):
    from kinetics_i3d.fvd import metric  # pylint: disable=g-import-not-at-top
    from kinetics_i3d.models import i3d  # pylint: disable=g-import-not-at-top
    self.assertIs(kinetics_i3d.InceptionI3d, i3d.InceptionI3d)
    self.assertIs(kinetics_i3d.Predictor, pretrained.Predictor)
    self.assertIs(kinetics_i3d.fvd.Embedder, metric.Embedder)
    self.assertIs(kinetics_i3d.fvd.distances, metric.distances)
    self.assertIs(kinetics_i3d.video.decode,
                  kinetics_i3d.video.decoding.decode)

  def test_importing_the_package_imports_no_tensorflow(self):
    result = subprocess.run(
        [sys.executable, '-c', 'import sys, kinetics_i3d, kinetics_i3d.video, '
         'kinetics_i3d.fvd, kinetics_i3d.models; '
         'print("tensorflow" in sys.modules, sorted(kinetics_i3d.__all__)[:2])'],
        capture_output=True, text=True, check=True, cwd=repo_paths.ROOT)
    self.assertEqual(result.stdout.split()[0], 'False')


class DeprecatedNamesTest(absltest.TestCase):

  def test_moved_module_warns_and_is_the_new_one(self):
    sys.modules.pop('kinetics_i3d.fvd_sets', None)
    with self.assertWarnsRegex(DeprecationWarning,
                               'fvd_sets is deprecated: use '
                               'kinetics_i3d.fvd.sets'):
      old = importlib.import_module('kinetics_i3d.fvd_sets')
    self.assertIs(old, kinetics_i3d.fvd.sets)

  def test_load_model_warns_and_restores_through_pretrained(self):
    from kinetics_i3d.models import streams  # pylint: disable=g-import-not-at-top
    with self.assertWarnsRegex(DeprecationWarning, 'pretrained.load'):
      model = streams.load_model('rgb', repo_paths.registry_checkpoint())
    reader = tf.train.load_checkpoint(repo_paths.registry_checkpoint())
    for variable in (model.variables[0], model.variables[-1]):
      np.testing.assert_array_equal(
          variable.numpy().ravel(),
          reader.get_tensor('RGB/' + variable.name[:-2]).ravel())


class WeightsNamesTest(absltest.TestCase):

  def test_eval_types_name_their_default_checkpoints(self):
    self.assertEqual(pretrained.info('rgb').name, 'rgb_imagenet')
    self.assertEqual(pretrained.info('flow').name, 'flow_imagenet')
    self.assertEqual(pretrained.info('rgb600').name, 'rgb_scratch_kin600')
    with self.assertRaisesRegex(kinetics_i3d.InputError,
                                "no released checkpoint is called 'joint'"):
      pretrained.info('joint')

  def test_checkpoint_dir_is_looked_in_first(self):
    self.assertEqual(pretrained.checkpoint_path('rgb', '/somewhere'),
                     os.path.join('/somewhere', 'rgb_imagenet', 'model.ckpt'))


if __name__ == '__main__':
  absltest.main()
