"""Reads and writes I3D checkpoints in the original name-based format.

The released checkpoints are TF1 `tf.train.Saver` bundles (`model.ckpt.index`
and `model.ckpt.data-*`) keyed by variable name. They come in three layouts:

* `RGB/inception_i3d/...`: rgb_scratch and rgb_imagenet;
* `Flow/inception_i3d/...`: flow_scratch and flow_imagenet;
* bare names without `RGB/inception_i3d/` (`Conv3d_1a_7x7/conv_3d/w`):
  rgb_scratch_kin600, whose batch-norm vectors are stored with shape
  [1, 1, 1, 1, C] and which also holds the `/Momentum` slots of its optimizer.

`restore` finds the layout by itself and is strict: it loads every variable of
the model or raises one error listing what is missing, unexpected or of the
wrong shape. `save` writes the first two layouts exactly as the release
stores them (names, and [C] batch-norm vectors), so the original TF1 code's
`tf.train.Saver` (and `restore`) reads them back.
"""

import dataclasses
import os
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import sonnet as snt
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import outputs
from kinetics_i3d.models import i3d

# Suffixes of optimizer slots and bookkeeping variables stored beside the
# model's variables; they are not part of the model.
_NON_MODEL_SUFFIXES = ('/Momentum', '/Adam', '/Adam_1', '/RMSProp',
                       '/RMSProp_1', '/ExponentialMovingAverage')
_NON_MODEL_NAMES = ('global_step',)
_BATCH_NORM_VECTORS = ('/beta', '/gamma', '/moving_mean', '/moving_variance')
_MOVING_STATISTICS = ('/moving_mean', '/moving_variance')
_MAX_LISTED = 8


class CheckpointError(errors.InputError, ValueError):
  """A checkpoint that cannot be read or does not fit the model."""


class DamagedCheckpointError(CheckpointError):
  """A checkpoint whose index reads but whose data does not (a cut copy)."""


@dataclasses.dataclass
class CheckpointMismatchError(CheckpointError):
  """The checkpoint's variables do not match the model's.

  Attributes:
    path: the checkpoint prefix.
    missing: model variables the checkpoint lacks (checkpoint names).
    unexpected: checkpoint variables in the model's scope that the model lacks.
    mismatched: (name, checkpoint shape, model shape) for shape mismatches.
  """
  path: str
  missing: List[str]
  unexpected: List[str]
  mismatched: List[Tuple[str, Tuple[int, ...], Tuple[int, ...]]]

  def __str__(self) -> str:
    parts = []
    for title, items in (('missing', self.missing),
                         ('unexpected', self.unexpected),
                         ('of the wrong shape', [
                             f'{name} {list(have)} (model: {list(want)})'
                             for name, have, want in self.mismatched
                         ])):
      if items:
        listed = ', '.join(items[:_MAX_LISTED])
        more = len(items) - _MAX_LISTED
        listed += f' and {more} more' if more > 0 else ''
        parts.append(f'{len(items)} {title}: {listed}')
    return (f'checkpoint {self.path} does not fit the model: ' +
            '; '.join(parts))


@dataclasses.dataclass(frozen=True)
class Layout:
  """How model variable names map to checkpoint names.

  Attributes:
    prefix: what stands before the model's variable names, e.g. 'RGB/' (the
      model's names start with its module name, 'inception_i3d/').
    strip_module_name: drop the module name too (the kin600 layout).
  """
  prefix: str
  strip_module_name: bool = False

  def key(self, variable_name: str) -> str:
    if self.strip_module_name:
      variable_name = variable_name.split('/', 1)[1]
    return self.prefix + variable_name


def variables_by_name(model: snt.Module) -> Dict[str, tf.Variable]:
  """The model's variables by name, without the `:0` suffix, from the
  model's own module name on: an `InceptionI3d` built inside a module of the
  user's (`probe/inception_i3d/...`) has the names of one built alone
  (`inception_i3d/...`)."""
  outer = model.name_scope.name[:-len(model.name + '/')]
  return {v.name[len(outer):-len(':0')]: v for v in model.variables}


