"""TV-L1 optical flow between consecutive frames, with OpenCV.

OpenCV's Dual TV-L1 (`cv2.optflow.DualTVL1OpticalFlow`, from
opencv-contrib) with its default parameters. It costs about a second per
frame pair at 256x341 on one core, so `TVL1` can split the pairs of each call
over a pool of processes that lives as long as it does (a long video is
streamed through it chunk by chunk).
"""

import concurrent.futures
import multiprocessing
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

# (top, left, size) of a square window to keep from each flow field.
Window = Tuple[int, int, int]


def _flow_run(frames: Sequence[np.ndarray], window: Optional[Window],
              threads: Optional[int]) -> np.ndarray:
  """Flow from each frame to the next: [len(frames) - 1, h, w, 2] float32."""
  if threads is not None:
    cv2.setNumThreads(threads)
  tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()
  fields = []
  for first, second in zip(frames[:-1], frames[1:]):
    field = tvl1.calc(first, second, None)
    if window is not None:
      top, left, size = window
      field = field[top:top + size, left:left + size]
    fields.append(np.ascontiguousarray(field))
  return np.stack(fields)


class TVL1:
  """OpenCV's TV-L1 flow, on this process or on a pool of worker processes.

  Use it as a context manager (or call `close`) so the pool ends with it.
  """

  def __init__(self, workers: int = 1):
    """Starts the workers.

    Args:
      workers: processes to split each call's frame pairs over (contiguous
        runs, one OpenCV thread each); 1 computes them in this process with
        OpenCV's own threads.
    """
    self.workers = max(1, workers)
    self._pool = None
    if self.workers > 1:
      self._pool = concurrent.futures.ProcessPoolExecutor(
          self.workers, mp_context=multiprocessing.get_context('spawn'))

  def __call__(self, frames: Sequence[np.ndarray],
               window: Optional[Window] = None) -> np.ndarray:
    """TV-L1 flow from each frame to the next.

    Args:
      frames: N uint8 grayscale frames of one size.
      window: (top, left, size) of the square to keep of each field, or None.

    Returns:
      float32 [N - 1, height, width, 2] displacements in pixels (x, then y).
    """
    pairs = len(frames) - 1
    if pairs < 1:
      raise ValueError(
          f'optical flow needs two frames or more, got {len(frames)}')
    workers = min(self.workers, pairs)
    if workers == 1 or self._pool is None:
      return _flow_run(frames, window, threads=None)
    bounds = np.linspace(0, pairs, workers + 1).round().astype(int)
    runs = [frames[a:b + 1] for a, b in zip(bounds[:-1], bounds[1:])]
    parts = self._pool.map(_flow_run, runs, [window] * len(runs),
                           [1] * len(runs))
    return np.concatenate(list(parts))

  def close(self) -> None:
    if self._pool is not None:
      self._pool.shutdown()
      self._pool = None

  def __enter__(self) -> 'TVL1':
    return self

  def __exit__(self, *exc_info) -> None:
    self.close()


def tvl1_flow(frames: Sequence[np.ndarray],
              workers: int = 1,
              window: Optional[Window] = None) -> np.ndarray:
  """TV-L1 flow from each frame to the next, in one call (see `TVL1`)."""
  with TVL1(workers) as tvl1:
    return tvl1(frames, window)
