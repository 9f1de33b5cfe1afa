"""A progress bar in seconds of video for jobs that stream a video."""

from typing import Iterable, Iterator, Optional

import tqdm

from kinetics_i3d.video import decoding
from kinetics_i3d.video import preprocessing


def in_video_seconds(chunks: Iterable[preprocessing.Chunk],
                     path: str,
                     start_sec: Optional[float] = None,
                     end_sec: Optional[float] = None,
                     fps: float = decoding.FPS
                    ) -> Iterator[preprocessing.Chunk]:
  """Passes chunks on while a tqdm bar (on stderr) counts the video's seconds.

  The bar advances as each chunk has been consumed, so it counts decoding,
  flow and whatever the consumer does with the chunk (the network). It shows
  only on a terminal, and is cleared when done.

  Args:
    chunks: from `preprocessing.stream_video`.
    path: the video, for its declared duration (the bar's total).
    start_sec: where the stream starts.
    end_sec: where it stops.
    fps: the frame rate of the chunks.

  Yields:
    The chunks.
  """
  start = start_sec or 0.0
  end = decoding.declared_duration(path)
  if end_sec is not None:
    end = end_sec if end is None else min(end, end_sec)
  total = None if end is None else max(0.0, round(end - start, 1))
  done = 0.0
  with tqdm.tqdm(total=total, unit='s', desc='video', disable=None,
                 leave=False) as bar:
    for chunk in chunks:
      yield chunk
      reached = round(float(chunk.times[-1]) + 1.0 / fps - start, 1)
      bar.update(max(0.0, reached - done))
      done = max(done, reached)