def build(model: snt.Module, num_channels: int,
          initialize: bool = True) -> None:
  """Creates the model's variables without running the model.

  Batch norms create theirs when constructed; each convolution is called once
  on a single voxel of zeros with its input's channel count, found by walking
  the layers in order. Running the model on its smallest clip instead took
  about a second.

  Args:
    model: an `InceptionI3d`.
    num_channels: channels of the inputs (3 for RGB, 2 for flow).
    initialize: draw the convolution weights from their initialisers (to
      train from scratch); False leaves them zero, for a restore that
      overwrites them at once (drawing 12M random numbers is most of the
      cost).
  """

  def build_unit(unit: i3d.Unit3D, channels: int) -> int:
    if not initialize and unit.conv_3d.w_init is None:
      unit.conv_3d.w_init = snt.initializers.Zeros()
    unit.conv_3d(tf.zeros([1, 1, 1, 1, channels]))
    return unit.conv_3d.output_channels

  channels = num_channels
  for layer in model.layers.values():
    if isinstance(layer, i3d.Unit3D):
      channels = build_unit(layer, channels)
    elif isinstance(layer, i3d.InceptionBlock):
      outputs = 0
      for branch in layer.branches:
        branch_channels = channels
        for unit in branch.units:
          branch_channels = build_unit(unit, branch_channels)
        outputs += branch_channels
      channels = outputs
    elif isinstance(layer, i3d.LogitsHead):
      build_unit(layer.conv, channels)


def open_checkpoint(path: str):
  """Opens the checkpoint with prefix `path`.

  Raises:
    MissingFileError: no checkpoint there.
    CheckpointError: the files are not a readable checkpoint.
  """
  if not tf.io.gfile.exists(path + '.index'):
    raise errors.MissingFileError(
        f'no checkpoint at {path} ({path}.index does not exist)')
  try:
    return tf.train.load_checkpoint(path)
  except (tf.errors.OpError, ValueError) as error:
    message = str(error).strip().splitlines()[0]
    raise CheckpointError(
        f'cannot read checkpoint {path}: {message}') from None


def _is_model_key(key: str) -> bool:
  return not (key.endswith(_NON_MODEL_SUFFIXES) or key in _NON_MODEL_NAMES)


def find_layout(keys: Sequence[str], module_name: str,
                scope: Optional[str]) -> Layout:
  """Works out which layout a checkpoint uses.

  Args:
    keys: the checkpoint's variable names.
    module_name: the model's module name, normally 'inception_i3d'.
    scope: the stream scope the caller expects ('RGB' or 'Flow'), or None.

  Returns:
    The layout whose names the checkpoint holds.

  Raises:
    CheckpointError: the checkpoint holds no I3D model under any layout that
      fits `scope`.
  """
  first = f'{module_name}/Conv3d_1a_7x7/conv_3d/w'
  candidates = [Layout(f'{scope}/')] if scope else []
  candidates += [Layout(''), Layout('', strip_module_name=True)]
  key_set = set(keys)
  for layout in candidates:
    if layout.key(first) in key_set:
      return layout
  others = sorted(k[:-len(first)] for k in keys if k.endswith('/' + first))
  expected = _layout_description(scope, module_name)
  if others:
    raise CheckpointError(
        f'the checkpoint holds I3D variables under {others[0]!r}, not under '
        f'{expected}: it is for another stream')
  raise CheckpointError(f'the checkpoint holds no I3D variables under '
                        f'{expected}')


def _layout_description(scope: Optional[str], module_name: str) -> str:
  names = [f'{scope}/{module_name}/'] if scope else []
  return ' or '.join(repr(n) for n in names + [f'{module_name}/', '(bare)'])


