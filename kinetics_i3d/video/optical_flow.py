"""TV-L1 optical flow between consecutive frames, with OpenCV.

OpenCV's Dual TV-L1 (`cv2.optflow.DualTVL1OpticalFlow`, from
opencv-contrib) with its default parameters. It costs about a second per
frame pair at 256x341 on one core, so the pairs can be split over processes.
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


def tvl1_flow(frames: Sequence[np.ndarray],
              workers: int = 1,
              window: Optional[Window] = None) -> np.ndarray:
  """TV-L1 flow from each frame to the next.

  Args:
    frames: N uint8 grayscale frames of one size.
    workers: processes to split the N - 1 pairs over (contiguous runs, one
      OpenCV thread each); 1 computes them here with OpenCV's own threads.
    window: (top, left, size) of the square to keep of each field, or None.

  Returns:
    float32 [N - 1, height, width, 2] displacements in pixels (x, then y).
  """
  pairs = len(frames) - 1
  if pairs < 1:
    raise ValueError(
        f'optical flow needs two frames or more, got {len(frames)}')
  workers = max(1, min(workers, pairs))
  if workers == 1:
    return _flow_run(frames, window, threads=None)
  bounds = np.linspace(0, pairs, workers + 1).round().astype(int)
  runs = [frames[a:b + 1] for a, b in zip(bounds[:-1], bounds[1:])]
  context = multiprocessing.get_context('spawn')
  with concurrent.futures.ProcessPoolExecutor(workers,
                                              mp_context=context) as pool:
    parts = pool.map(_flow_run, runs, [window] * len(runs), [1] * len(runs))
    return np.concatenate(list(parts))
