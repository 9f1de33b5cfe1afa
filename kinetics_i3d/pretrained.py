"""The released I3D models in one line, for research code.

  from kinetics_i3d import pretrained
  pretrained.names()                        # the released checkpoints
  model = pretrained.load('rgb_imagenet')   # i3d.InceptionI3d, restored
  model = pretrained.load('rgb_imagenet', final_endpoint='Mixed_5c')
  run = pretrained.predictor(['rgb_imagenet', 'flow_imagenet'])
  out = run(rgb=clips, flow=flows)          # {'logits', 'features'}
  pretrained.categories('rgb_imagenet')     # class names, in logit order
  clips = pretrained.transform(frames)      # uint8 video -> network RGB

Weights come from the user cache (`downloads.cache`: `$KINETICS_I3D_HOME`,
else `~/.cache/kinetics_i3d`), fetched and verified on first use; with them
cached, nothing touches the network. Restores are strict: every variable of
the model is loaded, or one error says what does not fit.

`load` is the one path from a weights name to a restored network: the
commands, `Predictor`, feature extraction and the FVD embedder all build
their networks through it (with `checkpoint=` where a flag or a local copy
names the files; `models.locations` finds them).
"""

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from kinetics_i3d import arrays
from kinetics_i3d import errors
from kinetics_i3d.datasets import label_maps
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inference
from kinetics_i3d.models import locations
from kinetics_i3d.models import weights as weights_lib
from kinetics_i3d.video import preprocessing

__all__ = ['names', 'info', 'checkpoint_path', 'load', 'categories',
           'transform', 'Predictor', 'predictor']


def names() -> List[str]:
  """The released checkpoints, e.g. 'rgb_imagenet', 'flow_imagenet'."""
  return list(weights_lib.WEIGHTS)


def info(name: str) -> weights_lib.Weights:
  """What a released checkpoint is: stream, classes, training, label map.

  Args:
    name: one of `names()`, or an `--eval_type` of one stream ('rgb',
      'flow', 'rgb600'), which names the checkpoint it runs by default.

  Raises:
    InputError: unknown name.
  """
  return weights_lib.get(name)


def checkpoint_path(name: str, checkpoint_dir: Optional[str] = None) -> str:
  """The checkpoint prefix of `name`: in `checkpoint_dir` when given, else
  in the user cache, fetched on first use.

  Raises:
    InputError: unknown name, or the weights cannot be had (offline, not
      cached: the message names the cache and the command that fills it).
  """
  return locations.checkpoint(weights_lib.get(name).name, checkpoint_dir)


def load(name: str,
         final_endpoint: str = 'Logits',
         spatial_squeeze: bool = True,
         checkpoint: Optional[str] = None) -> i3d.InceptionI3d:
  """A released model with its weights.

  Args:
    name: one of `names()` (or an `--eval_type`, see `info`).
    final_endpoint: the last layer built (`i3d.VALID_ENDPOINTS`);
      'Mixed_5c' gives the 1024-channel feature extractor.
    spatial_squeeze: see `i3d.InceptionI3d`.
    checkpoint: the prefix of the files to restore, in any of the release's
      layouts (a copy of the release, or a checkpoint fine-tuned from it
      with the same classes); the user cache's when None.

  Returns:
    The `i3d.InceptionI3d`, every variable up to `final_endpoint` restored.
    It takes float32 [batch, frames, height, width, channels] in [-1, 1]
    (`info(name).num_channels`; `transform` makes RGB clips), and checks
    them (`input_stream`: an `ArrayError` otherwise).

  Raises:
    InputError: unknown name, the weights cannot be had, or the checkpoint
      is missing, damaged or does not fit (`checkpoints.CheckpointError`).
    ValueError: unknown `final_endpoint`.
  """
  return weights_lib.restore(name, checkpoint or checkpoint_path(name),
                             final_endpoint, spatial_squeeze)


def categories(name: str) -> List[str]:
  """The class names of a released model, in the order of its logits.

  Raises:
    InputError: unknown name, or (Kinetics-600) the release's label map is
      not cached and cannot be fetched.
  """
  return label_maps.kinetics(weights_lib.get(name).num_classes)


def transform(frames: arrays.ArrayLike,
              layout: str = 'NTHWC') -> np.ndarray:
  """uint8 RGB video frames to the RGB input of the released models.

  The evaluation preprocessing of the release: each frame resized
  bilinearly so that its smaller side is 256 pixels, the centre 224x224
  crop, values from [0, 255] to [-1, 1]. (Frame rate is the caller's: the
  models were trained at 25 fps.)

  Args:
    frames: uint8 [batch, frames, height, width, 3] or [frames, height,
      width, 3], RGB, in `layout` (a numpy array or another framework's
      tensor).
    layout: one of `arrays.LAYOUTS` (for one video, without N).

  Returns:
    float32 [batch, frames, 224, 224, 3] in [-1, 1].

  Raises:
    ArrayError: not uint8 RGB video, in `layout`, of at least one frame.
  """
  array = np.asarray(arrays.as_array(frames, 'frames'))  # Resized on the CPU.
  if array.dtype != np.uint8:
    raise errors.ArrayError(
        f'frames hold {array.dtype} (shape {list(array.shape)}); transform '
        'takes uint8 frames as decoded (from floats in [0, 1]: '
        '(x * 255).round().astype(np.uint8))')
  batched = array.ndim != len(layout) - 1
  array, _ = arrays.frame_layout(array, layout=layout, name='frames',
                                 batched=batched, min_frames=1)
  array = array if batched else array[None]
  size = preprocessing.CROP_SIZE
  clips = np.empty(array.shape[:2] + (size, size, 3), np.float32)
  for index in np.ndindex(array.shape[:2]):
    resized = preprocessing.resize_frame(array[index])
    offsets = preprocessing.center_crop_offsets(*resized.shape[:2])
    clips[index] = preprocessing.rescale_rgb(
        preprocessing.crop(resized, offsets))
  return clips