def restore(model: snt.Module,
            path: str,
            scope: Optional[str] = None,
            num_channels: Optional[int] = None,
            exclude: Sequence[str] = ()) -> Layout:
  """Loads every variable of `model` from the checkpoint at `path`.

  Args:
    model: an `InceptionI3d`. Its variables must exist (it has been called
      once) unless `num_channels` is given.
    path: checkpoint prefix, e.g. 'data/checkpoints/rgb_imagenet/model.ckpt'.
    scope: the stream scope of the checkpoint, 'RGB' or 'Flow', or None for
      checkpoints written without one.
    num_channels: if given, the model is first built for inputs with this many
      channels (without drawing random weights that the restore replaces).
    exclude: prefixes of model variable names to leave as they are (neither
      loaded nor required), e.g. 'inception_i3d/Logits/' to fine-tune with
      another class count.

  A model built up to an endpoint before the logits (`final_endpoint=
  'Mixed_5c'`, say) loads the checkpoint's layers up to that endpoint, all of
  them, and leaves the rest of the checkpoint unread.

  Returns:
    The layout the checkpoint used.

  Raises:
    MissingFileError: there is no checkpoint at `path`.
    CheckpointError: it cannot be read or holds no I3D under `scope`.
    CheckpointMismatchError: it does not hold exactly the model's variables
      with their shapes (nothing is loaded then).
  """
  if num_channels is not None:
    # The weights are overwritten at once, unless some are excluded (a new
    # logits layer to train keeps its random initial values).
    build(model, num_channels, initialize=bool(exclude))
  variables = variables_by_name(model)
  if not any(name.endswith('/conv_3d/w') for name in variables):
    raise ValueError('the model has no convolution weights yet: call it once '
                     'or pass num_channels')
  skipped = {n for n in variables if n.startswith(tuple(exclude))}
  reader = open_checkpoint(path)
  shapes = reader.get_variable_to_shape_map()
  layout = find_layout(list(shapes), model.name, scope)

  values = {}
  missing, mismatched = [], []
  for name, variable in variables.items():
    if name in skipped:
      continue
    key = layout.key(name)
    if key not in shapes:
      missing.append(key)
      continue
    have, want = tuple(shapes[key]), tuple(variable.shape)
    squeezable = (name.endswith(_BATCH_NORM_VECTORS) and
                  have == (1,) * (len(have) - 1) + want[-1:])
    if have != want and not squeezable:
      mismatched.append((key, have, want))
      continue
    values[name] = key
  expected = {layout.key(name) for name in variables}
  in_scope = (lambda k: True) if layout.strip_module_name else (
      lambda k: k.startswith(layout.prefix + model.name + '/'))
  # A model built up to an earlier endpoint takes the layers it has.
  not_built = [f'{model.name}/{endpoint}/'
               for endpoint in i3d.VALID_ENDPOINTS
               if endpoint not in getattr(model, 'layers', i3d.VALID_ENDPOINTS)]
  excluded_keys = tuple(layout.key(prefix)
                        for prefix in tuple(exclude) + tuple(not_built))
  unexpected = sorted(k for k in shapes if in_scope(k) and _is_model_key(k) and
                      k not in expected and not k.startswith(excluded_keys))
  if missing or unexpected or mismatched:
    raise CheckpointMismatchError(path, sorted(missing), unexpected,
                                  sorted(mismatched))
  arrays = _read_tensors(reader, path, values)
  for name, array in arrays.items():
    variable = variables[name]
    variable.assign(np.reshape(array, variable.shape))
  return layout


def _read_tensors(reader, path: str,
                  keys: Mapping[str, str]) -> Dict[str, np.ndarray]:
  """Reads every tensor before any is assigned, so a failure changes nothing.

  Raises:
    DamagedCheckpointError: a data file is cut short or corrupt.
  """
  try:
    return {name: reader.get_tensor(key) for name, key in keys.items()}
  except (IndexError, ValueError, tf.errors.OpError) as error:
    data_files = ', '.join(sorted(tf.io.gfile.glob(path + '.data-*'))) or (
        path + '.data-*')
    reason = str(error).strip().splitlines()[0]
    raise DamagedCheckpointError(
        f'{data_files} is damaged or cut short ({reason}): copy or download '
        f'the checkpoint again') from None


