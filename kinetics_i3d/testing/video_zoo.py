"""The video zoo: tiny files of the kinds users bring, with known content.

Every file in `zoo/` was made by `tools/make_video_zoo.py` (FFmpeg's command
line) from `source_frames()`, so a test can compare what the decoder gives
with the frames that went in, shown as a player shows them. The tests need no
FFmpeg: the files are committed.

`ENTRIES` says, for each file, how a player shows it (`display`, applied to
the source frames) and how far a lossy codec may move its pixels
(`tolerance`, mean absolute error in levels of 255), or the error the file
must give.
"""

import dataclasses
import os
from typing import Callable, Optional

import numpy as np

ZOO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'zoo')
HEIGHT, WIDTH = 48, 64
FPS = 25
NUM_FRAMES = 12


def source_frames(count: int = NUM_FRAMES, height: int = HEIGHT,
                  width: int = WIDTH) -> np.ndarray:
  """uint8 RGB frames [count, height, width, 3] every zoo file starts from.

  Saturated, smoothly varying colours (so a wrong colour matrix shows), a
  bright block in the top-left corner and a dark one at the bottom right (so
  a wrong rotation or flip shows), and a slow drift from frame to frame (so
  frames cannot be swapped unseen).
  """
  y, x = np.mgrid[0:height, 0:width].astype(np.float64)
  frames = np.empty((count, height, width, 3), np.uint8)
  for t in range(count):
    red = 128 + 110 * np.sin(2 * np.pi * (x + 2 * t) / width)
    green = 128 + 110 * np.cos(2 * np.pi * (y - t) / height)
    blue = 30 + 200 * (x + y) / (width + height)
    picture = np.stack([red, green, blue], axis=-1)
    picture[:height // 3, :width // 4] = 235
    picture[-height // 4:, -width // 4:] = 20
    frames[t] = np.clip(np.rint(picture), 0, 255).astype(np.uint8)
  return frames


def gray_source_frames() -> np.ndarray:
  """uint8 grey frames [count, height, width] of the grey zoo file (BT.601
  luma of `source_frames`)."""
  rgb = source_frames().astype(np.float64)
  luma = rgb @ np.array([0.299, 0.587, 0.114])
  return np.clip(np.rint(luma), 0, 255).astype(np.uint8)


def _rotate_clockwise(frames: np.ndarray) -> np.ndarray:
  return np.rot90(frames, k=-1, axes=(1, 2))


def _rotate_counterclockwise(frames: np.ndarray) -> np.ndarray:
  return np.rot90(frames, k=1, axes=(1, 2))


def _upside_down(frames: np.ndarray) -> np.ndarray:
  return frames[:, ::-1, ::-1]


def _mirrored(frames: np.ndarray) -> np.ndarray:
  return frames[:, :, ::-1]


@dataclasses.dataclass(frozen=True)
class Entry:
  """One zoo file.

  Attributes:
    name: the file in `ZOO_DIR`.
    what: what kind of video it stands for.
    tolerance: mean absolute error (levels) the decoded frames may have
      against the source frames as displayed; None for files that must fail.
    display: how a player shows the source frames (orientation), applied to
      [T, H, W, 3] arrays.
    error: a regular expression the one-line error must match, for files
      that must fail.
    frames: how many frames the file holds.
    gray: the file is grey (compared with `gray_source_frames`).
    color_matrix: the colour policy that shows it as its source.
  """
  name: str
  what: str
  tolerance: Optional[float] = None
  display: Callable[[np.ndarray], np.ndarray] = lambda frames: frames
  error: Optional[str] = None
  frames: int = NUM_FRAMES
  gray: bool = False
  color_matrix: str = 'bt601'

  @property
  def path(self) -> str:
    return os.path.join(ZOO_DIR, self.name)


# The gap in `vfr.mkv`: frames 6 on are shown this much later (7 frame
# intervals: FFmpeg's encoder keeps the input's 1/25 s time base).
VFR_GAP_SEC = 0.28
VFR_GAP_AFTER = 6
# Where `offset.mp4`'s timestamps start.
OFFSET_SEC = 5.0
# How `sar.mp4` is stored: half the width, pixels twice as wide as high.
SAR_STORED_WIDTH = WIDTH // 2

ENTRIES = (
    Entry('h264.mp4', 'H.264, BT.601 limited range, untagged', 3.5),
    Entry('rotate90.mp4', 'a phone video shown turned 90 degrees '
          'counter-clockwise (display matrix; ffmpeg -metadata rotate=90)',
          4.0, _rotate_counterclockwise),
    Entry('rotate180.mp4', 'a phone video held upside down', 3.5,
          _upside_down),
    Entry('rotate270.mp4', 'a phone video shown turned 90 degrees '
          'clockwise (ffmpeg -metadata rotate=270)', 4.0, _rotate_clockwise),
    Entry('mirror.mp4', 'a display matrix that mirrors (selfie camera)', 3.5,
          _mirrored),
    Entry('sar.mp4', 'non-square pixels: stored 32x48, shown 64x48 (SAR 2:1)',
          6.0),
    Entry('cover.mp4', 'a cover picture (attached_pic) listed before the '
          'video', 4.0),
    Entry('vfr.mkv', 'variable frame rate: a 0.28 s gap after frame 6', 3.5),
    Entry('offset.mp4', 'timestamps starting at 5 s', 3.5),
    Entry('vp9.webm', 'VP9 in WebM', 4.0),
    Entry('av1.mkv', 'AV1 in Matroska', 5.0),
    Entry('hevc10.mp4', 'HEVC, 10 bits', 3.5),
    Entry('mpeg4_bframes.avi', 'MPEG-4 Part 2 in AVI, with B-frames', 4.0),
    Entry('mjpeg.avi', 'Motion JPEG in AVI (full range)', 3.5),
    Entry('animation.gif', 'an animated GIF (256 colours)', 6.0),
    Entry('gray.mkv', 'grey (one plane)', 2.0, gray=True),
    Entry('bt709.mp4', 'H.264 tagged BT.709, as HD video is', 3.5,
          color_matrix='tagged'),
    Entry('full_range.mp4', 'H.264 tagged full range (0-255)', 3.5),
    Entry('truncated.mp4', 'a download cut in half',
          error='truncated|ends unexpectedly|failed at', frames=50),
    Entry('audio_only.m4a', 'sound and no picture',
          error='has no video stream'),
    Entry('empty.mp4', 'zero bytes', error='cannot decode|has no video'),
    Entry('cover_only.mkv', 'a cover picture (a Matroska attachment), sound '
          'and no video',
          error='only video stream is a picture'),
)


def entry(name: str) -> Entry:
  """The zoo entry of file `name`."""
  for candidate in ENTRIES:
    if candidate.name == name:
      return candidate
  raise KeyError(name)
