"""The protocol of an FVD: which clips of which videos, how many, how seeded.

FVDs in papers are comparable only under one protocol. `Protocol` names
every choice: how many clips per set, of how many frames, every how many
frames they are taken, where in each video (`first`: its start, as the
reference does; `random`: a random video and a random offset in it, as
StyleGAN-V does), the seeds, and an optional resize of every frame before
the detector's own. `PROTOCOLS` holds StyleGAN-V's: `fvd2048_16f` and
`fvd2048_128f`, 2048 clips of 16 (or 128) consecutive frames per set, taken
at random offsets in randomly chosen videos, videos shorter than a clip left
out.

`select_clips` draws the clips of a set from its videos' lengths for one
seed. With `random` sampling a set with at least as many usable videos as
clips gives each video at most one clip (a random subset, in random order);
a set with fewer draws videos with replacement (several clips of one video at
independent offsets), and says so (`Selection.with_replacement`). With
`first` sampling the first usable videos, in order, are taken, and a set with
too few is refused.
"""

import dataclasses
from typing import Any, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.video import preprocessing

SAMPLINGS = ('first', 'random')
# --resize's filters, by name, as OpenCV's interpolations.
RESIZE_FILTERS = {'bilinear': cv2.INTER_LINEAR, 'area': cv2.INTER_AREA,
                  'bicubic': cv2.INTER_CUBIC, 'lanczos': cv2.INTER_LANCZOS4}


@dataclasses.dataclass(frozen=True)
class Protocol:
  """How the clips of each set are chosen and prepared.

  Attributes:
    num_videos: clips per set; None for one clip per usable video.
    num_frames: frames per clip.
    frame_stride: a clip takes every `frame_stride`-th frame.
    sampling: 'first' (each video's start) or 'random' (random videos, random
      offsets).
    seed: the first seed of `random` sampling.
    num_seeds: how many seeds (seed, seed + 1, ...): FVD and KVD for each,
      and their mean and standard deviation.
    resize: (height, width) every frame is resized to first, or None.
    resize_filter: the filter of that resize (`RESIZE_FILTERS`).
    name: the protocol's name when it is a published one.
  """
  num_videos: Optional[int] = None
  num_frames: int = 16
  frame_stride: int = 1
  sampling: str = 'first'
  seed: int = 0
  num_seeds: int = 1
  resize: Optional[Tuple[int, int]] = None
  resize_filter: str = 'bilinear'
  name: Optional[str] = None

  @property
  def span(self) -> int:
    """Frames of a video one clip covers."""
    return (self.num_frames - 1) * self.frame_stride + 1

  @property
  def seeds(self) -> List[int]:
    return list(range(self.seed, self.seed + self.num_seeds))

  def check(self) -> None:
    """Raises InputError for a protocol that cannot be used, naming why."""
    if self.num_frames < preprocessing.MIN_FRAMES:
      raise errors.InputError(
          f'--num_frames={self.num_frames}: the network needs at least '
          f'{preprocessing.MIN_FRAMES} frames')
    if self.frame_stride < 1:
      raise errors.InputError(
          f'--frame_stride={self.frame_stride}: give 1 or more')
    if self.num_videos is not None and self.num_videos < 2:
      raise errors.InputError(f'--num_videos={self.num_videos}: FVD needs at '
                              'least 2 clips per set')
    if self.sampling not in SAMPLINGS:
      raise errors.InputError(f'--sampling={self.sampling}: give first or '
                              'random')
    if self.num_seeds < 1:
      raise errors.InputError(f'--seeds={self.num_seeds}: give 1 or more')
    if self.num_seeds > 1 and self.sampling != 'random':
      raise errors.InputError(
          f'--seeds={self.num_seeds} with --sampling=first gives the same '
          'clips for every seed: use --sampling=random')
    if self.resize_filter not in RESIZE_FILTERS:
      raise errors.InputError(
          f'--resize_filter={self.resize_filter}: give one of '
          f'{", ".join(RESIZE_FILTERS)}')

  def record(self) -> Dict[str, Any]:
    """Every choice, as JSON types: what results and statistics carry."""
    return {
        'name': self.name, 'num_videos': self.num_videos,
        'num_frames': self.num_frames, 'frame_stride': self.frame_stride,
        'sampling': self.sampling,
        'seeds': self.seeds if self.sampling == 'random' else None,
        'resize': (f'{self.resize[0]}x{self.resize[1]} {self.resize_filter}'
                   if self.resize else None),
    }


