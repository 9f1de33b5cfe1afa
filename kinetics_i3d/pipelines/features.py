"""The Beam pipeline that extracts I3D features of every clip of a data set.

    clips (a manifest) or SequenceExamples (prepared shards)
        --ClipFeatures--> one tf.train.Example per clip --> TFRecord shards

Each worker loads the checkpoints once (`DoFn.setup`) and computes a clip's
features as `kinetics_i3d.features` does, with its `Protocol` (frame rate,
windows, crops; RGB then Flow): from a manifest the video is decoded,
resized, cropped and (for Flow) run through TV-L1 by
`preprocessing.stream_video`; from shards the JPEG frames (stored at 25 fps,
whole) and quantised flow are decoded, as `evaluate.py` reads them. A clip
that fails is counted and listed in the log, not written.

Each output record is a `tf.train.Example` with `media_id`, `label/index`,
`label/string`, `features` (float32, [num_windows * feature_size] row-major),
`num_windows`, `feature_size`, `window_start_sec`, `window_center_sec` and
`window_end_sec` (seconds in the source video, whichever the input),
`streams`, `window`, `stride`, `fps`, `crops` and `center_windows`;
`read_features` reads them back.
"""

import dataclasses
import logging
from typing import Dict, Iterator, Optional, Sequence, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import features as features_lib
from kinetics_i3d import pretrained
from kinetics_i3d.datasets import manifests
from kinetics_i3d.datasets import sequence_examples
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import streams as streams_lib
from kinetics_i3d.pipelines import counters
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import prefetch
from kinetics_i3d.video import preprocessing

_COUNTERS = 'extract_features'


@dataclasses.dataclass(frozen=True)
class Settings:
  """What features to compute.

  Attributes:
    streams: ('rgb',), ('flow',) or both.
    checkpoint_dir: the released checkpoints (a path every worker sees), or
      None for each worker's user cache.
    protocol: frame rate, windows and crops (shards hold 25 fps frames:
      their protocol's rate is 25 or native).
    precision: 'float32' or 'bfloat16'.
    flow_backend: one of `optical_flow.BACKENDS` (manifest input).
  """
  streams: Tuple[str, ...] = ('rgb',)
  checkpoint_dir: Optional[str] = None
  protocol: features_lib.Protocol = features_lib.Protocol()
  precision: str = 'float32'
  flow_backend: str = 'auto'


def check_checkpoints(settings: Settings) -> None:
  """Raises InputError for an unusable checkpoint; fills the cache if used."""
  for stream in settings.streams:
    name = streams_lib.checkpoint_name(stream, True)
    try:
      checkpoints.open_checkpoint(
          pretrained.checkpoint_path(name, settings.checkpoint_dir))
    except errors.MissingFileError as error:
      raise errors.MissingFileError(
          f'{error}; {streams_lib.checkpoint_hint(name)}') from None


def _record(media_id: str, label_index: int, label: str,
            result: features_lib.Features) -> bytes:
  def floats(values):
    return tf.train.Feature(float_list=tf.train.FloatList(value=values))

  def ints(values):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))

  def strings(values):
    return tf.train.Feature(bytes_list=tf.train.BytesList(
        value=[v.encode() for v in values]))

  example = tf.train.Example(features=tf.train.Features(feature={
      'media_id': strings([media_id]),
      'label/index': ints([label_index]),
      'label/string': strings([label]),
      'features': floats(result.features.ravel()),
      'num_windows': ints([result.features.shape[0]]),
      'feature_size': ints([result.features.shape[1]]),
      'window_start_sec': floats(result.start_sec),
      'window_center_sec': floats(result.center_sec),
      'window_end_sec': floats(result.end_sec),
      'streams': strings(result.streams),
      'window': ints([result.window]),
      'stride': ints([result.stride]),
      'fps': floats([result.fps]),
      'crops': strings([result.protocol.crops]),
      'center_windows': ints([int(result.protocol.center_windows)]),
  }))
  return example.SerializeToString()


def read_features(serialized: bytes) -> Tuple[str, int, np.ndarray]:
  """(media id, label index, [num_windows, feature_size]) of a record."""
  feature = tf.train.Example.FromString(serialized).features.feature
  shape = (feature['num_windows'].int64_list.value[0],
           feature['feature_size'].int64_list.value[0])
  values = np.array(feature['features'].float_list.value, np.float32)
  return (feature['media_id'].bytes_list.value[0].decode(),
          feature['label/index'].int64_list.value[0], values.reshape(shape))


