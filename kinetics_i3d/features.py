"""I3D features: Mixed_5c averaged over space and time, window by window.

How a video becomes rows of features is a `Protocol`:

- the frame rate: 25 fps by timestamp (the Kinetics preprocessing), any
  other rate, or the video's own frames (`fps=None`);
- windows of `window` frames every `stride` frames while a whole window fits
  (a clip shorter than one window is one window of all its frames), or with
  `center_windows` one window centred on every `stride`-th frame, the video's
  edges padded by repeating its first and last frames;
- the crops: the centre 224x224 crop, the ten crops (the four corners and the
  centre, and their mirror images; each through the network, the ten
  features averaged; a mirrored flow field has its x component negated), or
  the whole frame resized to a 256-pixel short side (the network takes any
  size from 193 pixels; its Mixed_5c is averaged over the larger space).

Each stream's 1024-d Mixed_5c output is averaged over space and time; with
both streams RGB and Flow are concatenated (2048-d, RGB first). Each row
carries its window's start, centre and end time. Videos are streamed: every
frame is decoded, resized and (for flow) compared with the next once, however
much the windows overlap, and memory is bounded by the window, whatever the
video's length.

`PRESETS` names the protocols localisation research uses (THUMOS14 as CMCS
and ActionFormer extract it, ActivityNet as ActionFormer uses it).
"""

import dataclasses
import itertools
import json
from typing import Any, Dict, Iterable, Iterator, Mapping, Optional, Sequence

import numpy as np

from kinetics_i3d import arrays
from kinetics_i3d import errors
from kinetics_i3d import feature_protocols
from kinetics_i3d import outputs
from kinetics_i3d import pretrained
from kinetics_i3d.models import inference
from kinetics_i3d.models import streams as streams_lib
from kinetics_i3d.video import decoding
from kinetics_i3d.video import display
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import prefetch
from kinetics_i3d.video import preprocessing
from kinetics_i3d.video import progress as progress_lib
from kinetics_i3d.video import windows as windows_lib

__all__ = ['FEATURE_SIZE', 'CROPS', 'Protocol', 'Preset', 'PRESETS', 'preset',
           'Features', 'video_features', 'extract', 'chunk_features',
           'crop_views', 'load_predictor']

FEATURE_SIZE = 1024
# The protocols (light, for the commands' flags) live in their own module.
CROPS = feature_protocols.CROPS
Protocol = feature_protocols.Protocol
Preset = feature_protocols.Preset
PRESETS = feature_protocols.PRESETS
preset = feature_protocols.preset
crop_views = preprocessing.crop_views


@dataclasses.dataclass
class Features:
  """The feature rows of one video or clip.

  Attributes:
    features: float32 [rows, 1024 * len(streams)].
    start_sec: [rows] each window's start, seconds from the video's start
      (for centred windows, nominal: before 0 at the video's start).
    end_sec: [rows] the time just after each window's last frame.
    streams: the streams, in the order of the concatenation.
    protocol: how the rows were made.
    fps: the frame rate of the frames (the video's own with native).
    num_frames: frames of the stream the windows ran over.
  """
  features: np.ndarray
  start_sec: np.ndarray
  end_sec: np.ndarray
  streams: Sequence[str]
  protocol: Protocol
  fps: float
  num_frames: int

  @property
  def center_sec(self) -> np.ndarray:
    """Each window's centre, seconds from the video's start."""
    return 0.5 * (self.start_sec + self.end_sec)

  @property
  def window(self) -> int:
    return self.protocol.window

  @property
  def stride(self) -> int:
    return self.protocol.stride

  def metadata(self) -> Dict[str, Any]:
    """Everything about the rows but their values, as JSON types."""
    return {
        'shape': list(self.features.shape),
        'streams': list(self.streams),
        'protocol': self.protocol.settings(),
        'fps': self.fps,
        'num_frames': self.num_frames,
        'rows': [{'start_sec': float(a), 'center_sec': float(c),
                  'end_sec': float(b)} for a, c, b in
                 zip(self.start_sec, self.center_sec, self.end_sec)],
    }

  def save(self, path: str) -> None:
    """Writes an `.npz` with the features, their times and settings (whole,
    or not at all)."""
    settings = self.protocol.settings()
    with outputs.atomic(path) as temporary, open(temporary, 'wb') as f:
      self._save_npz(f, settings)

  def _save_npz(self, f, settings) -> None:
    np.savez(f, features=self.features, start_sec=self.start_sec,
             center_sec=self.center_sec, end_sec=self.end_sec,
             streams=np.array(self.streams), window=self.window,
             stride=self.stride, fps=self.fps, num_frames=self.num_frames,
             crops=self.protocol.crops,
             center_windows=self.protocol.center_windows,
             native_fps=settings['fps'] == 'native')

  def save_npy(self, path: str, extra: Mapping[str, Any]) -> None:
    """Writes `path` ([rows, D] float32, as localisation code reads it) and
    its sidecar, `path` with `.json` for `.npy`: `metadata()` and `extra`.

    The sidecar is written first and each file is renamed into place when
    whole, so an `.npy` that exists has its sidecar.
    """
    sidecar = path[:-len('.npy')] + '.json'
    with outputs.atomic(sidecar) as temporary, open(temporary, 'w') as f:
      json.dump({**extra, **self.metadata()}, f, indent=1)
    with outputs.atomic(path) as temporary, open(temporary, 'wb') as f:
      np.save(f, self.features.astype(np.float32))


