"""Tests for reading and writing checkpoints in the original layouts."""

import os

from absl.testing import absltest
import numpy as np
import sonnet as snt
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.testing import release_indexes

_BN_VECTORS = ('beta', 'moving_mean', 'moving_variance')


def _original_shapes(num_channels=3, num_classes=400):
  """Variable shapes of the original model, by name."""
  model = i3d.InceptionI3d(num_classes)
  checkpoints.build(model, num_channels)
  return {v.name[:-2]: tuple(v.shape) for v in model.variables}


def _random_arrays(shapes, seed):
  rng = np.random.default_rng(seed)
  return {
      name: rng.uniform(0.5, 1.5, shape).astype(np.float32)
      for name, shape in shapes.items()
  }


def _write_raw(path, arrays):
  """Writes a checkpoint bundle with TensorFlow's own SaveV2 op."""
  os.makedirs(os.path.dirname(path), exist_ok=True)
  names = sorted(arrays)
  tf.raw_ops.SaveV2(prefix=path, tensor_names=names,
                    shape_and_slices=[''] * len(names),
                    tensors=[arrays[n] for n in names])


def _model_values(model):
  return {v.name[:-2]: v.numpy() for v in model.variables}


def _write_tf1(path, arrays, slots=True):
  """Writes arrays the way the original TF1 code did, with tf.train.Saver."""
  with tf.Graph().as_default():
    variables = {
        name: tf.compat.v1.get_variable(
            name, initializer=tf.constant(value)) for name, value in
        arrays.items()
    }
    if slots:
      for name, value in arrays.items():
        variables[name + '/Momentum'] = tf.compat.v1.get_variable(
            name + '/Momentum', initializer=tf.zeros_like(value))
      variables['global_step'] = tf.compat.v1.get_variable(
          'global_step', initializer=tf.constant(1000, tf.int64))
    saver = tf.compat.v1.train.Saver(var_list=variables)
    with tf.compat.v1.Session() as sess:
      sess.run(tf.compat.v1.global_variables_initializer())
      saver.save(sess, path)


def _read_tf1(path, shapes):
  """Reads a checkpoint with the original TF1 code path, tf.train.Saver."""
  with tf.Graph().as_default():
    variables = {
        name: tf.compat.v1.get_variable(
            name, shape=shape, initializer=tf.compat.v1.zeros_initializer())
        for name, shape in shapes.items()
    }
    saver = tf.compat.v1.train.Saver(var_list=variables)
    with tf.compat.v1.Session() as sess:
      saver.restore(sess, path)
      return sess.run(variables)


class LayoutsTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.rgb_shapes = _original_shapes(3)
    cls.flow_shapes = _original_shapes(2)
    cls.rgb600_shapes = _original_shapes(3, 600)

  def setUp(self):
    super().setUp()
    self.dir = self.create_tempdir().full_path

  def _restore_and_compare(self, arrays, key, scope, num_channels,
                           num_classes=400):
    path = os.path.join(self.dir, 'model.ckpt')
    model = i3d.InceptionI3d(num_classes)
    layout = checkpoints.restore(model, path, scope, num_channels=num_channels)
    values = _model_values(model)
    self.assertLen(values, 230)
    for name, value in values.items():
      np.testing.assert_array_equal(
          value, np.reshape(arrays[key(name)], value.shape), err_msg=name)
    return layout

  def test_rgb_and_flow_layouts(self):
    for scope, shapes, channels in (('RGB', self.rgb_shapes, 3),
                                    ('Flow', self.flow_shapes, 2)):
      arrays = _random_arrays({f'{scope}/{n}': s for n, s in shapes.items()},
                              seed=len(scope))
      _write_raw(os.path.join(self.dir, 'model.ckpt'), arrays)
      layout = self._restore_and_compare(arrays, lambda n, s=scope: f'{s}/{n}',
                                         scope, channels)
      self.assertEqual(layout, checkpoints.Layout(f'{scope}/'))

  def test_model_inside_a_users_module_uses_the_release_names(self):
    class Probe(snt.Module):

      def __init__(self):
        super().__init__(name='probe')
        self.backbone = i3d.InceptionI3d(final_endpoint='Mixed_4b')

    shapes = {f'RGB/{n}': s for n, s in self.rgb_shapes.items()}
    arrays = _random_arrays(shapes, seed=4)
    path = os.path.join(self.dir, 'model.ckpt')
    _write_raw(path, arrays)
    backbone = Probe().backbone
    checkpoints.restore(backbone, path, 'RGB', num_channels=3)
    self.assertTrue(
        backbone.variables[0].name.startswith('probe/inception_i3d/'))
    restored = 0
    for variable in backbone.variables:
      key = 'RGB/' + variable.name[len('probe/'):-len(':0')]
      np.testing.assert_array_equal(variable.numpy(), arrays[key])
      restored += 1
    self.assertGreater(restored, 50)
    # And saves under the release's names, readable by TF1's Saver.
    saved = os.path.join(self.dir, 'saved', 'model.ckpt')
    checkpoints.save(backbone, saved, scope='RGB')
    keys = tf.train.load_checkpoint(saved).get_variable_to_shape_map()
    self.assertIn('RGB/inception_i3d/Mixed_4b/Branch_0/Conv3d_0a_1x1/conv_3d/w',
                  keys)
    self.assertEqual([k for k in keys if 'probe' in k], [])

  def test_kinetics600_layout(self):
    """Bare names, [1, 1, 1, 1, C] batch-norm vectors and Momentum slots."""
    arrays = {}
    for name, shape in self.rgb600_shapes.items():
      if name.rsplit('/', 1)[1] in _BN_VECTORS:
        shape = (1, 1, 1, 1) + shape
      arrays[name[len('inception_i3d/'):]] = shape
    arrays = _random_arrays(arrays, seed=3)
    _write_tf1(os.path.join(self.dir, 'model.ckpt'), arrays, slots=True)
    layout = self._restore_and_compare(
        arrays, lambda n: n[len('inception_i3d/'):], 'RGB', 3, num_classes=600)
    self.assertTrue(layout.strip_module_name)

  def test_checkpoint_written_by_tf1_saver_restores(self):
    arrays = _random_arrays(
        {f'RGB/{n}': s for n, s in self.rgb_shapes.items()}, seed=4)
    _write_tf1(os.path.join(self.dir, 'model.ckpt'), arrays)
    self._restore_and_compare(arrays, lambda n: f'RGB/{n}', 'RGB', 3)

  def test_save_restores_in_tf1_saver_and_back(self):
    model = i3d.InceptionI3d()
    checkpoints.build(model, 2)
    for v in model.variables:
      v.assign(tf.random.uniform(v.shape))
    path = os.path.join(self.dir, 'out', 'model.ckpt')
    checkpoints.save(model, path, scope='Flow')

    reader = tf.train.load_checkpoint(path)
    self.assertEqual(sorted(reader.get_variable_to_shape_map()),
                     sorted(f'Flow/{n}' for n in self.flow_shapes))
    with open(os.path.join(self.dir, 'out', 'checkpoint')) as f:
      self.assertIn('model_checkpoint_path: "model.ckpt"', f.read())
    self.assertEqual(tf.train.latest_checkpoint(os.path.dirname(path)), path)

    # The original TF1 code declared the moving statistics as [C] vectors.
    original = _model_values(model)
    release_shapes = {
        f'Flow/{n}': (shape[-1:] if n.endswith(('moving_mean',
                                                'moving_variance')) else shape)
        for n, shape in self.flow_shapes.items()
    }
    read = _read_tf1(path, release_shapes)
    for name, value in original.items():
      np.testing.assert_array_equal(read[f'Flow/{name}'],
                                    np.reshape(value, release_shapes[
                                        f'Flow/{name}']))

    restored = i3d.InceptionI3d()
    checkpoints.restore(restored, path, 'Flow', num_channels=2)
    for name, value in _model_values(restored).items():
      np.testing.assert_array_equal(value, original[name])

  def test_save_refuses_to_overwrite(self):
    model = i3d.InceptionI3d(final_endpoint='Conv3d_1a_7x7')
    checkpoints.build(model, 3)
    path = os.path.join(self.dir, 'model.ckpt')
    checkpoints.save(model, path)
    with self.assertRaisesRegex(errors.ExistingOutputError, 'exists'):
      checkpoints.save(model, path)
    checkpoints.save(model, path, overwrite=True)


