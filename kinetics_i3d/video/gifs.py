"""The gif visualisations of network inputs that the original release shows.

An RGB input x in [-1, 1] is shown as (x + 1) / 2; a flow input f in [-1, 1]
as f + 0.5 with a third channel of zeros (values outside [0, 1] clip).
Reading a gif back inverts that, up to the gif's 256-colour quantisation.
"""

import os

import av
import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.video import decoding
from kinetics_i3d.video import display


def read_gif_frames(path: str) -> np.ndarray:
  """Decodes every frame of a gif as uint8 RGB, [frames, height, width, 3].

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it cannot be decoded or has no frames.
  """
  if not os.path.isfile(path):
    raise errors.MissingFileError(f'no gif at {path}')
  with decoding.open_video(path) as container:
    pictures = display.Pictures(container, path)
    try:
      frames = [pictures(f) for f in container.decode(pictures.stream)]
    except (av.error.FFmpegError, ValueError) as error:
      raise errors.InputError(f'cannot decode {path}: {error}') from None
  if not frames:
    raise errors.InputError(f'{path} has no frames')
  return np.stack(frames)


def rgb_sample_from_gif(path: str) -> np.ndarray:
  """An RGB input [1, frames, H, W, 3] in [-1, 1] from its visualisation."""
  return (read_gif_frames(path)[None].astype(np.float32) / 255.0) * 2.0 - 1.0


def flow_sample_from_gif(path: str) -> np.ndarray:
  """A flow input [1, frames, H, W, 2] from its visualisation.

  Only values in [-0.5, 0.5] survive the visualisation's clipping.
  """
  frames = read_gif_frames(path)[None, ..., :2].astype(np.float32)
  return frames / 255.0 - 0.5


def write_gif(path: str, frames: np.ndarray, fps: float = 25.0) -> None:
  """Writes uint8 RGB frames [frames, height, width, 3] as a looping gif."""
  with av.open(path, 'w', format='gif') as container:
    stream = container.add_stream('gif', rate=int(round(fps)))
    stream.width, stream.height = frames.shape[2], frames.shape[1]
    stream.pix_fmt = 'rgb8'
    for frame in frames:
      video_frame = av.VideoFrame.from_ndarray(
          np.ascontiguousarray(frame), format='rgb24')
      for packet in stream.encode(video_frame):
        container.mux(packet)
    for packet in stream.encode():
      container.mux(packet)


def _to_uint8(values: np.ndarray) -> np.ndarray:
  return np.clip(np.rint(values * 255.0), 0, 255).astype(np.uint8)


def rgb_visualisation(rgb: np.ndarray) -> np.ndarray:
  """uint8 frames of an RGB input [1, T, H, W, 3]: (x + 1) / 2."""
  return _to_uint8((rgb[0] + 1.0) / 2.0)


def flow_visualisation(flow: np.ndarray) -> np.ndarray:
  """uint8 frames of a flow input [1, T, H, W, 2]: f + 0.5, blue zero."""
  zeros = np.zeros(flow.shape[1:-1] + (1,), flow.dtype)
  return _to_uint8(np.concatenate([flow[0] + 0.5, zeros], axis=-1))