def shard_chunks(example: tf.train.SequenceExample, streams: Sequence[str],
                 cropped: bool = True) -> Iterator[preprocessing.Chunk]:
  """A prepared clip's network inputs, as one chunk.

  Args:
    example: the clip.
    streams: 'rgb', 'flow' or both.
    cropped: the centre 224x224 crops; else the whole stored frames.

  Raises:
    InputError: the example lacks a requested stream.
  """
  lists = example.feature_lists.feature_list
  arrays = {}
  for stream in streams:
    key = sequence_examples.encoded_key(stream)
    if key not in lists or not lists[key].feature:
      raise errors.InputError(f'the shard has no {stream} frames ({key})')
    frames = np.stack([
        sequence_examples.decode_jpeg(f.bytes_list.value[0]).numpy()
        for f in lists[key].feature
    ])
    if cropped:
      frames = preprocessing.crop(
          frames, preprocessing.center_crop_offsets(*frames.shape[1:3]))
    arrays[stream] = sequence_examples.images_to_network(
        frames.astype(np.float32) / 255.0, stream)
  stamps = lists['image/timestamp'].feature if 'image/timestamp' in lists else (
      lists[sequence_examples.FLOW_PREFIX + 'image/timestamp'].feature)
  times = np.array([s.int64_list.value[0] for s in stamps]) / 1e6
  yield preprocessing.Chunk(arrays.get('rgb'), arrays.get('flow'), times)


def _shifted(chunks: Iterator[preprocessing.Chunk],
             seconds: float) -> Iterator[preprocessing.Chunk]:
  for chunk in chunks:
    chunk.times = chunk.times + seconds
    yield chunk


class ClipFeatures(beam.DoFn):
  """Window features of one clip: a ClipSpec or a serialized example."""

  def __init__(self, settings: Settings, label_indices: Dict[str, int]):
    self._settings = settings
    self._label_indices = label_indices
    self._predictor = None
    self._engine = None
    self._done = Metrics.counter(_COUNTERS, 'clips_done')
    self._failed = Metrics.counter(_COUNTERS, 'clips_failed')

  def setup(self):
    self._predictor = features_lib.load_predictor(
        self._settings.streams, self._settings.checkpoint_dir,
        precision=self._settings.precision)
    if 'flow' in self._settings.streams:
      self._engine = optical_flow.flow_engine(self._settings.flow_backend)

  def teardown(self):
    if self._engine is not None:
      self._engine.close()

  def _from_clip(self, clip: manifests.ClipSpec):
    if not clip.video:
      raise errors.MissingFileError('its video is not in --videos')
    protocol = self._settings.protocol
    chunks = prefetch.ahead(preprocessing.stream_video(
        clip.video, rgb='rgb' in self._settings.streams,
        flow='flow' in self._settings.streams, start_sec=clip.start_sec,
        end_sec=clip.end_sec, flow_engine=self._engine,
        cropped=protocol.crops == 'center', fps=protocol.fps))
    # Times in the source video, as the shards store them.
    offset = clip.clip_start_sec if clip.start_sec is None else 0.0
    return (clip.media_id, self._label_indices.get(clip.label, -1),
            clip.label, _shifted(chunks, offset))

  def _from_example(self, serialized: bytes):
    example = tf.train.SequenceExample.FromString(serialized)
    context = example.context.feature
    index = context['clip/label/index'].int64_list.value
    label = context['clip/label/string'].bytes_list.value
    return (sequence_examples.media_id(example), index[0] if index else -1,
            label[0].decode() if label else '',
            shard_chunks(example, self._settings.streams,
                         self._settings.protocol.crops == 'center'))

  def process(self, element):
    try:
      if isinstance(element, manifests.ClipSpec):
        media_id, index, label, chunks = self._from_clip(element)
      else:
        media_id, index, label, chunks = self._from_example(element)
      result = features_lib.chunk_features(self._predictor, chunks,
                                           self._settings.protocol)
    except Exception as error:  # pylint: disable=broad-except
      # A bad clip must not stop the run; it is counted and logged.
      self._failed.inc()
      name = getattr(element, 'media_id', 'a shard record')
      logging.error('features of %s failed: %s', name, error)
      return
    self._done.inc()
    yield _record(media_id, index, label, result)


class ExtractFeatures(beam.PTransform):
  """Clips (ClipSpecs or serialized SequenceExamples) to feature records."""

  def __init__(self, settings: Settings,
               label_indices: Optional[Dict[str, int]] = None):
    """Keeps the settings.

    Args:
      settings: what to compute.
      label_indices: class index of each label (manifest input; shards
        carry their indices).
    """
    super().__init__()
    self._settings = settings
    self._label_indices = label_indices or {}

  def expand(self, clips):
    return (clips
            | 'Spread' >> beam.Reshuffle()
            | 'ClipFeatures' >> beam.ParDo(
                ClipFeatures(self._settings, self._label_indices)))


def counts(result) -> Tuple[int, int]:
  """(clips done, clips failed) of a finished pipeline."""
  return (counters.total(result, _COUNTERS, 'clips_done'),
          counters.total(result, _COUNTERS, 'clips_failed'))
