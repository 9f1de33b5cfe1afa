"""Any video to the RGB and Flow inputs of the released I3D models.

The pipeline the original release describes, with DeepMind's MediaPipe Kinetics
graphs (`mediapipe/graphs/media_sequence`) deciding what it leaves open:

1. Decode with FFmpeg (PyAV) and resample to 25 frames per second by
   timestamp (`decoding`).
2. Resize each frame, bilinearly, so that its smaller side is 256 pixels,
   keeping the aspect ratio (sides rounded to the nearest pixel). The resize
   runs on float32 pixels, so the only round-off is the resize's own.
3. RGB: rescale pixel values from [0, 255] to [-1, 1].
4. Flow: convert the resized frames to 8-bit grayscale (OpenCV's
   RGB-to-gray weights), compute OpenCV's TV-L1 optical flow (default
   parameters) from each frame to the next, truncate to [-20, 20] pixels and
   divide by 20. Flow frame t is the motion from decoded frame t to frame
   t + 1; MediaPipe stamps it with the later frame, so it is aligned with RGB
   frame t + 1 and the first decoded frame is used only as the start of the
   first flow. When both streams are made, both have N - 1 frames for N
   decoded frames; RGB alone keeps all N.
5. Crop 224x224 at the same place in both streams: the centre for
   evaluation, a random place (`random_crop_offsets`) for training.

Outputs are float32 [1, T, 224, 224, 3] (RGB, in RGB channel order) and
[1, T, 224, 224, 2] (flow: x then y displacement).

`stream_video` runs the pipeline over a video chunk by chunk, so memory is
bounded by the chunk whatever the video's length; the flow of the pair of
frames spanning two chunks is computed once. `preprocess_video` joins the
chunks of a clip into whole arrays. Every consumer (classification, feature
extraction, `.npy` outputs) goes through `stream_video`.
"""

import contextlib
import dataclasses
from typing import Iterator, Optional, Tuple

import cv2
import numpy as np

from kinetics_i3d import arrays
from kinetics_i3d import errors
from kinetics_i3d.video import decoding
from kinetics_i3d.video import display
from kinetics_i3d.video import optical_flow

RESIZE_SMALLER_SIDE = 256
CROP_SIZE = 224
FLOW_BOUND = 20.0
MIN_FRAMES = 9  # i3d.min_input_size()[0]; checked against it in the tests.
# Decoded frames per chunk when streaming (2 s at 25 fps).
CHUNK_FRAMES = 50


@dataclasses.dataclass
class Clip:
  """The network inputs made from one video.

  Attributes:
    rgb: float32 [1, T, 224, 224, 3] in [-1, 1], or None.
    flow: float32 [1, T, 224, 224, 2] in [-1, 1], or None.
    times: [T] time of each frame in seconds from the video's start.
  """
  rgb: Optional[np.ndarray]
  flow: Optional[np.ndarray]
  times: np.ndarray


def resized_shape(height: int, width: int,
                  smaller_side: int = RESIZE_SMALLER_SIDE) -> Tuple[int, int]:
  """(height, width) with the smaller side `smaller_side`, same aspect ratio."""
  scale = smaller_side / min(height, width)
  return (max(smaller_side, round(height * scale)),
          max(smaller_side, round(width * scale)))


def resize_frame(frame: np.ndarray,
                 smaller_side: int = RESIZE_SMALLER_SIDE) -> np.ndarray:
  """Bilinear resize of a uint8 RGB frame to float32 [0, 255] pixels."""
  height, width = resized_shape(frame.shape[0], frame.shape[1], smaller_side)
  return cv2.resize(frame.astype(np.float32), (width, height),
                    interpolation=cv2.INTER_LINEAR)


def rescale_rgb(frames: np.ndarray) -> np.ndarray:
  """[0, 255] pixels to [-1, 1]."""
  return frames * np.float32(2.0 / 255.0) - np.float32(1.0)


def to_gray(frame: np.ndarray) -> np.ndarray:
  """A float32 RGB frame in [0, 255] to uint8 grayscale."""
  rounded = np.clip(np.rint(frame), 0, 255).astype(np.uint8)
  return cv2.cvtColor(rounded, cv2.COLOR_RGB2GRAY)


def rescale_flow(flow: np.ndarray) -> np.ndarray:
  """Pixel displacements truncated to [-20, 20] and divided by 20."""
  return np.clip(flow, -FLOW_BOUND, FLOW_BOUND) / np.float32(FLOW_BOUND)


def center_crop_offsets(height: int, width: int,
                        size: int = CROP_SIZE) -> Tuple[int, int]:
  return (height - size) // 2, (width - size) // 2