class ReleaseIndexTest(absltest.TestCase):
  """`save` writes exactly the names and shapes of the release's files."""

  def _index(self, name):
    shapes = release_indexes.shapes(name)
    if shapes is None:
      self.skipTest('../shared/reference/original-release is absent')
    return shapes

  def test_rgb_and_flow_saves_match_the_400_class_indexes(self):
    for scope, channels, names in (('RGB', 3, ('rgb_imagenet', 'rgb_scratch')),
                                   ('Flow', 2, ('flow_imagenet',
                                                'flow_scratch'))):
      model = i3d.InceptionI3d()
      checkpoints.build(model, channels)
      path = os.path.join(self.create_tempdir().full_path, 'model.ckpt')
      checkpoints.save(model, path, scope=scope)
      saved = {k: tuple(v) for k, v in
               tf.train.load_checkpoint(path).get_variable_to_shape_map()
               .items()}
      for name in names:
        self.assertEqual(saved, self._index(name), name)

  def test_600_class_model_maps_onto_the_kin600_index(self):
    index = self._index('rgb_scratch_kin600')
    model = i3d.InceptionI3d(600)
    checkpoints.build(model, 3)
    layout = checkpoints.Layout('', strip_module_name=True)
    model_shapes = {layout.key(n): tuple(v.shape)
                    for n, v in checkpoints.variables_by_name(model).items()}
    self.assertLen(model_shapes, 230)
    for name, shape in model_shapes.items():
      if name.rsplit('/', 1)[1] in _BN_VECTORS:  # Stored as [1, 1, 1, 1, C].
        shape = (1, 1, 1, 1) + shape[-1:]
      self.assertEqual(index.get(name), shape, name)
    # The rest of the index is the optimizer's.
    self.assertTrue(all(k.endswith('/Momentum') or k == 'global_step'
                        for k in set(index) - set(model_shapes)))


class StrictRestoreTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.shapes = _original_shapes(3)

  def setUp(self):
    super().setUp()
    self.path = os.path.join(self.create_tempdir().full_path, 'model.ckpt')
    self.model = i3d.InceptionI3d()
    checkpoints.build(self.model, 3)
    self.before = _model_values(self.model)

  def _assert_nothing_loaded(self):
    for name, value in _model_values(self.model).items():
      np.testing.assert_array_equal(value, self.before[name])

  def _write(self, arrays):
    _write_raw(self.path, _random_arrays(arrays, seed=0))

  def test_400_class_checkpoint_into_600_class_model(self):
    self._write({f'RGB/{n}': s for n, s in self.shapes.items()})
    model = i3d.InceptionI3d(600)
    with self.assertRaises(checkpoints.CheckpointMismatchError) as caught:
      checkpoints.restore(model, self.path, 'RGB', num_channels=3)
    error = caught.exception
    self.assertEqual(error.missing, [])
    self.assertEqual(error.unexpected, [])
    self.assertEqual(
        sorted(name for name, _, _ in error.mismatched),
        ['RGB/inception_i3d/Logits/Conv3d_0c_1x1/conv_3d/b',
         'RGB/inception_i3d/Logits/Conv3d_0c_1x1/conv_3d/w'])
    self.assertIn('[1, 1, 1, 1024, 400] (model: [1, 1, 1, 1024, 600])',
                  str(error))

  def test_excluded_logits_are_neither_loaded_nor_required(self):
    # Fine-tuning a 400-class checkpoint into a 600-class model.
    arrays = _random_arrays({f'RGB/{n}': s for n, s in self.shapes.items()},
                            seed=0)
    _write_raw(self.path, arrays)
    model = i3d.InceptionI3d(600)
    checkpoints.build(model, 3)
    logits_before = {n: v.numpy() for n, v in
                     checkpoints.variables_by_name(model).items()
                     if n.startswith('inception_i3d/Logits/')}
    checkpoints.restore(model, self.path, 'RGB',
                        exclude=('inception_i3d/Logits/',))
    for name, variable in checkpoints.variables_by_name(model).items():
      if name in logits_before:
        np.testing.assert_array_equal(variable, logits_before[name])
      else:
        np.testing.assert_array_equal(
            variable, np.reshape(arrays[f'RGB/{name}'], variable.shape))

  def test_flow_checkpoint_into_rgb_model(self):
    flow = _original_shapes(2)
    self._write({f'Flow/{n}': s for n, s in flow.items()})
    with self.assertRaisesRegex(checkpoints.CheckpointError,
                                "under 'Flow/'.*another stream"):
      checkpoints.restore(self.model, self.path, 'RGB')
    with self.assertRaises(checkpoints.CheckpointMismatchError) as caught:
      checkpoints.restore(self.model, self.path, 'Flow')
    self.assertEqual(caught.exception.mismatched,
                     [('Flow/inception_i3d/Conv3d_1a_7x7/conv_3d/w',
                       (7, 7, 7, 2, 64), (7, 7, 7, 3, 64))])
    self._assert_nothing_loaded()

  def test_missing_and_unexpected_variables_are_listed(self):
    arrays = {f'RGB/{n}': s for n, s in self.shapes.items()}
    del arrays['RGB/inception_i3d/Mixed_4c/Branch_1/Conv3d_0b_3x3/conv_3d/w']
    arrays['RGB/inception_i3d/Mixed_6a/Branch_0/Conv3d_0a_1x1/conv_3d/w'] = (1,)
    arrays['RGB/inception_i3d/Conv3d_1a_7x7/conv_3d/w/Momentum'] = (
        7, 7, 7, 3, 64)
    arrays['Flow/inception_i3d/Conv3d_1a_7x7/conv_3d/w'] = (7, 7, 7, 2, 64)
    self._write(arrays)
    with self.assertRaises(checkpoints.CheckpointMismatchError) as caught:
      checkpoints.restore(self.model, self.path, 'RGB')
    error = caught.exception
    self.assertEqual(
        error.missing,
        ['RGB/inception_i3d/Mixed_4c/Branch_1/Conv3d_0b_3x3/conv_3d/w'])
    self.assertEqual(
        error.unexpected,
        ['RGB/inception_i3d/Mixed_6a/Branch_0/Conv3d_0a_1x1/conv_3d/w'])
    self.assertEqual(error.mismatched, [])
    self.assertRegex(str(error), '1 missing: .*Mixed_4c.*; 1 unexpected: '
                     '.*Mixed_6a')
    self._assert_nothing_loaded()

  def test_missing_file(self):
    with self.assertRaisesRegex(errors.MissingFileError,
                                'no checkpoint at .*model.ckpt'):
      checkpoints.restore(self.model, self.path, 'RGB')

  def test_corrupt_file(self):
    for suffix in ('.index', '.data-00000-of-00001'):
      with open(self.path + suffix, 'wb') as f:
        f.write(b'not a checkpoint' * 10)
    with self.assertRaisesRegex(checkpoints.CheckpointError,
                                'cannot read checkpoint'):
      checkpoints.restore(self.model, self.path, 'RGB')

  def test_not_an_i3d_checkpoint(self):
    self._write({'dense/kernel': (3, 4)})
    with self.assertRaisesRegex(checkpoints.CheckpointError,
                                'holds no I3D variables'):
      checkpoints.restore(self.model, self.path, 'RGB')

  def test_unbuilt_model(self):
    with self.assertRaisesRegex(ValueError, 'no convolution weights yet'):
      checkpoints.restore(i3d.InceptionI3d(), self.path, 'RGB')


if __name__ == '__main__':
  absltest.main()
