"""Classifying a video of any length, window by window: an action timeline.

The video streams through windows of `window` frames every `stride` frames,
the last one ending at the video's last frame, so the windows cover the whole
video; a video shorter than one window is one window of all its frames, which
is exactly today's whole-clip classification. The video's logits are the
windows' logits averaged, as the I3D authors advise for clips longer than the
network was trained on.

When decoding fails part-way (a truncated download), the windows over the
frames decoded before the failure are kept and the result is marked partial.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Iterator, List, Optional, Sequence

import numpy as np

from kinetics_i3d import lazy_modules
from kinetics_i3d.video import decoding
from kinetics_i3d.video import preprocessing
from kinetics_i3d.video import windows as windows_lib

# Heavy (TensorFlow, Beam): imported when a path first uses them.
inference = lazy_modules.load('kinetics_i3d.models.inference')
report = lazy_modules.load('kinetics_i3d.report')

# 10 s, the length of a Kinetics clip (what the models were trained on).
DEFAULT_WINDOW_SEC = 10.0


@dataclasses.dataclass
class WindowLogits:
  """The logits of one window.

  Attributes:
    start_sec: time of the window's first frame.
    end_sec: time just after its last frame.
    logits: [num_classes] float32, summed over the streams.
  """
  start_sec: float
  end_sec: float
  logits: np.ndarray


@dataclasses.dataclass
class Timeline:
  """The windows of a video, in time order.

  Attributes:
    windows: the windows' logits.
    num_frames: frames classified (at 25 fps).
    start_sec: time of the first frame.
    error: why decoding stopped part-way, or None when the whole video was
      read.
  """
  windows: List[WindowLogits]
  num_frames: int
  start_sec: float
  error: Optional[decoding.DecodingError] = None

  @property
  def partial(self) -> bool:
    return self.error is not None

  @property
  def logits(self) -> np.ndarray:
    """The video's logits: the windows' logits averaged."""
    return np.mean([w.logits for w in self.windows], axis=0)


def frames_in(seconds: float, fps: float = decoding.FPS) -> int:
  """The number of frames in `seconds` of video (rounded)."""
  return int(round(seconds * fps))


def classify(predictor: inference.Predictor,
             chunks: Iterable[preprocessing.Chunk],
             window: int,
             stride: int) -> Timeline:
  """Classifies a stream of frames window by window.

  Args:
    predictor: runs the streams.
    chunks: the video's frames (`preprocessing.stream_video`).
    window: frames per window.
    stride: frames between window starts.

  Returns:
    The timeline; partial (with its error) when the chunks stopped on a
    `decoding.DecodingError` after at least one window's frames.

  Raises:
    DecodingError: decoding failed before any frame could be classified.
    ValueError: window or stride not positive.
  """
  seen = _Seen(chunks)
  clips = windows_lib.sliding_windows(seen, predictor.streams, window,
                                      stride, cover_end=True)
  results = [
      WindowLogits(clip.start_sec, clip.end_sec, outputs['logits'])
      for clip, outputs in inference.predict_windows(predictor, clips)
  ]
  if not results:  # stream_video raises on too few frames, except this.
    raise seen.error
  return Timeline(results, seen.num_frames, seen.start_sec, seen.error)


class _Seen:
  """Passes chunks on, counting frames and keeping a decoding failure."""

  def __init__(self, chunks: Iterable[preprocessing.Chunk]):
    self._chunks = chunks
    self.num_frames = 0
    self.start_sec = 0.0
    self.error = None

  def __iter__(self) -> Iterator[preprocessing.Chunk]:
    try:
      for chunk in self._chunks:
        if not self.num_frames:
          self.start_sec = float(chunk.times[0])
        self.num_frames += len(chunk.times)
        yield chunk
    except decoding.DecodingError as error:
      self.error = error


def format_time(seconds: float) -> str:
  """`mm:ss.s` (minutes grow past 99 for long videos)."""
  tenths = int(round(seconds * 10))
  minutes, tenths = divmod(tenths, 600)
  return f'{minutes:02d}:{tenths // 10:02d}.{tenths % 10}'


def format_timeline(timeline: Timeline, class_names: Sequence[str]) -> str:
  """One line per window: `mm:ss.s-mm:ss.s  probability  class`.

  Args:
    timeline: the windows.
    class_names: names in the order of the logits.

  Returns:
    The lines, each ending with a newline; a last line says where a partial
    timeline stops.
  """
  lines = []
  for w in timeline.windows:
    top = report.top_classes(w.logits, class_names, 1)[0]
    lines.append(f'{format_time(w.start_sec)}-{format_time(w.end_sec)}  '
                 f'{top["probability"]:.4f}  {top["class"]}')
  if timeline.partial:
    lines.append(f'partial: decoding failed at '
                 f'{format_time(timeline.error.time_sec)}')
  return ''.join(line + '\n' for line in lines)


def window_entries(timeline: Timeline, class_names: Sequence[str],
                   top_k: int) -> List[dict]:
  """The windows as JSON-ready dicts with their top classes."""
  return [{
      'start_sec': w.start_sec,
      'end_sec': w.end_sec,
      'top_classes': json_classes(w.logits, class_names, top_k)
  } for w in timeline.windows]


def json_classes(logits: np.ndarray, class_names: Sequence[str],
                 top_k: int) -> List[dict]:
  """`report.top_classes` with plain floats, for JSON."""
  return [{
      'class': entry['class'],
      'probability': float(entry['probability']),
      'logit': float(entry['logit'])
  } for entry in report.top_classes(logits, class_names, top_k)]
