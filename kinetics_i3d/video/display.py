"""From a decoded frame to the picture a player shows, and which stream that is.

FFmpeg's libraries (and so PyAV) give frames as they are stored. A player
shows more than that, and so does every reader of this package:

- Stream: attached pictures (cover art, thumbnails) are never the video.
  Among the others, the stream marked default wins, then the largest picture,
  then the first (`select_stream`; FFmpeg's command line does the same).
- Orientation: phones store frames as the sensor saw them and tag the stream
  with a display matrix. Its rotation (multiples of 90 degrees) and mirroring
  are applied as FFmpeg's `-autorotate` applies them (`Orientation`); any
  other angle is refused.
- Pixel aspect: a stream with non-square pixels (sample aspect ratio, as on
  DVD and broadcast video) is resized to square pixels. When the reader
  resizes anyway (`Display.picture` with a size), both happen in one resize.
- Colour: YUV to RGB with the policy `color_matrix` names:
  - 'bt601' (the default): the BT.601 matrix whatever the stream's tag, as
    the released models' preprocessing (MediaPipe's OpenCV decoder through
    OpenCV's FFmpeg backend, which calls swscale without colour details)
    converted every video. The range follows the stream: full-range video
    is expanded as full range.
  - 'tagged': the matrix and range the stream is tagged with (BT.709,
    BT.601, SMPTE 240M, FCC, BT.2020); untagged streams get BT.709 when they
    are HD (more than 576 lines, or wider than 1024 pixels) and BT.601
    otherwise, as players guess.
"""

import dataclasses
import fractions
import math
from typing import Callable, Optional, Sequence, Tuple

import av
import cv2
import numpy as np

from kinetics_i3d import errors

COLOR_MATRICES = ('bt601', 'tagged')
DEFAULT_COLOR_MATRIX = 'bt601'

# FFmpeg's colour space numbers (AVColorSpace), which swscale also takes.
_BT709, _UNSPECIFIED, _BT601 = 1, 2, 5
_NAMES = {1: 'BT.709', 4: 'FCC', 5: 'BT.601', 6: 'BT.601', 7: 'SMPTE 240M',
          9: 'BT.2020', 10: 'BT.2020'}
# AVColorRange: limited (MPEG) and full (JPEG).
_LIMITED, _FULL = 1, 2
_HD_LINES, _HD_WIDTH = 576, 1024
_INTERPOLATION = 'BICUBIC'


def check_color_matrix(color_matrix: str) -> None:
  """Raises InputError for an unknown colour policy."""
  if color_matrix not in COLOR_MATRICES:
    raise errors.InputError(
        f'unknown colour matrix {color_matrix!r}: use one of '
        f'{", ".join(COLOR_MATRICES)}')


def select_stream(container, path: str):
  """The video stream a player shows: FFmpeg's choice.

  Raises:
    InputError: the file has no video stream, or only pictures.
  """
  streams = list(container.streams.video)
  if not streams:
    raise errors.InputError(f'{path} has no video stream')
  videos = [s for s in streams
            if not s.disposition & av.stream.Disposition.attached_pic]
  if not videos:
    raise errors.InputError(
        f'{path}: its only video stream is a picture (cover art), not a '
        'video')
  return max(videos, key=lambda s: (
      bool(s.disposition & av.stream.Disposition.default),
      (s.codec_context.width or 0) * (s.codec_context.height or 0),
      -s.index))