def chunk_features(predictor: inference.Predictor,
                   chunks: Iterable[preprocessing.Chunk],
                   protocol: Protocol,
                   batch_size: int = 1) -> Features:
  """The features of a stream of chunks (`preprocessing.stream_video`).

  Args:
    predictor: runs the streams (its streams are the ones used).
    chunks: consecutive frames: 224x224 crops for the centre crop, whole
      resized frames for the others (`stream_video(cropped=False)`).
    protocol: the windows and crops (its frame rate is the chunks').
    batch_size: windows run together.

  Returns:
    The features.
  """
  chunks = iter(chunks)
  first = next(chunks)  # Its frame rate is the video's.
  num_frames = 0

  def counted() -> Iterator[preprocessing.Chunk]:
    nonlocal num_frames
    for chunk in itertools.chain([first], chunks):
      num_frames += len(chunk.times)
      yield chunk

  make = (windows_lib.centered_windows if protocol.center_windows else
          windows_lib.sliding_windows)
  windows = make(counted(), predictor.streams, protocol.window,
                 protocol.stride, fps=first.fps)
  starts, ends, rows = [], [], []
  for window, result in inference.predict_windows(
      predictor, windows, batch_size,
      lambda clip, stream: crop_views(clip, stream, protocol.crops)):
    starts.append(window.start_sec)
    ends.append(window.end_sec)
    rows.append(result['features'])
  return Features(np.stack(rows).astype(np.float32), np.array(starts),
                  np.array(ends), tuple(predictor.streams), protocol,
                  first.fps, num_frames)


def extract(predictor: inference.Predictor,
            inputs: Mapping[str, arrays.ArrayLike],
            protocol: Protocol = Protocol(),
            start_sec: float = 0.0,
            batch_size: int = 4,
            layout: str = 'NTHWC') -> Features:
  """The features of a clip held in memory (`.npy` network inputs).

  Args:
    predictor: runs the streams (its streams are the ones used).
    inputs: float [1, T, H, W, C] clips in [-1, 1] by stream, of equal T
      (224x224 crops, or whole frames of at least 224 pixels for the ten
      crops, at least 193 for the full frame); numpy arrays or other
      frameworks' tensors.
    protocol: the windows and crops; its `fps` is the clip's frame rate
      (25 when None).
    start_sec: the time of the clip's first frame.
    batch_size: windows run together.
    layout: the clips' layout, one of `arrays.LAYOUTS`.

  Returns:
    The features.

  Raises:
    ArrayError: clips that do not fit (`arrays.network_clips`), or streams
      of different lengths.
  """
  min_size = (arrays.MIN_SIZE if protocol.crops == 'full' else
              preprocessing.CROP_SIZE)
  clip = {}
  for stream in predictor.streams:
    checked = arrays.network_clips(inputs.get(stream), stream, layout=layout,
                                   min_size=min_size)
    if checked.shape[0] != 1:
      raise errors.ArrayError(
          f'{stream} holds {checked.shape[0]} clips; extract takes one, '
          '[1, T, H, W, C]: call it once per clip')
    clip[stream] = np.asarray(checked[0])
  lengths = {c.shape[0] for c in clip.values()}
  if len(lengths) != 1:
    raise errors.ArrayError(
        f'the streams have different lengths: {sorted(lengths)}')
  fps = protocol.fps or decoding.FPS
  chunk = preprocessing.Chunk(
      clip.get('rgb'), clip.get('flow'),
      start_sec + np.arange(lengths.pop(), dtype=np.float64) / fps, fps)
  return chunk_features(predictor, [chunk],
                        dataclasses.replace(protocol, fps=fps), batch_size)


