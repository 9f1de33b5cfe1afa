"""The clips an int8 model is calibrated on, and the held-out clips it is
checked on.

Videos come from a folder (every video under it) or a Kinetics manifest
(`datasets.manifests`). They are split by video, so that no held-out clip
shares a video with a calibration clip: every `HELD_OUT_EVERY`-th video (in
sorted order) is held out. Each video gives windows of `WINDOW` frames at
25 fps, spread evenly over it; a calibration window gives its ten crops
(the corners, the centre and their mirrors, as the `ten` feature protocol),
a held-out window its centre crop and that crop's mirror. Videos that do not
decode or are shorter than a window are skipped and counted.
"""

import collections.abc
import dataclasses
import os
from typing import Dict, Iterator, List, Optional, Sequence

import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.datasets import preprocess_jobs
from kinetics_i3d.video import decoding
from kinetics_i3d.video import display
from kinetics_i3d.video import preprocessing
from kinetics_i3d.video import windows as windows_lib

WINDOW = 32  # frames at 25 fps
STRIDE = 8  # the least distance between windows of one video
HELD_OUT_EVERY = 5
# Calibration inputs (crops of windows): NNCF's default number, and the least.
CALIBRATION_INPUTS = 300
MIN_CALIBRATION_INPUTS = 100
HELD_OUT_INPUTS = 100
# Crops a window gives: the ten crops for calibration; for measuring, the
# centre crop and its mirror (4 and 9 among the ten).
CALIBRATION_VIEWS = 10
_HELD_OUT_VIEWS = (4, 9)
HELD_OUT_VIEWS = len(_HELD_OUT_VIEWS)


@dataclasses.dataclass(frozen=True)
class Video:
  """A video, or a segment of one, to take windows from."""
  path: str
  start_sec: Optional[float] = None
  end_sec: Optional[float] = None

  def record(self) -> Dict[str, object]:
    """What identifies it in a model's provenance."""
    try:
      size = os.path.getsize(self.path)
    except OSError:
      size = None
    return {'path': os.path.abspath(self.path), 'bytes': size,
            'start_sec': self.start_sec, 'end_sec': self.end_sec}


@dataclasses.dataclass
class Split:
  """Videos split into calibration and held-out ones."""
  calibration: List[Video]
  held_out: List[Video]


def from_folder(folder: str) -> List[Video]:
  """Every video file under `folder`, sorted.

  Raises:
    MissingFileError: no such folder.
  """
  if not os.path.isdir(folder):
    raise errors.MissingFileError(f'{folder} is not a folder of videos')
  return [Video(path) for path in preprocess_jobs.video_files(folder)]


def from_manifest(manifest: str, videos_dir: str) -> List[Video]:
  """The clips of a Kinetics CSV whose videos are in `videos_dir`.

  Raises:
    InputError: the manifest does not read (needs Apache Beam's file
      systems: the `beam` extra).
  """
  # Apache Beam's file systems read manifests: imported only for one.
  from kinetics_i3d.datasets import manifests  # pylint: disable=g-import-not-at-top
  return [Video(clip.video, clip.start_sec, clip.end_sec)
          for clip in manifests.load(manifest, videos_dir)]


def split(videos: Sequence[Video]) -> Split:
  """Holds out every `HELD_OUT_EVERY`-th video (at least one).

  Raises:
    InputError: fewer than two videos to split.
  """
  videos = list(videos)
  if len(videos) < 2:
    raise errors.InputError(
        f'{len(videos)} video{"" if len(videos) == 1 else "s"} given: '
        'calibration needs at least two, one of them held out to measure '
        'the int8 model')
  out = videos[HELD_OUT_EVERY - 1::HELD_OUT_EVERY]
  kept = [v for i, v in enumerate(videos) if (i + 1) % HELD_OUT_EVERY]
  if not out:
    kept, out = kept[:-1], kept[-1:]
  return Split(kept, out)


@dataclasses.dataclass
class Windows:
  """Windows taken from videos: each [1, WINDOW, H, W, C] float16 (the
  whole resized frames, cropped when used), and the videos skipped with
  the reason."""
  clips: List[np.ndarray] = dataclasses.field(default_factory=list)
  skipped: Dict[str, str] = dataclasses.field(default_factory=dict)