@dataclasses.dataclass(frozen=True)
class Orientation:
  """How a display matrix turns and mirrors the stored frames.

  Applied in this order: mirror left-right (`mirror`), flip upside down
  (`flip`), then turn `quarter_turns` times 90 degrees counter-clockwise.
  """
  quarter_turns: int = 0
  mirror: bool = False
  flip: bool = False

  @classmethod
  def from_matrix(cls, matrix: Optional[Sequence[int]],
                  path: str) -> 'Orientation':
    """What FFmpeg's `-autorotate` does with a display matrix.

    Args:
      matrix: the 9 int32 values of FFmpeg's display matrix (16.16 fixed
        point), or None.
      path: the video, for the error.

    Raises:
      InputError: the rotation is not a multiple of 90 degrees.
    """
    if matrix is None:
      return cls()
    m = [value / 65536.0 for value in matrix]
    if math.hypot(m[0], m[3]) == 0 or math.hypot(m[1], m[4]) == 0:
      return cls()  # A degenerate matrix: FFmpeg applies nothing either.
    # Counter-clockwise degrees (av_display_rotation_get), then the clockwise
    # angle FFmpeg's command line turns by, in [0, 360).
    counter_clockwise = -math.degrees(math.atan2(
        m[1] / math.hypot(m[1], m[4]), m[0] / math.hypot(m[0], m[3])))
    clockwise = -round(counter_clockwise)
    clockwise -= 360 * math.floor(clockwise / 360 + 0.9 / 360)
    if abs(clockwise - 90) < 1:
      # transpose=clock, or cclock_flip (a plain transpose) when mirrored.
      return cls(1, mirror=True) if m[3] > 0 else cls(3)
    if abs(clockwise - 180) < 1:
      if m[0] < 0 and m[4] < 0:
        return cls(2)  # hflip and vflip: a half turn.
      return cls(0, mirror=m[0] < 0, flip=m[4] < 0)
    if abs(clockwise - 270) < 1:
      # transpose=cclock, or clock_flip (an anti-transpose) when mirrored.
      return cls(3, mirror=True) if m[3] < 0 else cls(1)
    if abs(clockwise) < 1 or abs(clockwise - 360) < 1:
      return cls(0, flip=m[4] < 0)
    raise errors.InputError(
        f'{path} is tagged to be shown turned {clockwise:g} degrees, not a '
        'multiple of 90: turn it with a video editor first')

  @property
  def swaps_sides(self) -> bool:
    return self.quarter_turns % 2 == 1

  def apply(self, picture: np.ndarray) -> np.ndarray:
    """The picture [height, width, ...] as shown."""
    if self.mirror:
      picture = picture[:, ::-1]
    if self.flip:
      picture = picture[::-1]
    if self.quarter_turns:
      picture = np.rot90(picture, self.quarter_turns)
    return np.ascontiguousarray(picture)

  def describe(self) -> str:
    """E.g. 'turned 90 clockwise, mirrored', or '' when nothing is done."""
    parts = []
    if self.quarter_turns:
      parts.append({1: 'turned 90 counter-clockwise', 2: 'turned 180',
                    3: 'turned 90 clockwise'}[self.quarter_turns])
    if self.mirror:
      parts.append('mirrored')
    if self.flip:
      parts.append('flipped')
    return ', '.join(parts)


