"""Decoding a video at a fixed frame rate, by timestamp, one frame at a time.

Frames are decoded with PyAV (FFmpeg). The output frame k shows the video at
time start + k / fps: it is the decoded frame whose timestamp is closest to
that time (the earlier one on a tie), so frames are dropped or repeated as the
source rate requires, and variable frame rates work. This is what MediaPipe's
`PacketResamplerCalculator` does in DeepMind's Kinetics pipeline. With
`fps=None` (native) every decoded frame is kept, at its own timestamp, as
localisation features at a video's own frame rate are computed.

`FrameReader` yields the resampled frames as they are decoded, so a video of
any length streams through in constant memory; `decode` keeps them all.

Frames are the pictures a player shows (`display`): the video stream FFmpeg
would pick, turned as its display matrix says, with square pixels, and
converted to RGB with the chosen colour matrix. Times and durations are the
chosen stream's.
"""

import dataclasses
import math
import os
from typing import Any, Callable, Iterator, List, Optional, Tuple

import av
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.video import display as display_lib

FPS = 25.0
# File extensions taken for videos when a folder is searched.
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.mpg',
                    '.mpeg', '.gif', '.flv', '.wmv')
# Container timestamps are often rounded to milliseconds: times closer than
# this to the video's end count as its end.
_TIME_TOLERANCE = 2e-3
# A video whose frames stop this much before the duration its container
# declares was cut short (a truncated download), not merely rounded.
_TRUNCATION_TOLERANCE = 0.5
# Frames further apart than this many times the shortest interval make the
# rate variable (a gap, or a phone's changing rate).
_VARIABLE_RATE = 1.5
# A video shorter than its segment by more than this is reported short.
_SHORT_TOLERANCE = 0.1


class DecodingError(errors.InputError):
  """Decoding stopped part-way through a video.

  Attributes:
    time_sec: the time (seconds from the video's start) up to which the
      frames were good.
  """

  def __init__(self, message: str, time_sec: float):
    super().__init__(message)
    self.time_sec = time_sec


@dataclasses.dataclass
class DecodedVideo:
  """Frames resampled to a fixed rate.

  Attributes:
    frames: the frames, as returned by the frame transform.
    times: the output time of each frame, seconds from the video's start.
    duration: the video's duration in seconds.
    fps: the output frame rate.
    display: what was done to show the frames as a player does.
  """
  frames: List[Any]
  times: np.ndarray
  duration: float
  fps: float
  display: Optional[display_lib.Display] = None


def _declared_duration(container, stream) -> Optional[float]:
  if stream.duration is not None and stream.time_base is not None:
    return float(stream.duration * stream.time_base)
  if container.duration is not None and len(container.streams) == 1:
    return container.duration / av.time_base
  return None  # Other streams (audio) may be longer than the video.


def open_video(path: str):
  """Opens a video file with PyAV, FFmpeg's errors raised as InputErrors.

  `display.select_stream(container, path)` then gives its video stream.

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: FFmpeg cannot open it, or it has no video stream (pictures
      such as cover art do not count).
  """
  if not os.path.isfile(path):
    raise errors.MissingFileError(f'no video at {path}')
  try:
    container = av.open(path)
  except av.error.EOFError:
    raise errors.InputError(f'{path} has no video frames') from None
  except av.error.FFmpegError as error:
    raise errors.InputError(
        f'cannot decode {path}: {error.strerror or error}') from None
  try:
    display_lib.select_stream(container, path)
  except errors.InputError:
    container.close()
    raise
  return container


def declared_duration(path: str) -> Optional[float]:
  """A video's duration as its container declares it, without decoding.

  Returns:
    Seconds, or None when the container does not say.

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it is not a video.
  """
  with open_video(path) as container:
    return _declared_duration(container,
                              display_lib.select_stream(container, path))


