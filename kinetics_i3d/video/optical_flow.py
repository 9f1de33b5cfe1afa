"""TV-L1 optical flow between consecutive frames, by one of two backends.

`opencv`: OpenCV's Dual TV-L1 (`cv2.optflow.DualTVL1OpticalFlow`, from
opencv-contrib) with its default parameters. It costs about a second per
frame pair at 256x341 on one core, so `TVL1` can split the pairs of each call
over a pool of processes that lives as long as it does (a long video is
streamed through it chunk by chunk).

`tensorflow`: the same algorithm as batched TensorFlow ops
(`tvl1_tensorflow`), on a GPU when TensorFlow sees one; `TensorFlowTVL1`
runs the pairs of each call in batches.

`flow_engine(backend)` makes either; `auto` is TensorFlow when a GPU is
visible and OpenCV otherwise (see `resolve_backend`).
"""

import concurrent.futures
import glob
import multiprocessing
import sys
from typing import Optional, Sequence, Tuple, Union

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


BACKENDS = ('auto', 'opencv', 'tensorflow')


# What a loaded GPU driver TensorFlow can use leaves on Linux: NVIDIA's
# (CUDA), AMD's (ROCm) and WSL's (DirectX) device files.
GPU_DRIVER_FILES = ('/proc/driver/nvidia/gpus/*', '/dev/nvidia[0-9]*',
                    '/dev/kfd', '/dev/dxg')


def _gpu_driver_loaded() -> bool:
  """Whether a GPU driver is loaded (always assumed off Linux)."""
  if not sys.platform.startswith('linux'):
    return True
  return any(glob.glob(pattern) for pattern in GPU_DRIVER_FILES)


def _gpu_visible() -> bool:
  """Whether TensorFlow sees a GPU. Without a GPU driver it cannot, and is
  not imported to ask (seconds, for a command that may not need it)."""
  if 'tensorflow' not in sys.modules and not _gpu_driver_loaded():
    return False
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return bool(tf.config.list_physical_devices('GPU'))


def resolve_backend(backend: str) -> str:
  """The backend `auto` stands for here: TensorFlow with a GPU, else OpenCV.

  On CPUs OpenCV is the default: `benchmarks/flow_benchmark.py` measures
  both (docs/preprocessing.md has the figures); on two cores the port ran at
  0.8x (hard pairs) to 1.2x (easy ones) OpenCV's speed, and its XLA compilation
  costs seconds per frame size.

  Args:
    backend: one of BACKENDS.

  Returns:
    'opencv' or 'tensorflow'.

  Raises:
    ValueError: an unknown backend.
  """
  if backend not in BACKENDS:
    raise ValueError(f'unknown flow backend {backend!r}: use one of '
                     f'{", ".join(BACKENDS)}')
  if backend == 'auto':
    return 'tensorflow' if _gpu_visible() else 'opencv'
  return backend


class TensorFlowTVL1:
  """The TensorFlow TV-L1 port, with the call interface of `TVL1`."""

  def __init__(self, batch_size: int = 16,
               jit_compile: Optional[bool] = None):
    """Keeps the settings.

    Args:
      batch_size: frame pairs per TensorFlow call. With XLA, shorter
        batches are padded to a power of two, so a few sizes are compiled
        (once per process and frame size).
      jit_compile: compile with XLA; None for yes (it fuses each
        iteration's element-wise steps).
    """
    if batch_size < 1:
      raise ValueError(f'batch_size must be positive, got {batch_size}')
    self.batch_size = batch_size
    self.jit_compile = True if jit_compile is None else jit_compile

  def __call__(self, frames: Sequence[np.ndarray],
               window: Optional[Window] = None) -> np.ndarray:
    """TV-L1 flow from each frame to the next (see `TVL1.__call__`)."""
    # TensorFlow loads only where this backend runs, not in OpenCV workers.
    # pylint: disable-next=g-import-not-at-top
    from kinetics_i3d.video import tvl1_tensorflow
    if len(frames) < 2:
      raise ValueError(
          f'optical flow needs two frames or more, got {len(frames)}')
    frames = np.stack(frames)
    fields = []
    for start in range(0, len(frames) - 1, self.batch_size):
      stop = min(start + self.batch_size, len(frames) - 1)
      firsts, seconds = frames[start:stop], frames[start + 1:stop + 1]
      # XLA compiles once per batch size: round a short batch up to a power
      # of two with copies of its last pair (each pair stops on its own, so
      # the copies change nothing).
      padded = min(self.batch_size, 1 << (len(firsts) - 1).bit_length())
      if self.jit_compile and padded > len(firsts):
        extra = padded - len(firsts)
        firsts = np.concatenate([firsts, np.repeat(firsts[-1:], extra, 0)])
        seconds = np.concatenate([seconds, np.repeat(seconds[-1:], extra, 0)])
      field = tvl1_tensorflow.tvl1_flow(
          firsts, seconds, jit_compile=self.jit_compile).numpy()[:stop - start]
      if window is not None:
        top, left, size = window
        field = field[:, top:top + size, left:left + size]
      fields.append(field)
    return np.ascontiguousarray(np.concatenate(fields))

  def close(self) -> None:
    pass

  def __enter__(self) -> 'TensorFlowTVL1':
    return self

  def __exit__(self, *exc_info) -> None:
    self.close()


FlowEngine = Union[TVL1, TensorFlowTVL1]


def flow_engine(backend: str = 'opencv', workers: int = 1) -> FlowEngine:
  """A flow engine of the given backend (see `resolve_backend`).

  Args:
    backend: one of BACKENDS.
    workers: OpenCV processes; TensorFlow uses every core (or the GPU).

  Returns:
    A `TVL1` or `TensorFlowTVL1`, to use as a context manager.
  """
  if resolve_backend(backend) == 'tensorflow':
    return TensorFlowTVL1()
  return TVL1(workers)