def crop_views(clip: np.ndarray, stream: str, crops: str) -> np.ndarray:
  """[1, T, H, W, C] frames to the [views, T, h, w, C] the network sees
  with `crops` ('center', 'ten' or 'full', `features.CROPS`).

  Raises:
    ArrayError: `clip` is not network input of `stream`, channels last, of
      at least 224 pixels for the centre and ten crops
      (`arrays.network_clips`).
  """
  size = CROP_SIZE
  clip = np.asarray(arrays.network_clips(
      clip, stream, min_frames=1, min_size=1 if crops == 'full' else size))
  height, width = clip.shape[2:4]
  if crops == 'full':
    return clip
  if crops == 'center':
    if (height, width) == (size, size):
      return clip
    return crop(clip, center_crop_offsets(height, width))
  corners = [(0, 0), (0, width - size), (height - size, 0),
             (height - size, width - size),
             center_crop_offsets(height, width)]
  views = np.concatenate([crop(clip, o) for o in corners])
  mirrored = views[:, :, :, ::-1]
  if stream == 'flow':  # A mirrored motion moves the other way along x.
    mirrored = mirrored * np.array([-1, 1], mirrored.dtype)
  return np.concatenate([views, mirrored])


def random_crop_offsets(height: int, width: int, rng: np.random.Generator,
                        size: int = CROP_SIZE) -> Tuple[int, int]:
  """Uniformly random (top, left) of a `size` crop, for training."""
  return (int(rng.integers(0, height - size + 1)),
          int(rng.integers(0, width - size + 1)))


def crop(frames: np.ndarray, offsets: Tuple[int, int],
         size: int = CROP_SIZE) -> np.ndarray:
  """Crops [..., height, width, channels] at (top, left)."""
  top, left = offsets
  return frames[..., top:top + size, left:left + size, :]


def check_length(num_frames: int, with_flow: bool, source: str,
                 fps: float = decoding.FPS) -> None:
  """Raises InputError if a video gives too few frames for the network."""
  needed = MIN_FRAMES + (1 if with_flow else 0)
  if num_frames < needed:
    raise errors.InputError(
        f'{source} gives {num_frames} frames at {fps:g} fps; the network '
        f'needs at least {MIN_FRAMES} (so {needed} decoded frames, '
        f'{needed / fps:.2f} s{" with flow" if with_flow else ""})')


class _FrameTransform:
  """Keeps what the requested streams need of a resized frame.

  The RGB crop (float32 [-1, 1]) and, for flow, the whole resized frame in
  grayscale, so the decoded video is never held in memory. The decoder
  resizes (`resized_shape`, on float32 pixels, as `resize_frame`), in the
  same resize that makes non-square pixels square.
  """

  def __init__(self, rgb: bool, flow: bool,
               crop_offsets: Optional[Tuple[int, int]], cropped: bool = True):
    self._rgb = rgb
    self._flow = flow
    self.offsets = crop_offsets
    self.cropped = cropped

  def __call__(self, resized: np.ndarray):
    if self.offsets is None:
      self.offsets = center_crop_offsets(*resized.shape[:2])
    kept = crop(resized, self.offsets) if self.cropped else resized
    rgb = rescale_rgb(kept) if self._rgb else None
    gray = to_gray(resized) if self._flow else None
    return rgb, gray


@dataclasses.dataclass
class Chunk:
  """Consecutive frames of the network inputs, from a stream of them.

  Attributes:
    rgb: float32 [n, 224, 224, 3] in [-1, 1] (the whole resized frames
      when not cropped), or None.
    flow: float32 [n, 224, 224, 2] in [-1, 1] (likewise), or None.
    times: [n] time of each frame in seconds from the video's start.
    fps: the frame rate (the video's own when decoded at its native rate).
  """
  rgb: Optional[np.ndarray]
  flow: Optional[np.ndarray]
  times: np.ndarray
  fps: float = decoding.FPS