class _Resampler:
  """Picks, for each output time, the decoded frame closest to it.

  Frames arrive in presentation order; each is converted at most once.
  `add` and `finish` return the (time, frame) pairs they emit.
  """

  def __init__(self, convert, fps: float, start: float, end: float):
    self._convert = convert
    self._fps = fps
    self._start = start
    self._end = end
    self._previous = None  # (time, frame index, frame)
    self._last = None  # (frame index, transformed frame)
    self.count = 0

  def _target(self) -> float:
    return self._start + self.count / self._fps

  def _emit(self, index: int, frame: av.VideoFrame) -> Tuple[float, Any]:
    if self._last is None or self._last[0] != index:
      self._last = (index, self._convert(frame))
    time = self._target()
    self.count += 1
    return time, self._last[1]

  def add(self, time: float, index: int,
          frame: av.VideoFrame) -> List[Tuple[float, Any]]:
    emitted = []
    while self._target() < self._end - _TIME_TOLERANCE and (
        time >= self._target()):
      target = self._target()
      if self._previous is not None and (
          target - self._previous[0] <= time - target):
        emitted.append(self._emit(*self._previous[1:]))
      else:
        emitted.append(self._emit(index, frame))
    self._previous = (time, index, frame)
    return emitted

  def finish(self, end: float) -> List[Tuple[float, Any]]:
    """Fills the output times before `end` with the last frame."""
    emitted = []
    while self._previous is not None and self._target() < min(
        end, self._end) - _TIME_TOLERANCE:
      emitted.append(self._emit(*self._previous[1:]))
    return emitted


class _Native:
  """Keeps every decoded frame between the start and end times, at its own
  time; the interface of `_Resampler`.

  Raises InputError for timestamps that do not increase: such a video has no
  native rate to keep.
  """

  def __init__(self, convert, start: float, end: float, path: str):
    self._convert = convert
    self._start = start
    self._end = end
    self._path = path
    self._previous = None

  def add(self, time: float, index: int,
          frame: av.VideoFrame) -> List[Tuple[float, Any]]:
    del index
    if self._previous is not None and time <= self._previous:
      raise errors.InputError(
          f'{self._path} has no native frame rate (two frames at '
          f'{time:.3f} s, or out of order): resample it (--fps=25, or '
          'another rate)')
    self._previous = time
    if not (self._start - _TIME_TOLERANCE <= time <
            self._end - _TIME_TOLERANCE):
      return []
    return [(time, self._convert(frame))]

  def finish(self, end: float) -> List[Tuple[float, Any]]:
    del end
    return []


