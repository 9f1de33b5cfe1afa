"""A video file's frames by their index, without decoding from its start.

`index_frames` reads a video's packets (no decoding) and returns how many
frames it has and, where every packet carries one, their presentation times
in order. `read_frames` then seeks to the keyframe at or before the first
frame wanted and decodes from there, as far as the last one.

The seek is used only where it gives exactly the frames a decode from the
start gives: the first frame decoded after it must be a keyframe no later
than the first frame wanted (so no frame used needs one from before the
seek), and every wanted time must turn up in order. Otherwise (open GOPs, a
container whose seek lands late, a decoding error after the seek) the frames
are decoded from the start, found by their times, or counted where packets
carry no times.

Frames are the pictures a player shows (`display`): the stream FFmpeg picks,
turned upright, with square pixels.
"""

import dataclasses
from typing import List, Optional, Sequence

import av
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.video import decoding
from kinetics_i3d.video import display


@dataclasses.dataclass(frozen=True)
class FrameIndex:
  """The frames of one video file.

  Attributes:
    num_frames: frames in the file (its video packets that hold data).
    times: each frame's presentation time in the stream's time base, in
      presentation order; None where packets lack times or repeat one (such
      files are read from their start).
  """
  num_frames: int
  times: Optional[np.ndarray]


def index_frames(path: str) -> FrameIndex:
  """Indexes a video's frames from its packets (no decoding).

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it cannot be read.
  """
  with decoding.open_video(path) as container:
    stream = display.select_stream(container, path)
    try:
      times = [p.pts for p in container.demux(stream) if p.size]
    except av.error.FFmpegError as error:
      raise errors.InputError(f'cannot read {path}: {error}') from None
  if None in times or len(set(times)) != len(times):
    return FrameIndex(len(times), None)
  return FrameIndex(len(times), np.sort(np.array(times, np.int64)))


def _frames_at(container, path: str, times: np.ndarray,
               seek: bool) -> Optional[List[np.ndarray]]:
  """The frames at `times` (ascending) that turn up in order, as RGB arrays.

  With `seek`, decodes from the keyframe at or before the first time, and
  returns None unless the first frame decoded is such a keyframe; otherwise
  decodes from the start. Stops at the first wanted time that is passed
  without turning up.
  """
  pictures = display.Pictures(container, path)
  stream = pictures.stream
  if seek:
    container.seek(int(times[0]), stream=stream, backward=True,
                   any_frame=False)
  kept = []
  for position, frame in enumerate(container.decode(stream)):
    if seek and position == 0 and not (frame.key_frame and
                                       frame.pts is not None and
                                       frame.pts <= times[0]):
      return None
    if frame.pts == times[len(kept)]:
      kept.append(pictures(frame))
      if len(kept) == len(times):
        break
    elif frame.pts is None or frame.pts > times[len(kept)]:
      break
  return kept


def _frames_counted(container, path: str,
                    wanted: Sequence[int]) -> List[np.ndarray]:
  """The frames at positions `wanted` (ascending) of a decode from the start."""
  kept = []
  pictures = display.Pictures(container, path)
  for position, frame in enumerate(container.decode(pictures.stream)):
    if position == wanted[len(kept)]:
      kept.append(pictures(frame))
      if len(kept) == len(wanted):
        break
  return kept


def read_frames(path: str, index: FrameIndex, first: int, count: int,
                stride: int = 1) -> np.ndarray:
  """Frames first, first + stride, ... of a video file, as stored.

  Args:
    path: the video file.
    index: its `index_frames`.
    first: the first frame's index.
    count: how many frames.
    stride: every how many frames.

  Returns:
    uint8 RGB frames [count, H, W, 3], as a player shows them.

  Raises:
    ValueError: the frames are not all within the index's.
    InputError: the file cannot be decoded, or ends before the last frame.
  """
  wanted = list(range(first, first + (count - 1) * stride + 1, stride))
  if first < 0 or wanted[-1] >= index.num_frames:
    raise ValueError(f'frames {first} to {wanted[-1]} of {index.num_frames}')
  kept = None
  try:
    if index.times is not None:
      times = index.times[wanted]
      if first > 0:
        try:
          with decoding.open_video(path) as container:
            kept = _frames_at(container, path, times, seek=True)
        except av.error.FFmpegError:
          kept = None  # Decoded from the start below, where errors count.
      if kept is None or len(kept) < count:
        with decoding.open_video(path) as container:
          kept = _frames_at(container, path, times, seek=False)
    else:
      with decoding.open_video(path) as container:
        kept = _frames_counted(container, path, wanted)
  except av.error.FFmpegError as error:
    raise errors.InputError(f'cannot decode {path}: {error}') from None
  if len(kept) < count:
    raise errors.InputError(f'{path} ends after {len(kept)} of the clip\'s '
                            f'{count} frames: is it truncated?')
  return np.stack(kept)
