"""Feature protocols: how a video becomes windows of features, and the
published ones (`PRESETS`). `kinetics_i3d.features` computes them; this
module holds only their settings, so that commands can define and check
their flags without the network's modules.
"""

import dataclasses
from typing import Any, Dict, Mapping, Optional, Sequence

from kinetics_i3d import errors
from kinetics_i3d.video import decoding
from kinetics_i3d.video import preprocessing

CROPS = ('center', 'ten', 'full')


@dataclasses.dataclass(frozen=True)
class Protocol:
  """How a video becomes rows of features.

  Attributes:
    fps: the frame rate frames are resampled to; None keeps the video's own
      frames (its native rate).
    window: frames per window.
    stride: frames between windows (their starts, or their centres).
    center_windows: one window centred on every `stride`-th frame, edges
      padded; else windows start every `stride` frames while they fit.
    crops: 'center', 'ten' or 'full' (see the module docstring).
  """
  fps: Optional[float] = decoding.FPS
  window: int = 64
  stride: int = 64
  center_windows: bool = False
  crops: str = 'center'

  def check(self) -> None:
    """Raises InputError for settings that cannot be used, naming them."""
    if self.window < 1 or self.stride < 1:
      raise errors.InputError(
          f'window={self.window}, stride={self.stride}: both must be at '
          'least 1 frame')
    if self.window < preprocessing.MIN_FRAMES:
      raise errors.InputError(
          f'window={self.window}: the network needs at least '
          f'{preprocessing.MIN_FRAMES} frames')
    if self.fps is not None and not self.fps > 0:
      raise errors.InputError(f'fps={self.fps:g}: give a positive rate, or '
                              'native')
    if self.crops not in CROPS:
      raise errors.InputError(f'crops={self.crops!r}: give one of '
                              f'{", ".join(CROPS)}')

  def settings(self) -> Dict[str, Any]:
    """The settings, for a record of how features were made."""
    return {'fps': 'native' if self.fps is None else self.fps,
            'window': self.window, 'stride': self.stride,
            'center_windows': self.center_windows, 'crops': self.crops}


@dataclasses.dataclass(frozen=True)
class Preset:
  """A published feature protocol.

  Attributes:
    protocol: frame rate, windows and crops.
    streams: the streams, concatenated in this order.
    checkpoints: the released checkpoints, by stream.
    source: where the protocol comes from.
  """
  protocol: Protocol
  streams: Sequence[str]
  checkpoints: Mapping[str, str]
  source: str


_IMAGENET = {'rgb': 'rgb_imagenet', 'flow': 'flow_imagenet'}
PRESETS = {
    'thumos14': Preset(
        Protocol(fps=None, window=16, stride=4, crops='ten'), ('rgb', 'flow'),
        _IMAGENET,
        'THUMOS14 as CMCS (Liu et al., CVPR 2019) extracted it and '
        'ActionFormer and TriDet read it: 16-frame snippets every 4 frames at '
        'the videos\' own 30 fps, ten crops averaged, two-stream 2048-d'),
    'activitynet': Preset(
        Protocol(fps=25.0, window=16, stride=16, crops='center'),
        ('rgb', 'flow'), _IMAGENET,
        'ActivityNet v1.3 as ActionFormer uses I3D features: 16-frame '
        'snippets every 16 frames at 25 fps, two-stream 2048-d (the crop is '
        'unstated: the centre crop)'),
}


def preset(name: str) -> Preset:
  """A preset by name.

  Raises:
    InputError: unknown name.
  """
  return errors.named(PRESETS, name, 'preset')