def stream_video(path: str,
                 rgb: bool = True,
                 flow: bool = True,
                 start_sec: Optional[float] = None,
                 end_sec: Optional[float] = None,
                 crop_offsets: Optional[Tuple[int, int]] = None,
                 flow_engine: Optional[optical_flow.FlowEngine] = None,
                 chunk_frames: int = CHUNK_FRAMES,
                 cropped: bool = True,
                 fps: Optional[float] = decoding.FPS,
                 color_matrix: str = display.DEFAULT_COLOR_MATRIX
                ) -> Iterator[Chunk]:
  """Decodes a video and yields its network inputs in chunks of frames.

  Memory is bounded by the chunk, whatever the video's length. The frames
  are the ones `preprocess_video` makes, in order, none lost or repeated: the
  flow of the pair of frames that spans two chunks is computed once, with the
  later chunk.

  Args:
    path: the video.
    rgb: make the RGB input.
    flow: make the Flow input.
    start_sec: where to start, seconds from the video's start.
    end_sec: where to stop.
    crop_offsets: (top, left) of the 224x224 crop in the resized frames;
      None for the centre.
    flow_engine: computes the optical flow; OpenCV on this process if None.
    chunk_frames: decoded frames per chunk (at least 2).
    cropped: crop 224x224; False keeps the whole resized frames (the
      chunks' arrays are then [n, height, width, C]).
    fps: the frame rate to resample to; None keeps the decoded frames at
      their own times (the video's native rate).
    color_matrix: the colour policy, one of `display.COLOR_MATRICES`.

  Yields:
    Chunks of consecutive frames (the last one may be shorter).

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it cannot be decoded, the times fall outside it, or it is too
      short for the network (before anything is yielded).
    DecodingError: decoding failed part-way, after the chunks before that
      point have been yielded.
    ValueError: neither stream is asked for, or chunk_frames < 2.
  """
  if not (rgb or flow):
    raise ValueError('ask for rgb, flow or both')
  if chunk_frames < 2:
    raise ValueError(f'chunk_frames must be at least 2, got {chunk_frames}')
  transform = _FrameTransform(rgb, flow, crop_offsets, cropped)
  reader = decoding.FrameReader(path, transform, fps, start_sec=start_sec,
                                end_sec=end_sec, color_matrix=color_matrix,
                                size=resized_shape)
  with contextlib.ExitStack() as stack:
    if flow and flow_engine is None:
      flow_engine = stack.enter_context(optical_flow.TVL1())
    # The first chunk waits until the video is known to be long enough.
    first_size = max(chunk_frames, MIN_FRAMES + (1 if flow else 0))
    pending, previous_gray, count = [], None, 0

    def make_chunk(frames) -> Chunk:
      nonlocal previous_gray
      chunk = Chunk(None, None, np.array([time for time, _ in frames]),
                    reader.fps)
      if flow:
        grays = [gray for _, (_, gray) in frames]
        if previous_gray is None:  # The first frame only starts the flow.
          previous_gray, grays, frames = grays[0], grays[1:], frames[1:]
          chunk.times = chunk.times[1:]
        window = (*transform.offsets, CROP_SIZE) if cropped else None
        fields = flow_engine([previous_gray] + grays, window)
        chunk.flow = rescale_flow(fields)
        previous_gray = grays[-1]
      if rgb:
        chunk.rgb = np.stack([frame for _, (frame, _) in frames])
      return chunk

    try:
      for item in reader:
        pending.append(item)
        count += 1
        if len(pending) >= (first_size if count == len(pending) else
                            chunk_frames):
          yield make_chunk(pending)
          pending = []
    except decoding.DecodingError:
      if pending and count >= first_size:
        yield make_chunk(pending)  # The good frames before the failure.
      raise
    check_length(count, flow, path, reader.fps)
    if pending:
      yield make_chunk(pending)


def preprocess_video(path: str,
                     rgb: bool = True,
                     flow: bool = True,
                     start_sec: Optional[float] = None,
                     end_sec: Optional[float] = None,
                     crop_offsets: Optional[Tuple[int, int]] = None,
                     flow_workers: int = 1,
                     flow_backend: str = 'opencv',
                     color_matrix: str = display.DEFAULT_COLOR_MATRIX
                    ) -> Clip:
  """Decodes a video and makes the RGB and/or Flow network inputs.

  The whole clip is held in memory; `stream_video` makes the same frames
  chunk by chunk.

  Args:
    path: the video.
    rgb: make the RGB input.
    flow: make the Flow input.
    start_sec: where to start, seconds from the video's start.
    end_sec: where to stop.
    crop_offsets: (top, left) of the 224x224 crop in the resized frames;
      None for the centre.
    flow_workers: processes computing optical flow (OpenCV).
    flow_backend: one of `optical_flow.BACKENDS`.
    color_matrix: the colour policy, one of `display.COLOR_MATRICES`.

  Returns:
    The clip.

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it cannot be decoded, the times fall outside it, or it is too
      short for the network.
    ValueError: neither stream is asked for.
  """
  with optical_flow.flow_engine(flow_backend,
                                flow_workers if flow else 1) as engine:
    chunks = list(stream_video(path, rgb, flow, start_sec, end_sec,
                               crop_offsets, engine,
                               color_matrix=color_matrix))

  def joined(stream: str) -> Optional[np.ndarray]:
    parts = [getattr(c, stream) for c in chunks]
    return None if parts[0] is None else np.concatenate(parts)[None]

  return Clip(joined('rgb'), joined('flow'),
              np.concatenate([c.times for c in chunks]))