class FrameReader:
  """A video's frames at a fixed rate, decoded as they are read.

  Iterating yields (time, transformed frame) pairs, the time in seconds from
  the video's start; only the frame being decoded is held. After the
  iteration, `duration` is the video's duration. A video that cannot be
  decoded to its end raises `DecodingError` at the point where it fails,
  after the good frames before it: a truncated file never reads as a shorter
  video. Once the first frame is read, `display` says how the frames are
  shown.
  """

  def __init__(self,
               path: str,
               transform: Callable[[np.ndarray], Any],
               fps: Optional[float] = FPS,
               start_sec: Optional[float] = None,
               end_sec: Optional[float] = None,
               color_matrix: str = display_lib.DEFAULT_COLOR_MATRIX,
               size: Optional[Callable[[int, int], Tuple[int, int]]] = None):
    """Checks the arguments.

    Args:
      path: a video file FFmpeg can read.
      transform: applied once to each kept frame (uint8 RGB, [height, width,
        3], as a player shows it; float32 when `size` is given), e.g. a
        resize.
      fps: output frame rate; None keeps the decoded frames as they are (the
        video's own rate, which `fps` holds once iteration has begun).
      start_sec: first output time, seconds from the start (default 0).
      end_sec: output times stop before this (default: the video's end).
      color_matrix: the colour policy, one of `display.COLOR_MATRICES`.
      size: maps the shown (height, width) to the size each frame is resized
        to (on float32 pixels) before `transform`, in the resize that makes
        non-square pixels square; None keeps the shown size.

    Raises:
      MissingFileError: there is no file at `path`.
      InputError: the times are negative or in the wrong order, or the
        colour policy is unknown.
    """
    display_lib.check_color_matrix(color_matrix)
    if not os.path.isfile(path):
      raise errors.MissingFileError(f'no video at {path}')
    if fps is not None and not fps > 0:
      raise errors.InputError(f'the frame rate must be positive, got {fps:g}')
    self.path = path
    self.native = fps is None
    self.fps = fps
    self.start = 0.0 if start_sec is None else float(start_sec)
    self.end = math.inf if end_sec is None else float(end_sec)
    if self.start < 0:
      raise errors.InputError(f'--start_sec {self.start:g} is negative')
    if self.end <= self.start:
      raise errors.InputError(f'--end_sec {self.end:g} is not after '
                              f'--start_sec {self.start:g}')
    self._transform = transform
    self._color_matrix = color_matrix
    self._size = size
    self.duration: Optional[float] = None
    self._pictures: Optional[display_lib.Pictures] = None

  def check_times(self, duration: float, tolerance: float = 0.0) -> None:
    """Raises InputError if the times fall outside `duration` + tolerance."""
    if self.start >= duration + tolerance:
      raise errors.InputError(f'--start_sec {self.start:g} is outside '
                              f'{self.path}, which lasts {duration:.3f} s')
    if self.end != math.inf and self.end > duration + max(
        tolerance, _TIME_TOLERANCE):
      raise errors.InputError(f'--end_sec {self.end:g} is past the end of '
                              f'{self.path}, which lasts {duration:.3f} s')

  @property
  def display(self) -> Optional[display_lib.Display]:
    """How the frames are shown, once the first frame is read."""
    return self._pictures.display if self._pictures else None

  def __iter__(self) -> Iterator[Tuple[float, Any]]:
    first = last = None

    def convert(frame: av.VideoFrame) -> Any:
      return self._transform(self._pictures(frame, self._size))

    with open_video(self.path) as container:
      self._pictures = display_lib.Pictures(container, self.path,
                                            self._color_matrix)
      stream = self._pictures.stream
      stream.thread_type = 'AUTO'
      declared = _declared_duration(container, stream)
      if declared is not None:  # Fails early; checked exactly at the end.
        self.check_times(declared, _TRUNCATION_TOLERANCE)
      declared_rate = stream.average_rate or stream.guessed_rate
      if self.native:
        if not declared_rate:
          raise errors.InputError(
              f'{self.path} declares no frame rate, so it has no native one: '
              'resample it (--fps=25, or another rate)')
        self.fps = float(declared_rate)
        resampler = _Native(convert, self.start, self.end, self.path)
      else:
        resampler = _Resampler(convert, self.fps, self.start, self.end)
      rate = float(declared_rate or self.fps)
      nominal = stream.average_rate is not None
      frame_duration = 1.0 / rate
      try:
        for index, frame in enumerate(container.decode(stream)):
          time = frame.time if frame.time is not None else index / rate
          if first is None:
            first = time
            self._pictures.display_of(frame)
          if not nominal and last is not None and time > last:
            # The last frame lasts as long as the one before it.
            frame_duration = time - last
          last = time
          yield from resampler.add(time - first, index, frame)
          if last - first > self.end + 1.0:
            break
        else:
          if first is not None and declared is not None and (
              declared - (last - first + frame_duration) >
              _TRUNCATION_TOLERANCE):
            raise DecodingError(
                f'{self.path} ends unexpectedly at {last - first:.2f} s of '
                f'the {declared:.2f} s its container declares: is it '
                'truncated? Download it again', last - first)
      except av.error.FFmpegError as error:
        if first is None:
          if isinstance(error, av.error.EOFError):
            raise errors.InputError(f'{self.path} has no video frames') from None
          raise errors.InputError(
              f'cannot decode {self.path}: {error.strerror or error}') from None
        raise DecodingError(
            f'decoding {self.path} failed at {last - first:.2f} s '
            f'({error.strerror or type(error).__name__}): is it truncated or '
            'damaged? Download it again', last - first) from None
    if first is None:
      raise errors.InputError(f'{self.path} has no video frames')
    self.duration = last - first + frame_duration
    self.check_times(self.duration)
    yield from resampler.finish(self.duration)


