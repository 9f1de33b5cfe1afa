"""I3D features: Mixed_5c averaged over space and over time in sliding windows.

For each window of `window` frames, starting every `stride` frames while a
whole window fits (a clip shorter than one window is one window), each
stream's 1024-d Mixed_5c output is averaged over space and time; with both
streams the RGB and Flow vectors are concatenated (2048-d, RGB first).
Videos are streamed through the windows (`video.windows`), so their length
does not bound memory.
"""

import dataclasses
from typing import Iterable, Mapping, Optional, Sequence

import numpy as np

from kinetics_i3d.downloads import cache
from kinetics_i3d.models import inference
from kinetics_i3d.models import streams as streams_lib
from kinetics_i3d.video import decoding
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import preprocessing
from kinetics_i3d.video import progress as progress_lib
from kinetics_i3d.video import windows

FEATURE_SIZE = 1024


@dataclasses.dataclass
class Features:
  """Window features of one clip.

  Attributes:
    features: float32 [num_windows, 1024 * len(streams)].
    start_sec: [num_windows] start time of each window, seconds from the
      video's start.
    streams: the streams, in the order of the concatenation.
    window: frames per window.
    stride: frames between window starts.
  """
  features: np.ndarray
  start_sec: np.ndarray
  streams: Sequence[str]
  window: int
  stride: int

  def save(self, path: str) -> None:
    """Writes an `.npz` with features, start_sec, streams, window, stride."""
    np.savez(path, features=self.features, start_sec=self.start_sec,
             streams=np.array(self.streams), window=self.window,
             stride=self.stride)


def extract(predictor: inference.Predictor,
            inputs: Mapping[str, np.ndarray],
            window: int = 64,
            stride: int = 64,
            start_sec: float = 0.0,
            fps: float = decoding.FPS,
            batch_size: int = 4) -> Features:
  """Window features of a clip held in memory.

  Args:
    predictor: runs the streams (its streams are the ones used).
    inputs: [1, T, H, W, C] clips by stream, of equal T.
    window: frames per window.
    stride: frames between window starts.
    start_sec: the time of the clip's first frame.
    fps: the clip's frame rate.
    batch_size: windows run together.

  Returns:
    The features.

  Raises:
    ValueError: the streams differ in length, or window or stride is not
      positive.
  """
  lengths = {inputs[s].shape[1] for s in predictor.streams}
  if len(lengths) != 1:
    raise ValueError(f'the streams have different lengths: {sorted(lengths)}')
  clip = {s: inputs[s][0] for s in predictor.streams}
  chunk = preprocessing.Chunk(
      clip.get('rgb'), clip.get('flow'),
      start_sec + np.arange(lengths.pop(), dtype=np.float64) / fps)
  return chunk_features(predictor, [chunk], window, stride, fps, batch_size)


def chunk_features(predictor: inference.Predictor,
                   chunks: Iterable[preprocessing.Chunk],
                   window: int,
                   stride: int,
                   fps: float = decoding.FPS,
                   batch_size: int = 1) -> Features:
  """Window features of a stream of chunks (`preprocessing.stream_video`).

  Args:
    predictor: runs the streams (its streams are the ones used).
    chunks: consecutive frames.
    window: frames per window.
    stride: frames between window starts.
    fps: the frame rate.
    batch_size: windows run together.

  Returns:
    The features of the regular windows.
  """
  rows, starts = [], []
  clips = windows.sliding_windows(chunks, predictor.streams, window, stride,
                                  fps=fps)
  for clip, outputs in inference.predict_windows(predictor, clips,
                                                 batch_size):
    rows.append(outputs['features'])
    starts.append(clip.start_sec)
  return Features(np.stack(rows).astype(np.float32),
                  np.array(starts, np.float64), tuple(predictor.streams),
                  window, stride)


def checkpoint_path(stream: str,
                    checkpoint_dir: Optional[str] = None,
                    imagenet_pretrained: bool = True) -> str:
  """The prefix of a stream's released checkpoint.

  Args:
    stream: 'rgb' or 'flow'.
    checkpoint_dir: a folder of the released checkpoint folders; the user
      cache (filled on first use) when None.
    imagenet_pretrained: the *_imagenet checkpoint, else *_scratch.

  Raises:
    InputError: not cached and it cannot be fetched (`checkpoint_dir` None).
  """
  if checkpoint_dir:
    return streams_lib.checkpoint_path(checkpoint_dir, stream,
                                       imagenet_pretrained)
  return cache.checkpoint(
      streams_lib.checkpoint_name(stream, imagenet_pretrained))


def load_predictor(streams: Sequence[str],
                   checkpoint_dir: Optional[str] = None,
                   imagenet_pretrained: bool = True,
                   precision: str = 'float32') -> inference.Predictor:
  """A predictor for `streams` from the released checkpoints.

  Args:
    streams: 'rgb', 'flow' or both.
    checkpoint_dir: a folder of the released checkpoint folders; the user
      cache (filled on first use) when None.
    imagenet_pretrained: the *_imagenet checkpoints, else *_scratch.
    precision: 'float32' or 'bfloat16' (where the device has it).

  Raises:
    MissingFileError, CheckpointError: a checkpoint is missing or wrong.
  """
  models = {
      stream: streams_lib.load_model(
          stream, checkpoint_path(stream, checkpoint_dir, imagenet_pretrained))
      for stream in streams
  }
  return inference.Predictor(models, precision)


def video_features(path: str,
                   streams: Sequence[str] = ('rgb',),
                   window: int = 64,
                   stride: int = 64,
                   start_sec: Optional[float] = None,
                   end_sec: Optional[float] = None,
                   predictor: Optional[inference.Predictor] = None,
                   checkpoint_dir: Optional[str] = None,
                   precision: str = 'float32',
                   flow_workers: int = 1,
                   flow_backend: str = 'opencv',
                   progress: bool = False) -> Features:
  """Features of a video in one call, for research code.

  The video is streamed: memory is bounded by the window, whatever its
  length.

  Args:
    path: the video.
    streams: 'rgb', 'flow' or both (concatenated in that order).
    window: frames per window (at 25 fps).
    stride: frames between window starts.
    start_sec: where to start in the video.
    end_sec: where to stop.
    predictor: reuse one across calls; built from `checkpoint_dir` if None.
    checkpoint_dir: the released checkpoints (the user cache when None).
    precision: 'float32' or 'bfloat16'.
    flow_workers: processes computing optical flow (OpenCV).
    flow_backend: one of `optical_flow.BACKENDS`.
    progress: show a progress bar in seconds of video.

  Returns:
    The features.

  Raises:
    InputError: the video or a checkpoint cannot be used (a
      `decoding.DecodingError` when it stops decoding part-way).
  """
  predictor = predictor or load_predictor(streams, checkpoint_dir,
                                          precision=precision)
  with optical_flow.flow_engine(
      flow_backend, flow_workers if 'flow' in streams else 1) as engine:
    chunks = preprocessing.stream_video(
        path, rgb='rgb' in streams, flow='flow' in streams,
        start_sec=start_sec, end_sec=end_sec, flow_engine=engine)
    if progress:
      chunks = progress_lib.in_video_seconds(chunks, path, start_sec, end_sec)
    return chunk_features(predictor, chunks, window, stride)