def load_predictor(streams: Sequence[str],
                   checkpoint_dir: Optional[str] = None,
                   imagenet_pretrained: bool = True,
                   precision: str = 'float32',
                   int8_dir: Optional[str] = None) -> inference.Predictor:
  """A predictor for `streams` from the released checkpoints.

  Args:
    streams: 'rgb', 'flow' or both.
    checkpoint_dir: a folder of the released checkpoint folders; the user
      cache (filled on first use) when None.
    imagenet_pretrained: the *_imagenet checkpoints, else *_scratch.
    precision: one of `models.precision.PRECISIONS` ('int8': OpenVINO, an
      `int8.runtime.Int8Predictor`).
    int8_dir: with int8, the folder `i3d-quantize` wrote (the user cache
      when None).

  Raises:
    InputError: a checkpoint is missing, cannot be had or does not fit (or
      for int8, see `pretrained.make_predictor`).
  """
  names = {s: streams_lib.checkpoint_name(s, imagenet_pretrained)
           for s in streams}
  return pretrained.make_predictor(
      {s: (name, pretrained.checkpoint_path(name, checkpoint_dir))
       for s, name in names.items()}, precision, int8_dir)


def video_features(path: str,
                   streams: Sequence[str] = ('rgb',),
                   protocol: Protocol = Protocol(),
                   start_sec: Optional[float] = None,
                   end_sec: Optional[float] = None,
                   predictor: Optional[inference.Predictor] = None,
                   checkpoint_dir: Optional[str] = None,
                   precision: str = 'float32',
                   flow_workers: int = 1,
                   flow_backend: str = 'opencv',
                   batch_size: int = 1,
                   progress: bool = False,
                   color_matrix: str = display.DEFAULT_COLOR_MATRIX
                  ) -> Features:
  """Features of a video in one call, for research code.

  The video is streamed: memory is bounded by the window, whatever its
  length.

  Args:
    path: the video.
    streams: 'rgb', 'flow' or both (concatenated in that order).
    protocol: frame rate, windows and crops (`PRESETS[name].protocol` for a
      published one).
    start_sec: where to start in the video.
    end_sec: where to stop.
    predictor: reuse one across calls; built from `checkpoint_dir` if None.
    checkpoint_dir: the released checkpoints (the user cache when None).
    precision: one of `models.precision.PRECISIONS`.
    flow_workers: processes computing optical flow (OpenCV).
    flow_backend: one of `optical_flow.BACKENDS`.
    batch_size: windows run together.
    progress: show a progress bar in seconds of video.
    color_matrix: the colour policy, one of `display.COLOR_MATRICES`.

  Returns:
    The features.

  Raises:
    InputError: the protocol, the video or a checkpoint cannot be used (a
      `decoding.DecodingError` when it stops decoding part-way).
  """
  protocol.check()
  predictor = predictor or load_predictor(streams, checkpoint_dir,
                                          precision=precision)
  with optical_flow.flow_engine(
      flow_backend, flow_workers if 'flow' in streams else 1) as engine:
    chunks = prefetch.ahead(preprocessing.stream_video(
        path, rgb='rgb' in streams, flow='flow' in streams,
        start_sec=start_sec, end_sec=end_sec, flow_engine=engine,
        cropped=protocol.crops == 'center', fps=protocol.fps,
        color_matrix=color_matrix))
    if progress:
      chunks = progress_lib.in_video_seconds(chunks, path, start_sec, end_sec)
    return chunk_features(predictor, chunks, protocol, batch_size)
