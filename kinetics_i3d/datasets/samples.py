"""Loading sample clips: the `.npy` inputs of `evaluate_sample.py`."""

import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.models import i3d

IMAGE_SIZE = 224
_CHECK_FRAMES = 250


def load_sample(path: str, num_channels: int,
                mmap: bool = False) -> np.ndarray:
  """Loads a clip saved as a [1, frames, 224, 224, channels] `.npy` array.

  Args:
    path: the `.npy` file.
    num_channels: channels the stream takes (3 for RGB, 2 for flow).
    mmap: map a float32 file into memory rather than read it, so a clip of
      any length can be streamed through windows (other dtypes are read and
      converted).

  Returns:
    The clip as float32.

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it is not a readable `.npy` array of that shape with finite
      values, or it has too few frames for the network.
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
  expected = f'[1, frames, {IMAGE_SIZE}, {IMAGE_SIZE}, {num_channels}]'
  if (sample.ndim != 5 or sample.shape[0] != 1 or
      sample.shape[2:] != (IMAGE_SIZE, IMAGE_SIZE, num_channels)):
    raise errors.InputError(f'sample {path} has shape {list(sample.shape)}; '
                            f'this stream takes {expected}')
  min_frames = i3d.min_input_size()[0]
  if sample.shape[1] < min_frames:
    raise errors.InputError(f'sample {path} has {sample.shape[1]} frames; the '
                            f'network needs at least {min_frames}')
  if not np.issubdtype(sample.dtype, np.floating):
    raise errors.InputError(f'sample {path} holds {sample.dtype}, not floats '
                            'in [-1, 1]')
  if sample.dtype != np.float32:
    sample = sample.astype(np.float32)
  # A block of frames at a time, so a mapped file is never all in memory.
  for first in range(0, sample.shape[1], _CHECK_FRAMES):
    if not np.all(np.isfinite(sample[:, first:first + _CHECK_FRAMES])):
      raise errors.InputError(f'sample {path} holds NaN or infinite values')
  return sample
