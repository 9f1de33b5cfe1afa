"""Decoding a video at a fixed frame rate, by timestamp.

Frames are decoded with PyAV (FFmpeg). The output frame k shows the video at
time start + k / fps: it is the decoded frame whose timestamp is closest to
that time (the earlier one on a tie), so frames are dropped or repeated as the
source rate requires, and variable frame rates work. This is what MediaPipe's
`PacketResamplerCalculator` does in DeepMind's Kinetics pipeline.
"""

import dataclasses
import math
import os
from typing import Callable, List, Optional

import av
import numpy as np

from kinetics_i3d import errors

FPS = 25.0
# Container timestamps are often rounded to milliseconds: times closer than
# this to the video's end count as its end.
_TIME_TOLERANCE = 2e-3


@dataclasses.dataclass
class DecodedVideo:
  """Frames resampled to a fixed rate.

  Attributes:
    frames: the frames, as returned by the frame transform.
    times: the output time of each frame, seconds from the video's start.
    duration: the video's duration in seconds.
    fps: the output frame rate.
  """
  frames: List[np.ndarray]
  times: np.ndarray
  duration: float
  fps: float


class _Resampler:
  """Picks, for each output time, the decoded frame closest to it.

  Frames arrive in presentation order; each is transformed at most once.
  """

  def __init__(self, transform, fps: float, start: float, end: float):
    self._transform = transform
    self._fps = fps
    self._start = start
    self._end = end
    self._previous = None  # (time, frame index, frame)
    self._last = None  # (frame index, transformed frame)
    self.frames = []

  def _target(self) -> float:
    return self._start + len(self.frames) / self._fps

  def _emit(self, index: int, frame: av.VideoFrame) -> None:
    if self._last is None or self._last[0] != index:
      self._last = (index, self._transform(frame.to_ndarray(format='rgb24')))
    self.frames.append(self._last[1])

  def add(self, time: float, index: int, frame: av.VideoFrame) -> None:
    while self._target() < self._end - _TIME_TOLERANCE and (
        time >= self._target()):
      target = self._target()
      if self._previous is not None and (
          target - self._previous[0] <= time - target):
        self._emit(*self._previous[1:])
      else:
        self._emit(index, frame)
    self._previous = (time, index, frame)

  def finish(self, end: float) -> None:
    """Fills the output times before `end` with the last frame."""
    while self._previous is not None and self._target() < min(
        end, self._end) - _TIME_TOLERANCE:
      self._emit(*self._previous[1:])


def decode(path: str,
           transform: Callable[[np.ndarray], np.ndarray],
           fps: float = FPS,
           start_sec: Optional[float] = None,
           end_sec: Optional[float] = None) -> DecodedVideo:
  """Decodes `path` at `fps` between `start_sec` and `end_sec`.

  Frames are decoded one at a time and only the transformed frames that are
  kept stay in memory, so long videos are fine.

  Args:
    path: a video file FFmpeg can read.
    transform: applied once to each kept frame (uint8 RGB, [height, width,
      3]), e.g. a resize.
    fps: output frame rate.
    start_sec: first output time, seconds from the start (default 0).
    end_sec: output times stop before this (default: the video's end).

  Returns:
    The resampled frames.

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it is not a video, has no frames, or the times fall outside
      it.
  """
  if not os.path.isfile(path):
    raise errors.MissingFileError(f'no video at {path}')
  start = 0.0 if start_sec is None else float(start_sec)
  end = math.inf if end_sec is None else float(end_sec)
  if start < 0:
    raise errors.InputError(f'--start_sec {start:g} is negative')
  if end <= start:
    raise errors.InputError(f'--end_sec {end:g} is not after --start_sec '
                            f'{start:g}')
  resampler = _Resampler(transform, fps, start, end)
  first = last = None
  try:
    with av.open(path) as container:
      if not container.streams.video:
        raise errors.InputError(f'{path} has no video stream')
      stream = container.streams.video[0]
      stream.thread_type = 'AUTO'
      rate = float(stream.average_rate or stream.guessed_rate or fps)
      nominal = stream.average_rate is not None
      frame_duration = 1.0 / rate
      for index, frame in enumerate(container.decode(stream)):
        time = frame.time if frame.time is not None else index / rate
        first = time if first is None else first
        if not nominal and last is not None and time > last:
          # The last frame lasts as long as the one before it.
          frame_duration = time - last
        last = time
        resampler.add(time - first, index, frame)
        if last - first > end + 1.0:
          break
  except av.error.EOFError:
    if first is None:
      raise errors.InputError(f'{path} has no video frames') from None
    raise errors.InputError(f'{path} ends unexpectedly after '
                            f'{last - first:.2f} s: is it truncated?') from None
  except av.error.FFmpegError as error:
    raise errors.InputError(
        f'cannot decode {path}: {error.strerror or error}') from None
  if first is None:
    raise errors.InputError(f'{path} has no video frames')
  duration = last - first + frame_duration
  if start >= duration:
    raise errors.InputError(f'--start_sec {start:g} is outside {path}, which '
                            f'lasts {duration:.3f} s')
  if end != math.inf and end > duration + _TIME_TOLERANCE:
    raise errors.InputError(f'--end_sec {end:g} is past the end of {path}, '
                            f'which lasts {duration:.3f} s')
  resampler.finish(duration)
  times = start + np.arange(len(resampler.frames)) / fps
  return DecodedVideo(resampler.frames, times, duration, fps)
