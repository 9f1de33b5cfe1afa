"""Videos with known content, written with a real encoder, for tests.

`moving_texture` makes frames of a smooth random texture that moves by a
fixed number of pixels per frame; `write_video` encodes frames with PyAV
(lossless FFV1 in Matroska by default, so decoded pixels equal the written
ones), at a fixed rate or at given timestamps.
"""

import fractions
from typing import Optional, Sequence

import av
import cv2
import numpy as np


def moving_texture(num_frames: int, height: int, width: int, dx: float = 0.0,
                   dy: float = 0.0, seed: int = 0) -> np.ndarray:
  """uint8 RGB frames of a texture moving (dx, dy) pixels per frame.

  The texture is blurred noise with features of about 8 pixels, large enough
  for optical flow to track and free of edges at the frame borders (it is
  cut from a larger canvas).

  Returns:
    [num_frames, height, width, 3] uint8.
  """
  rng = np.random.default_rng(seed)
  margin = int(np.ceil(max(abs(dx), abs(dy)) * num_frames)) + 8
  canvas = rng.uniform(0, 255, (height + 2 * margin, width + 2 * margin, 3))
  canvas = cv2.GaussianBlur(canvas.astype(np.float32), (0, 0), 3.0)
  canvas = cv2.normalize(canvas, None, 0, 255, cv2.NORM_MINMAX)
  frames = []
  for t in range(num_frames):
    shift = np.float32([[1, 0, dx * t], [0, 1, dy * t]])
    moved = cv2.warpAffine(canvas, shift, (canvas.shape[1], canvas.shape[0]),
                           flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REFLECT)
    frames.append(moved[margin:margin + height, margin:margin + width])
  return np.clip(np.rint(frames), 0, 255).astype(np.uint8)


def moving_then_still(num_moving: int, num_still: int, height: int,
                      width: int, **motion: float) -> np.ndarray:
  """`moving_texture` for `num_moving` frames, then its last frame held for
  `num_still` more.

  TV-L1 stops at once on a still pair: a test that needs a clip long enough
  for the network, but checks the motion of a few pairs, stays short.

  Returns:
    [num_moving + num_still, height, width, 3] uint8.
  """
  frames = moving_texture(num_moving, height, width, **motion)
  return np.concatenate([frames, np.repeat(frames[-1:], num_still, axis=0)])


def write_video(path: str, frames: np.ndarray, fps: float = 25.0,
                times: Optional[Sequence[float]] = None,
                codec: str = 'ffv1', gop_size: Optional[int] = None) -> None:
  """Encodes uint8 RGB frames [T, H, W, 3] into a video file.

  Args:
    path: output file; its extension picks the container (.mkv for FFV1,
      .mp4 for h264/mpeg4).
    frames: the frames.
    fps: frame rate when `times` is None.
    times: presentation time of each frame in seconds, for variable frame
      rates (a time base of 1/1000 s).
    codec: FFmpeg encoder name.
    gop_size: frames from one keyframe to the next (the encoder's default
      when None).
  """
  with av.open(path, 'w') as container:
    rate = fractions.Fraction(fps).limit_denominator(1001)
    stream = container.add_stream(codec, rate=rate)
    stream.width, stream.height = frames.shape[2], frames.shape[1]
    stream.pix_fmt = 'bgr0' if codec == 'ffv1' else 'yuv420p'
    if gop_size:
      stream.codec_context.gop_size = gop_size
    if times is not None:
      stream.codec_context.time_base = fractions.Fraction(1, 1000)
      stream.time_base = fractions.Fraction(1, 1000)
    container.start_encoding()  # Writes the header even without frames.
    for index, image in enumerate(frames):
      frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image),
                                         format='rgb24')
      if times is not None:
        frame.pts = int(round(times[index] * 1000))
        frame.time_base = stream.time_base
      for packet in stream.encode(frame):
        container.mux(packet)
    for packet in stream.encode():
      container.mux(packet)