def release_layout(arrays: Mapping[str, np.ndarray],
                   scope: Optional[str]) -> Dict[str, np.ndarray]:
  """Model arrays named and shaped as the released checkpoints store them.

  With a stream scope ('RGB', 'Flow'), names get the scope and the batch-norm
  moving statistics are stored as [C] vectors, as in the release's 400-class
  checkpoints (the model holds them as [1, 1, 1, 1, C]); without one, names
  and shapes are the model's, as in rgb_scratch_kin600.

  Args:
    arrays: arrays by model variable name ('inception_i3d/...').
    scope: 'RGB', 'Flow' or None.

  Returns:
    Arrays by checkpoint name.
  """
  if not scope:
    return dict(arrays)
  return {
      f'{scope}/{name}': (np.reshape(value, [-1])
                          if name.endswith(_MOVING_STATISTICS) else value)
      for name, value in arrays.items()
  }


def move_bundle(source: str, directory: str) -> None:
  """Moves a checkpoint bundle's files from folder `source` into `directory`,
  its index last, so that a checkpoint whose index is there is whole."""
  for name in sorted(tf.io.gfile.listdir(source),
                     key=lambda n: n.endswith('.index')):
    tf.io.gfile.rename(os.path.join(source, name),
                       os.path.join(directory, name), overwrite=True)


def write_arrays(path: str, arrays: Mapping[str, np.ndarray]) -> None:
  """Writes named arrays as a TF1 `Saver` (V2) checkpoint bundle.

  Also writes the `checkpoint` state file beside it, as `Saver` does, so
  `tf.train.latest_checkpoint` finds it. The bundle is written in a
  temporary folder beside it and its files moved into place, the index last,
  so a checkpoint whose index is there is whole (a job killed while saving
  leaves only a temporary, which readers skip).

  Args:
    path: checkpoint prefix; its directory is created if needed.
    arrays: tensors by checkpoint name.
  """
  directory = os.path.dirname(path) or '.'
  base = os.path.basename(path)
  staging = outputs.temporary_name(os.path.join(directory, '.checkpoint'))
  tf.io.gfile.makedirs(staging)
  try:
    names = sorted(arrays)
    tf.raw_ops.SaveV2(
        prefix=os.path.join(staging, base),
        tensor_names=names,
        shape_and_slices=[''] * len(names),
        tensors=[tf.convert_to_tensor(arrays[n]) for n in names])
    state = os.path.join(staging, 'checkpoint')
    with tf.io.gfile.GFile(state, 'w') as f:
      f.write(f'model_checkpoint_path: "{base}"\n'
              f'all_model_checkpoint_paths: "{base}"\n')
    move_bundle(staging, directory)
  except (OSError, tf.errors.OpError) as error:
    if outputs.disk_full(error):
      raise outputs.disk_full_error(path) from None
    raise
  finally:
    if tf.io.gfile.exists(staging):
      tf.io.gfile.rmtree(staging)


def save(model: snt.Module, path: str, scope: Optional[str] = None,
         overwrite: bool = False) -> None:
  """Saves the model's variables under their original names.

  Args:
    model: the model to save.
    path: checkpoint prefix, e.g. 'out/model.ckpt'.
    scope: stream scope to put before the names ('RGB' or 'Flow'), as the
      released checkpoints have, or None.
    overwrite: replace a checkpoint already at `path`.

  Raises:
    ExistingOutputError: a checkpoint exists at `path` and `overwrite` is False.
  """
  outputs.check_new(path, 'pass overwrite=True to replace it', overwrite,
                    checkpoint=True)
  write_arrays(path, release_layout(
      {name: v.numpy() for name, v in variables_by_name(model).items()},
      scope))