@dataclasses.dataclass(frozen=True)
class Display:
  """How one stream's frames become the pictures a player shows.

  Attributes:
    path: the video.
    orientation: the display matrix's turn and mirroring.
    sample_aspect: the width of a stored pixel over its height.
    stored_size: (height, width) of the stored frames.
    color_matrix: the colour policy ('bt601' or 'tagged').
    colorspace: the FFmpeg colour space the conversion uses.
    full_range: whether YUV values span 0-255 (else 16-235).
    tagged_colorspace: the colour space the stream is tagged with (2 when
      it is not).
  """
  path: str
  orientation: Orientation
  sample_aspect: fractions.Fraction
  stored_size: Tuple[int, int]
  color_matrix: str
  colorspace: int
  full_range: bool
  tagged_colorspace: int = _UNSPECIFIED

  @classmethod
  def of_frame(cls, frame: av.VideoFrame, stream, path: str,
               color_matrix: str = DEFAULT_COLOR_MATRIX) -> 'Display':
    """What a player does with `stream`, learnt from its first frame.

    Raises:
      InputError: an unknown colour policy, or a rotation that is not a
        multiple of 90 degrees.
    """
    check_color_matrix(color_matrix)
    matrix = None
    for side_data in frame.side_data:
      if side_data.type == av.sidedata.sidedata.Type.DISPLAYMATRIX:
        matrix = np.frombuffer(bytes(side_data), np.int32)[:9].tolist()
    aspect = (stream.sample_aspect_ratio or
              stream.codec_context.sample_aspect_ratio)
    aspect = fractions.Fraction(aspect) if aspect and aspect > 0 else (
        fractions.Fraction(1))
    height, width = frame.height, frame.width
    tagged = frame.colorspace
    if color_matrix == 'tagged':
      if tagged not in _NAMES:
        hd = height > _HD_LINES or width > _HD_WIDTH
        tagged = _BT709 if hd else _BT601
      colorspace = tagged
    else:
      colorspace = _BT601
    full_range = (frame.color_range == _FULL or
                  frame.format.name.startswith('yuvj'))
    return cls(path, Orientation.from_matrix(matrix, path), aspect,
               (height, width), color_matrix, colorspace, full_range,
               frame.colorspace)

  @property
  def _square_size(self) -> Tuple[int, int]:
    """(height, width) of the stored frames with square pixels."""
    height, width = self.stored_size
    return height, max(1, round(width * self.sample_aspect))

  @property
  def size(self) -> Tuple[int, int]:
    """(height, width) of the pictures a player shows, square pixels."""
    height, width = self._square_size
    return (width, height) if self.orientation.swaps_sides else (height,
                                                                 width)

  def _rgb(self, frame: av.VideoFrame) -> np.ndarray:
    """uint8 RGB, as stored (same size and orientation).

    Converted by swscale with bicubic chroma, as OpenCV's FFmpeg backend and
    FFmpeg's command line convert.
    """
    if frame.format.name.startswith(('rgb', 'bgr', 'gbr', 'pal', 'gray')) or (
        self.colorspace == _BT601 and not self.full_range):
      # Nothing to choose, or swscale's defaults (BT.601, and the range the
      # pixel format says): exactly what OpenCV's FFmpeg backend gives.
      return frame.reformat(format='rgb24',
                            interpolation=_INTERPOLATION).to_ndarray()
    # PyAV sets swscale's colour details only when source and destination
    # differ; for RGB output the destination's are not used.
    other = _BT709 if self.colorspace != _BT709 else _BT601
    return frame.reformat(
        format='rgb24', src_colorspace=self.colorspace,
        dst_colorspace=other, interpolation=_INTERPOLATION,
        src_color_range=_FULL if self.full_range else _LIMITED,
        dst_color_range=_LIMITED if self.full_range else _FULL).to_ndarray()

  def picture(self, frame: av.VideoFrame,
              size: Optional[Callable[[int, int], Tuple[int, int]]] = None
             ) -> np.ndarray:
    """The picture a player shows for `frame`.

    Args:
      frame: a frame of the stream.
      size: maps the displayed (height, width) to the (height, width) the
        picture is resized to (bilinearly, on float32 pixels), in the same
        resize that makes the pixels square. None keeps the displayed size.

    Returns:
      [height, width, 3] RGB: uint8 without `size`, float32 [0, 255] with it.
    """
    rgb = self._rgb(frame)
    if size is not None:
      height, width = size(*self.size)
      if self.orientation.swaps_sides:
        height, width = width, height
      rgb = cv2.resize(rgb.astype(np.float32), (width, height),
                       interpolation=cv2.INTER_LINEAR)
    elif self.sample_aspect != 1:
      height, width = self._square_size
      rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_LINEAR)
    return self.orientation.apply(rgb)

  def corrections(self) -> str:
    """What is done beyond decoding, e.g. 'turned 90 clockwise; pixel aspect
    2:1 to square; BT.601 colour (tagged BT.709)'; '' for nothing."""
    parts = [self.orientation.describe()]
    if self.sample_aspect != 1:
      parts.append(f'pixel aspect {self.sample_aspect.numerator}:'
                   f'{self.sample_aspect.denominator} to square')
    tagged = _NAMES.get(self.tagged_colorspace)
    used = _NAMES[self.colorspace]
    if tagged and tagged != used:
      parts.append(f'{used} colour (tagged {tagged})')
    elif used != 'BT.601':
      parts.append(f'{used} colour')
    if self.full_range:
      parts.append('full range')
    return '; '.join(p for p in parts if p)


class Pictures:
  """The frames of one open file to the pictures a player shows.

  Attributes:
    stream: the video stream (`select_stream`), to decode.
    display: how its frames are shown, once its first frame has been seen
      (`display_of`).
  """

  def __init__(self, container, path: str,
               color_matrix: str = DEFAULT_COLOR_MATRIX):
    """Picks the stream.

    Raises:
      InputError: the file has no video stream, or only pictures.
    """
    self.stream = select_stream(container, path)
    self.display: Optional[Display] = None
    self._path = path
    self._color_matrix = color_matrix

  def display_of(self, frame: av.VideoFrame) -> Display:
    """How the stream is shown, learnt from the first frame given."""
    if self.display is None:
      self.display = Display.of_frame(frame, self.stream, self._path,
                                      self._color_matrix)
    return self.display

  def __call__(self, frame: av.VideoFrame,
               size: Optional[Callable[[int, int], Tuple[int, int]]] = None
              ) -> np.ndarray:
    """The picture shown for `frame` (`Display.picture`)."""
    return self.display_of(frame).picture(frame, size)
