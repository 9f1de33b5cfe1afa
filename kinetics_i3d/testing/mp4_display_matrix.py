"""Editing MP4 boxes for tests: a track's display matrix, the box order.

A phone records frames as its sensor sees them and writes, in the video
track's header (the `tkhd` box), a 3x3 matrix that a player applies to show
them upright. FFmpeg's libraries read it but write it only on request, and
PyAV cannot ask, so tests write it here: the file's bytes are patched in
place (the matrix has a fixed size and place in the box).

The matrix is [[a, b, u], [c, d, v], [x, y, w]] as ISO/IEC 14496-12 stores
it: a, b, c, d, x and y in 16.16 fixed point, u, v and w in 2.30.

`user_data_first` moves the movie's user data (`udta`, where a cover picture
lives) before its tracks, as some taggers write it; FFmpeg then numbers the
cover's stream before the video's.
"""

import struct
from typing import Iterator, Sequence, Tuple

# Containers whose children are boxes, on the way from the file to `tkhd`.
_CONTAINERS = (b'moov', b'trak', b'mdia')


def _boxes(data: bytes, start: int, end: int) -> Iterator[Tuple[bytes, int,
                                                                 int]]:
  """(type, payload start, box end) of the boxes in data[start:end]."""
  while start + 8 <= end:
    size, kind = struct.unpack('>I4s', data[start:start + 8])
    header = 8
    if size == 1:
      size = struct.unpack('>Q', data[start + 8:start + 16])[0]
      header = 16
    elif size == 0:
      size = end - start
    yield kind, start + header, start + size
    start += size


def _video_track_header(data: bytes) -> int:
  """Where the video track's `tkhd` payload starts."""
  for kind, moov, moov_end in _boxes(data, 0, len(data)):
    if kind != b'moov':
      continue
    for kind, trak, trak_end in _boxes(data, moov, moov_end):
      if kind != b'trak':
        continue
      children = {k: (s, e) for k, s, e in _boxes(data, trak, trak_end)}
      mdia = children.get(b'mdia')
      if mdia is None or b'tkhd' not in children:
        continue
      for kind, hdlr, _ in _boxes(data, *mdia):
        # hdlr: version and flags (4), pre_defined (4), handler type (4).
        if kind == b'hdlr' and data[hdlr + 8:hdlr + 12] == b'vide':
          return children[b'tkhd'][0]
  raise ValueError('no video track in this MP4 file')


def rotation_matrix(degrees_clockwise: int, width: int,
                    height: int) -> Sequence[float]:
  """The matrix that shows a picture turned clockwise, as FFmpeg writes it."""
  cos, sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[
      degrees_clockwise % 360]
  x = {0: 0, 90: height, 180: width, 270: 0}[degrees_clockwise % 360]
  y = {0: 0, 90: 0, 180: height, 270: width}[degrees_clockwise % 360]
  return (cos, sin, 0, -sin, cos, 0, x, y, 1)


def mirror_matrix(width: int) -> Sequence[float]:
  """The matrix that shows a picture mirrored left to right."""
  return (-1, 0, 0, 0, 1, 0, width, 0, 1)


def set_display_matrix(path: str, matrix: Sequence[float]) -> None:
  """Writes `matrix` (a, b, u, c, d, v, x, y, w) into the video track."""
  with open(path, 'rb') as f:
    data = bytearray(f.read())
  tkhd = _video_track_header(bytes(data))
  version = data[tkhd]
  # After version/flags: times, track id, reserved and duration (20 bytes in
  # version 0, 32 in version 1), then reserved (8), layer, group, volume and
  # reserved (2 each).
  offset = tkhd + 4 + (32 if version == 1 else 20) + 8 + 8
  fixed = [value * (1 << 30) if index in (2, 5, 8) else value * (1 << 16)
           for index, value in enumerate(matrix)]
  data[offset:offset + 36] = struct.pack('>9i', *(int(v) for v in fixed))
  with open(path, 'wb') as f:
    f.write(bytes(data))


def user_data_first(path: str) -> None:
  """Moves the `udta` box of `moov` before its first `trak` box."""
  with open(path, 'rb') as f:
    data = f.read()
  for kind, moov, moov_end in _boxes(data, 0, len(data)):
    if kind != b'moov':
      continue
    children = [(k, data[s - 8:e]) for k, s, e in _boxes(data, moov, moov_end)]
    if any(len(box) >= 1 << 32 for _, box in children):
      raise ValueError('64-bit box sizes are not handled')
    user_data = [box for k, box in children if k == b'udta']
    if not user_data:
      raise ValueError('no udta box in moov')
    first_track = next(i for i, (k, _) in enumerate(children) if k == b'trak')
    rest = [box for k, box in children if k != b'udta']
    boxes = rest[:first_track] + user_data + rest[first_track:]
    with open(path, 'wb') as f:
      f.write(data[:moov] + b''.join(boxes) + data[moov_end:])
    return
  raise ValueError('no moov box')