class Predictor:
  """One or both streams of released models, batch norm folded, compiled.

  Attributes:
    names: the checkpoints, one per stream.
    streams: their streams ('rgb', 'flow'), in the order of `names`.
    precision: the precision that runs ('bfloat16' only where the device
      does bfloat16 arithmetic).
    categories: the class names, in logit order.
  """

  def __init__(self, checkpoint_names: Sequence[str],
               precision: str = 'float32'):
    """Restores and folds the networks.

    Args:
      checkpoint_names: one released checkpoint per stream (see `info`).
      precision: one of `models.precision.PRECISIONS` (see `predictor`).

    Raises:
      InputError: unknown names, two checkpoints of one stream, or different
        class counts.
    """
    entries = [weights_lib.get(name) for name in checkpoint_names]
    stream_names = [w.stream for w in entries]
    if not entries or len(set(stream_names)) != len(stream_names):
      raise errors.InputError(
          'give one checkpoint per stream (rgb, flow), got '
          f'{list(checkpoint_names)}')
    if len({w.num_classes for w in entries}) != 1:
      raise errors.InputError(
          f'{", ".join(checkpoint_names)} have different classes: their '
          'logits cannot be summed')
    self.names = tuple(w.name for w in entries)
    self.streams = tuple(stream_names)
    self.categories = categories(self.names[0])
    self._predictor = make_predictor(
        {w.stream: (w.name, checkpoint_path(w.name)) for w in entries},
        precision)
    self.precision = self._predictor.precision

  def __call__(self, rgb: Optional[arrays.ArrayLike] = None,
               flow: Optional[arrays.ArrayLike] = None,
               layout: str = 'NTHWC') -> Dict[str, np.ndarray]:
    """Runs the streams on a batch of clips.

    Args:
      rgb: float [batch, frames, height, width, 3] in [-1, 1] (`transform`
        makes them from uint8 frames); a numpy array, or a tensor of
        TensorFlow, PyTorch, JAX or CuPy.
      flow: float [batch, frames, height, width, 2] in [-1, 1].
      layout: the clips' layout, one of `arrays.LAYOUTS` ('NCTHW' for
        PyTorch's video models).

    Returns:
      'logits': [batch, num_classes], summed over the streams;
      'features': [batch, 1024 x streams], each stream's Mixed_5c averaged
      over space and time, concatenated in the order of `streams`.

    Raises:
      ArrayError: a stream's clips are missing, given for a stream the
        predictor does not have, or do not fit (`arrays.network_clips`:
        dtype, layout, size, values in [-1, 1]).
    """
    outputs = self._predictor({'rgb': rgb, 'flow': flow}, layout)
    features = np.concatenate(
        [outputs[f'{s}_features'].mean(axis=1) for s in self.streams], axis=1)
    return {'logits': outputs['logits'], 'features': features}


def predictor(checkpoint_names: Sequence[str],
              precision: str = 'float32') -> Predictor:
  """A compiled predictor over released models, one per stream.

  Args:
    checkpoint_names: e.g. ['rgb_imagenet'], or ['rgb_imagenet',
      'flow_imagenet'].
    precision: 'float32', 'bfloat16' (which runs only where the device
      does bfloat16 arithmetic; elsewhere float32 runs, with a warning),
      'auto', or 'int8' (OpenVINO on a model NNCF quantized, the `int8`
      extra; `kinetics_i3d.int8`).

  Returns:
    A `Predictor`: `predictor(rgb=..., flow=...)`.

  Raises:
    InputError: unknown names, two checkpoints of one stream, or different
      class counts.
  """
  return Predictor(checkpoint_names, precision)


def make_predictor(checkpoints: Mapping[str, Tuple[str, str]],
                   precision: str = 'float32',
                   int8_dir: Optional[str] = None,
                   concurrent_streams: bool = True) -> Any:
  """The compiled predictor of one or both streams, in any precision.

  Args:
    checkpoints: (released weights name, checkpoint prefix) by stream.
    precision: one of `models.precision.PRECISIONS`.
    int8_dir: with int8, the folder `i3d-quantize` wrote (the user cache
      when None).
    concurrent_streams: see `inference.Predictor`.

  Returns:
    An `inference.Predictor`, or for int8 an `int8.runtime.Int8Predictor`
    (called the same way).

  Raises:
    InputError: a checkpoint cannot be had or does not fit; for int8, the
      extra is missing or no model can be had.
  """
  if precision == 'int8':
    from kinetics_i3d.int8 import store  # pylint: disable=g-import-not-at-top
    return store.predictor(checkpoints, int8_dir)
  return inference.Predictor(
      {stream: load(name, checkpoint=path)
       for stream, (name, path) in checkpoints.items()}, precision,
      concurrent_streams=concurrent_streams)
