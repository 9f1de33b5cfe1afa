"""Writing an `.npy` array frame by frame, when its length is known at the end.

`NpyWriter` appends [n, ...] blocks along the time axis of a
[1, T, ...] float32 array in a temporary file beside the output, then writes
the final shape into the header (reserved at a fixed size) and renames the
file into place. Memory is bounded by a block, whatever T; an interrupted or
failed write leaves no output.
"""

import os
import struct
from typing import Callable, Optional, Sequence

import numpy as np

from kinetics_i3d import outputs

# The header's fixed size: room for any shape of a 5-d array. A multiple of
# 64, as numpy's own writer aligns it.
HEADER_BYTES = 192
_MAGIC = b'\x93NUMPY\x01\x00'


def _header(shape: Sequence[int]) -> bytes:
  text = "{'descr': '<f4', 'fortran_order': False, 'shape': %r, }" % (
      tuple(shape),)
  size = HEADER_BYTES - len(_MAGIC) - 2
  return (_MAGIC + struct.pack('<H', size) +
          (text.ljust(size - 1) + '\n').encode('latin1'))


def check_new_output(path: str, overwrite: bool) -> None:
  """Raises ExistingOutputError if `path` exists and may not be replaced."""
  outputs.check_new(path, overwrite=overwrite)


class NpyWriter:
  """Appends frames to a float32 `[1, T, *frame_shape]` `.npy` file.

  Use as a context manager: the file appears at `path` when the block ends
  without an exception, and not at all otherwise.
  """

  def __init__(self, path: str, overwrite: bool = False):
    """Opens the temporary file.

    Args:
      path: the output.
      overwrite: replace an existing output.

    Raises:
      ExistingOutputError: `path` exists and `overwrite` is False.
    """
    check_new_output(path, overwrite)
    self.path = path
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    self._file = open(outputs.temporary_name(path), 'wb')
    self._guarded(lambda: self._file.write(_header((1, 0))))
    self.frame_shape: Optional[tuple] = None
    self.num_frames = 0
    self.min = np.inf
    self.max = -np.inf

  def write(self, frames: np.ndarray) -> None:
    """Appends [n, *frame_shape] frames (converted to float32).

    Raises:
      ValueError: the frame shape differs from the earlier frames'.
    """
    frames = np.ascontiguousarray(frames, np.float32)
    if self.frame_shape is None:
      self.frame_shape = frames.shape[1:]
    elif frames.shape[1:] != self.frame_shape:
      raise ValueError(f'frames of shape {frames.shape[1:]} after '
                       f'{self.frame_shape}')
    if frames.size:
      self.min = min(self.min, float(frames.min()))
      self.max = max(self.max, float(frames.max()))
    self._guarded(lambda: self._file.write(frames.tobytes()))
    self.num_frames += len(frames)

  def _guarded(self, operation: Callable[[], object]) -> None:
    """Runs a write; for want of room, removes the temporary file and says
    so.

    Raises:
      DiskFullError: no room.
    """
    try:
      operation()
    except OSError as error:
      if not outputs.disk_full(error):
        raise
      self.abort()
      raise outputs.disk_full_error(self.path) from None

  @property
  def shape(self) -> tuple:
    return (1, self.num_frames) + tuple(self.frame_shape or ())

  def close(self) -> None:
    """Writes the final header and moves the file to `path`."""
    self._file.seek(0)
    self._guarded(lambda: self._file.write(_header(self.shape)))
    self._guarded(self._file.close)
    os.replace(self._file.name, self.path)

  def abort(self) -> None:
    """Removes the temporary file; nothing is written at `path`."""
    try:
      self._file.close()
    except OSError:  # What it could not flush is lost with the file.
      pass
    outputs.remove(self._file.name)

  def __enter__(self) -> 'NpyWriter':
    return self

  def __exit__(self, exc_type, *unused) -> None:
    if exc_type is None:
      self.close()
    else:
      self.abort()
