"""Loading sample clips: the `.npy` inputs of `evaluate_sample.py`."""

import numpy as np

from kinetics_i3d import arrays
from kinetics_i3d import errors

IMAGE_SIZE = 224
_CHECK_FRAMES = 250


def load_sample(path: str, num_channels: int, mmap: bool = False,
                layout: str = 'NTHWC') -> np.ndarray:
  """Loads a clip saved as a [1, frames, 224, 224, channels] `.npy` array.

  Args:
    path: the `.npy` file.
    num_channels: channels the stream takes (3 for RGB, 2 for flow).
    mmap: map a float32 file into memory rather than read it, so a clip of
      any length can be streamed through windows (other dtypes are read and
      converted).
    layout: the layout of the file's array (`arrays.LAYOUTS`).

  Returns:
    The clip as float32, channels last.

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it is not a readable `.npy` array of that shape with finite
      values, or it has too few frames for the network.
    ArrayError: it is not float, not in `layout`, or its values lie outside
      [-1, 1] (`arrays.network_clips`).
  """
  try:
    sample = np.load(path, allow_pickle=False, mmap_mode='r' if mmap else None)
  except FileNotFoundError:
    raise errors.MissingFileError(
        f'no sample at {path}: `i3d-fetch --source=original` downloads the '
        'cricket samples (needs internet), and `i3d-preprocess` makes samples '
        'from any video') from None
  except (ValueError, OSError, EOFError) as error:  # EOFError: empty.
    raise errors.InputError(
        f'{path} is not a readable .npy array ({error})') from None
  stream = 'rgb' if num_channels == 3 else 'flow'
  name = f'sample {path}'
  sample = arrays.clip_layout(sample, stream, layout=layout, name=name)
  expected = f'[1, frames, {IMAGE_SIZE}, {IMAGE_SIZE}, {num_channels}]'
  if sample.shape[0] != 1 or sample.shape[2:4] != (IMAGE_SIZE, IMAGE_SIZE):
    raise errors.InputError(f'{name} has shape {list(sample.shape)}; this '
                            f'stream takes {expected}')
  # The least and greatest value, a block of frames at a time, so a mapped
  # file is never all in memory (they are finite when all values are).
  blocks = [sample[:, first:first + _CHECK_FRAMES]
            for first in range(0, sample.shape[1], _CHECK_FRAMES)]
  extremes = np.array([[b.min(), b.max()] for b in blocks], np.float64)
  if not np.all(np.isfinite(extremes)):
    raise errors.InputError(f'{name} holds NaN or infinite values')
  arrays.clip_values(np.array([extremes[:, 0].min(), extremes[:, 1].max()]),
                     stream, name)
  return sample.astype(np.float32, copy=False)
