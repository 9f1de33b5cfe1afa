"""Sliding windows over a stream of preprocessed frames.

`sliding_windows`: a window of `window` frames starts every `stride` frames
while a whole window fits; a stream shorter than one window is one window of
all its frames. With `cover_end`, a last window of `window` frames ending at
the stream's last frame is added when the regular windows leave frames after
their end, so the windows cover the whole video.

`centered_windows`: a window of `window` frames centred on every `stride`-th
frame (frames c - window // 2 to c + (window - 1) // 2... for centre c), the
video's edges padded by repeating its first and last frames, as per-frame
features (MS-TCN's) are computed.

Only the frames the next window needs are held, so memory is bounded by the
window, whatever the video's length.
"""

import collections
import dataclasses
from typing import Dict, Iterable, Iterator, Sequence

import numpy as np

from kinetics_i3d.video import decoding
from kinetics_i3d.video import preprocessing


@dataclasses.dataclass
class Window:
  """Consecutive frames of one or more streams.

  Attributes:
    first: index of its first frame in the stream.
    inputs: [1, frames, 224, 224, channels] float32 clips by stream.
    start_sec: time of its first frame, seconds from the video's start.
    end_sec: the time just after its last frame.
  """
  first: int
  inputs: Dict[str, np.ndarray]
  start_sec: float
  end_sec: float

  @property
  def num_frames(self) -> int:
    return next(iter(self.inputs.values())).shape[1]

  @property
  def center_sec(self) -> float:
    return 0.5 * (self.start_sec + self.end_sec)


def check_window(window: int, stride: int) -> None:
  """Raises ValueError unless window and stride are positive."""
  if window < 1 or stride < 1:
    raise ValueError(f'window and stride must be positive, got {window} and '
                     f'{stride}')


def sliding_windows(chunks: Iterable[preprocessing.Chunk],
                    streams: Sequence[str],
                    window: int,
                    stride: int,
                    cover_end: bool = False,
                    fps: float = decoding.FPS) -> Iterator[Window]:
  """Windows over the frames of a stream of chunks, as the frames arrive.

  Args:
    chunks: consecutive frames (`preprocessing.stream_video`).
    streams: the streams to put in the windows ('rgb', 'flow').
    window: frames per window.
    stride: frames between window starts.
    cover_end: add a last window that ends at the last frame when the regular
      windows stop before it.
    fps: the frame rate, for the windows' end times.

  Yields:
    The windows, in order of their first frame.

  Raises:
    ValueError: window or stride not positive.
  """
  check_window(window, stride)
  frames = {s: collections.deque(maxlen=window) for s in streams}
  times = collections.deque(maxlen=window)
  count, next_start, covered = 0, 0, 0

  def current() -> Window:
    inputs = {s: np.stack(frames[s])[None] for s in streams}
    return Window(count - len(times), inputs, float(times[0]),
                  float(times[-1]) + 1.0 / fps)

  for chunk in chunks:
    arrays = {s: getattr(chunk, s) for s in streams}
    for i, time in enumerate(chunk.times):
      for stream in streams:
        frames[stream].append(arrays[stream][i])
      times.append(time)
      count += 1
      if count == next_start + window:
        yield current()
        covered, next_start = count, next_start + stride
  if count and (covered == 0 or (cover_end and covered < count)):
    yield current()


def centered_windows(chunks: Iterable[preprocessing.Chunk],
                     streams: Sequence[str],
                     window: int,
                     stride: int,
                     fps: float = decoding.FPS) -> Iterator[Window]:
  """Windows centred on every `stride`-th frame, the edges padded.

  The window of centre c holds frames c - window // 2 up to
  c + (window - 1) // 2, each index clipped to the stream, so the first and
  last frames are repeated where the window reaches past them. Its times are
  nominal: from c's time - (window // 2) / fps, `window` frames long (so at
  the edges they reach past the video).

  Args:
    chunks: consecutive frames (`preprocessing.stream_video`).
    streams: the streams to put in the windows ('rgb', 'flow').
    window: frames per window.
    stride: frames between window centres; the first is the first frame.
    fps: the frame rate, for the windows' times.

  Yields:
    One window per centre, in order; `first` is its first frame's nominal
    index (negative at the start).

  Raises:
    ValueError: window or stride not positive.
  """
  check_window(window, stride)
  before, after = window // 2, (window - 1) // 2
  held = collections.deque()  # (index, {stream: frame}, time)
  count, center = 0, 0

  def current() -> Window:
    base = held[0][0]
    picks = [held[min(max(i, 0), count - 1) - base]
             for i in range(center - before, center + after + 1)]
    inputs = {s: np.stack([p[1][s] for p in picks])[None] for s in streams}
    time = held[center - base][2]
    return Window(center - before, inputs, time - before / fps,
                  time + (window - before) / fps)

  for chunk in chunks:
    arrays = {s: getattr(chunk, s) for s in streams}
    for i, time in enumerate(chunk.times):
      if count >= center - before:  # Earlier frames are never needed again.
        held.append((count, {s: arrays[s][i] for s in streams}, time))
      count += 1
      while center + after < count:
        yield current()
        center += stride
        while held and held[0][0] < center - before:
          held.popleft()
  while center < count:
    yield current()
    center += stride