PROTOCOLS = {
    'fvd2048_16f': Protocol(2048, 16, 1, 'random', name='fvd2048_16f'),
    'fvd2048_128f': Protocol(2048, 128, 1, 'random', name='fvd2048_128f'),
}


def protocol(name: str) -> Protocol:
  """A published protocol by name.

  Raises:
    InputError: unknown name.
  """
  return errors.named(PROTOCOLS, name, 'protocol')


def parse_resize(text: str) -> Tuple[int, int]:
  """'128x128' to (128, 128).

  Raises:
    InputError: not two positive integers joined by 'x'.
  """
  parts = text.lower().split('x')
  try:
    height, width = (int(p) for p in parts)
  except ValueError:
    height = width = 0
  if len(parts) != 2 or height < 1 or width < 1:
    raise errors.InputError(f'--resize={text}: give HEIGHTxWIDTH in pixels, '
                            'e.g. 128x128')
  return height, width


@dataclasses.dataclass(frozen=True)
class Clip:
  """One clip: frames first, first + stride, ... of one video of a set."""
  video: int
  first: int


@dataclasses.dataclass
class Selection:
  """The clips of a set for one seed.

  Attributes:
    clips: the clips, in the order they are embedded.
    usable: videos long enough for a clip.
    skipped: videos shorter than a clip, left out.
    with_replacement: some videos give more than one clip (random sampling
      with fewer usable videos than clips).
  """
  clips: List[Clip]
  usable: int
  skipped: int
  with_replacement: bool


def select_clips(lengths: Sequence[int], protocol_: Protocol, seed: int,
                 source: str) -> Selection:
  """The clips of a set whose videos have `lengths` frames, for one seed.

  Args:
    lengths: frames of each video.
    protocol_: the protocol.
    seed: the seed of `random` sampling.
    source: the set's name, for errors.

  Returns:
    The selection.

  Raises:
    InputError: no video is long enough, or (first sampling) fewer usable
      videos than clips asked for, or fewer than 2 clips.
  """
  span = protocol_.span
  usable = [i for i, n in enumerate(lengths) if n >= span]
  skipped = len(lengths) - len(usable)
  if not usable:
    raise errors.InputError(
        f'every video of {source} is shorter than a clip ({len(lengths)} '
        f'videos, a clip spans {span} frames): give fewer --num_frames or a '
        'smaller --frame_stride')
  count = protocol_.num_videos or len(usable)
  if count < 2:
    raise errors.InputError(
        f'{source} has {len(usable)} usable video ({skipped} too short): FVD '
        'needs at least 2 clips per set (thousands for a stable value)')
  if protocol_.sampling == 'first':
    if count > len(usable):
      raise errors.InputError(
          f'{source} has {len(usable)} videos of {span} frames or more '
          f'({skipped} shorter), not the {count} asked for: give '
          f'--num_videos={len(usable)}, or --sampling=random to draw clips '
          'with replacement')
    return Selection([Clip(i, 0) for i in usable[:count]], len(usable),
                     skipped, False)
  rng = np.random.default_rng(seed)
  replace = count > len(usable)
  videos = rng.choice(usable, count, replace=replace)
  clips = [Clip(int(v), int(rng.integers(0, lengths[v] - span + 1)))
           for v in videos]
  return Selection(clips, len(usable), skipped, replace)


def resize_frames(frames: np.ndarray, protocol_: Protocol) -> np.ndarray:
  """[T, H, W, 3] uint8 frames resized as the protocol says (if it does)."""
  if protocol_.resize is None:
    return frames
  height, width = protocol_.resize
  flag = RESIZE_FILTERS[protocol_.resize_filter]
  return np.stack([cv2.resize(f, (width, height), interpolation=flag)
                   for f in frames])