def check_input(path: str,
                start_sec: Optional[float] = None,
                end_sec: Optional[float] = None) -> None:
  """Checks, before any work, that `path` is a video FFmpeg opens, with a
  video stream, and that the times are in order and (as far as its container
  declares its duration) inside it.

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it is not a video, or the times cannot be used.
  """
  reader = FrameReader(path, lambda frame: frame, start_sec=start_sec,
                       end_sec=end_sec)
  with open_video(path) as container:
    declared = _declared_duration(
        container, display_lib.select_stream(container, path))
  if declared is not None:
    reader.check_times(declared, _TRUNCATION_TOLERANCE)


def decode(path: str,
           transform: Callable[[np.ndarray], Any],
           fps: Optional[float] = FPS,
           start_sec: Optional[float] = None,
           end_sec: Optional[float] = None,
           color_matrix: str = display_lib.DEFAULT_COLOR_MATRIX
          ) -> DecodedVideo:
  """Decodes `path` at `fps` between `start_sec` and `end_sec`.

  Only the transformed frames that are kept stay in memory; see
  `FrameReader` to stream them instead.

  Args:
    path: a video file FFmpeg can read.
    transform: applied once to each kept frame (uint8 RGB, [height, width,
      3], as a player shows it), e.g. a resize.
    fps: output frame rate; None for the video's own frames.
    start_sec: first output time, seconds from the start (default 0).
    end_sec: output times stop before this (default: the video's end).
    color_matrix: the colour policy, one of `display.COLOR_MATRICES`.

  Returns:
    The resampled frames.

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it is not a video, has no frames, the times fall outside
      it, or it cannot be decoded to its end (`DecodingError`).
  """
  reader = FrameReader(path, transform, fps, start_sec, end_sec, color_matrix)
  timed = list(reader)
  return DecodedVideo([frame for _, frame in timed],
                      np.array([time for time, _ in timed]), reader.duration,
                      reader.fps, reader.display)


@dataclasses.dataclass(frozen=True)
class Probe:
  """What a player does with a video, and how long it lasts, from its
  packets and first frame.

  Attributes:
    display: how its frames are shown.
    duration: seconds, from its first frame's time to its last frame's end.
    variable_rate: whether the intervals between its frames vary.
  """
  display: display_lib.Display
  duration: float
  variable_rate: bool

  def notes(self, segment_sec: Optional[float] = None) -> str:
    """What a report says of the video ('' for a plain one), e.g. 'turned
    90 clockwise; variable frame rate; 8.52 s of its 10.00 s segment'.

    Args:
      segment_sec: how long the video should last (a manifest's segment of
        a downloaded clip), or None.
    """
    parts = [self.display.corrections()]
    if self.variable_rate:
      parts.append('variable frame rate')
    if segment_sec is not None and (
        self.duration < segment_sec - _SHORT_TOLERANCE):
      parts.append(f'{self.duration:.2f} s of its {segment_sec:.2f} s '
                   'segment')
    return '; '.join(p for p in parts if p)


def probe(path: str,
          color_matrix: str = display_lib.DEFAULT_COLOR_MATRIX) -> Probe:
  """Reads a video's packet times and decodes its first frame.

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it is not a video, has no frames, or its tags cannot be
      shown (a rotation that is not a multiple of 90 degrees).
  """
  display_lib.check_color_matrix(color_matrix)
  if not os.path.isfile(path):
    raise errors.MissingFileError(f'no video at {path}')
  with open_video(path) as container:
    pictures = display_lib.Pictures(container, path, color_matrix)
    stream = pictures.stream
    times = []
    try:
      for packet in container.demux(stream):
        if packet.size and packet.pts is not None:
          times.append(float(packet.pts * stream.time_base))
        if pictures.display is None and packet.size:
          for frame in packet.decode():
            pictures.display_of(frame)
    except av.error.FFmpegError as error:
      raise errors.InputError(
          f'cannot read {path}: {error.strerror or error}') from None
  shown = pictures.display
  if shown is None or not times:
    raise errors.InputError(f'{path} has no video frames')
  times = np.sort(np.array(times))
  intervals = np.diff(times)
  intervals = intervals[intervals > 0]
  last = intervals[-1] if len(intervals) else (
      1.0 / float(stream.average_rate or FPS))
  variable = bool(len(intervals)) and (
      intervals.max() > _VARIABLE_RATE * intervals.min())
  return Probe(shown, float(times[-1] - times[0] + last), variable)