def _frames(video: Video) -> Optional[float]:
  """How many frames at 25 fps the video (or its segment) lasts."""
  duration = decoding.declared_duration(video.path)
  if duration is None:
    return None
  end = duration if video.end_sec is None else min(duration, video.end_sec)
  return (end - (video.start_sec or 0.0)) * decoding.FPS


def video_windows(video: Video, stream: str, count: int,
                  color_matrix: str = display.DEFAULT_COLOR_MATRIX,
                  window: int = WINDOW) -> Iterator[np.ndarray]:
  """Up to `count` windows of one stream, spread evenly over the video.

  Yields:
    [1, window, H, W, C] float32 network inputs (whole resized frames).

  Raises:
    InputError: the video cannot be decoded.
  """
  frames = _frames(video)
  stride = STRIDE
  if frames is not None and count > 1:
    stride = max(STRIDE, int(frames - window) // (count - 1))
  chunks = preprocessing.stream_video(
      video.path, rgb=stream == 'rgb', flow=stream == 'flow',
      start_sec=video.start_sec, end_sec=video.end_sec, cropped=False,
      color_matrix=color_matrix)
  windows = windows_lib.sliding_windows(chunks, (stream,), window, stride)
  for index, taken in enumerate(windows):
    clip = taken.inputs[stream]
    if index == count or clip.shape[1] < window:
      break
    yield clip


def collect(videos: Sequence[Video], stream: str, inputs: int, views: int,
            color_matrix: str = display.DEFAULT_COLOR_MATRIX,
            window: int = WINDOW) -> Windows:
  """Enough windows for `inputs` crops, `views` crops a window, taken
  evenly from the videos.

  Args:
    videos: where to take them.
    stream: 'rgb' or 'flow'.
    inputs: how many crops are wanted.
    views: crops per window.
    color_matrix: the colour policy (`display.COLOR_MATRICES`).
    window: frames per window.

  Returns:
    The windows, and the videos skipped with the reason.
  """
  wanted = -(-inputs // views)
  result = Windows()
  for index, video in enumerate(videos):
    if len(result.clips) >= wanted:
      break
    # What is still wanted, shared among the videos left.
    count = -(-(wanted - len(result.clips)) // (len(videos) - index))
    try:
      taken = [clip.astype(np.float16) for clip in
               video_windows(video, stream, count, color_matrix, window)]
    except errors.InputError as error:
      result.skipped[video.path] = str(error)
      continue
    if not taken:
      result.skipped[video.path] = (f'shorter than a window of {window} '
                                    'frames at 25 fps')
    result.clips += taken
  return result


class Crops(collections.abc.Sequence):
  """Crops of windows, each [1, WINDOW, 224, 224, C] float32, made when
  read (in order, a window's crops are made once), so that a few hundred
  never sit in memory together."""

  def __init__(self, windows: Windows, stream: str,
               views: Sequence[int] = tuple(range(CALIBRATION_VIEWS))):
    self._clips = windows.clips
    self._stream = stream
    self._views = tuple(views)
    self._cached = (None, None)

  def __len__(self) -> int:
    return len(self._clips) * len(self._views)

  def __getitem__(self, index: int) -> np.ndarray:
    if not 0 <= index < len(self):
      raise IndexError(index)
    window, view = divmod(index, len(self._views))
    if self._cached[0] != window:
      self._cached = (window, preprocessing.crop_views(
          self._clips[window], self._stream, 'ten'))
    return self._cached[1][[self._views[view]]].astype(np.float32)


def calibration_inputs(windows: Windows, stream: str) -> Crops:
  """The ten crops of each window."""
  return Crops(windows, stream)


def held_out_inputs(windows: Windows, stream: str) -> Crops:
  """The centre crop and its mirror of each window."""
  return Crops(windows, stream, _HELD_OUT_VIEWS)


def check_enough(count: int, skipped: Dict[str, str],
                 minimum: int = MIN_CALIBRATION_INPUTS,
                 window: int = WINDOW) -> None:
  """Raises InputError in one line when there are too few calibration
  inputs."""
  if count < minimum:
    raise errors.InputError(
        f'{count} calibration inputs ({count // CALIBRATION_VIEWS} windows '
        f'of {window} frames, ten crops each) from the videos given'
        f'{f", {len(skipped)} skipped" if skipped else ""}; int8 calibration '
        f'needs at least {minimum} ({-(-minimum // CALIBRATION_VIEWS)} '
        f'windows, {CALIBRATION_INPUTS} advised): give more or longer videos')
