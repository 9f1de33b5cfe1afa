"""The Beam pipeline that extracts I3D features of every clip of a data set.

    (output shard, clip) from a manifest, or from prepared shards
    (`ReadShard`: each input shard's records to the output shard of the
    same index) --ClipFeatures--> (output shard, Outcome)
        --WriteShards--> OUT-i-of-n.tfrecord --WriteIndex--> OUT-clips.csv

Each worker loads the checkpoints once (`DoFn.setup`) and computes a clip's
features as `kinetics_i3d.features` does, with its `Protocol` (frame rate,
windows, crops; RGB then Flow): from a manifest the video is decoded,
resized, cropped and (for Flow) run through TV-L1 by
`preprocessing.stream_video`; from shards the JPEG frames (stored at 25 fps,
whole) and quantised flow are decoded, as `evaluate.py` reads them. The
output shards are fixed before the run (`sharded`), so the same input gives
the same files on any runner. `OUT-clips.csv` lists every clip, with its
shard or why it failed; a clip that fails is not written.

Each output record is a `tf.train.Example` with `media_id`, `label/index`,
`label/string`, `features` (float32, [num_windows * feature_size] row-major),
`num_windows`, `feature_size`, `window_start_sec`, `window_center_sec` and
`window_end_sec` (seconds in the source video, whichever the input),
`streams`, `window`, `stride`, `fps`, `crops` and `center_windows`;
`read_features` reads them back. `ExtractFeatures` is the same computation
as a transform from clips to records, for pipelines of one's own.
"""

import dataclasses
import logging
import os
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import apache_beam as beam
from apache_beam.options import pipeline_options
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import features as features_lib
from kinetics_i3d import pretrained
from kinetics_i3d.datasets import manifests
from kinetics_i3d.datasets import sequence_examples
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import streams as streams_lib
from kinetics_i3d.pipelines import files
from kinetics_i3d.pipelines import layout
from kinetics_i3d.pipelines import runner
from kinetics_i3d.pipelines import sharded
from kinetics_i3d.video import decoding
from kinetics_i3d.video import display
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import prefetch
from kinetics_i3d.video import preprocessing

INDEX_SUFFIX = layout.INDEX_SUFFIX
_INDEX_HEADER = ('media_id', 'source', 'shard', 'error', 'decoded')


@dataclasses.dataclass(frozen=True)
class Settings:
  """What features to compute.

  Attributes:
    streams: ('rgb',), ('flow',) or both.
    checkpoint_dir: the released checkpoints (a path every worker sees), or
      None for each worker's user cache.
    protocol: frame rate, windows and crops (shards hold 25 fps frames:
      their protocol's rate is 25 or native).
    precision: one of `models.precision.PRECISIONS`.
    flow_backend: one of `optical_flow.BACKENDS` (manifest input).
    color_matrix: the colour policy, one of `display.COLOR_MATRICES`
      (manifest input).
    int8_dir: with int8, the int8 models' folder (a path every worker
      sees), or None for each worker's user cache.
  """
  streams: Tuple[str, ...] = ('rgb',)
  checkpoint_dir: Optional[str] = None
  protocol: features_lib.Protocol = features_lib.Protocol()
  precision: str = 'float32'
  flow_backend: str = 'auto'
  color_matrix: str = display.DEFAULT_COLOR_MATRIX
  int8_dir: Optional[str] = None


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
  return example.SerializeToString(deterministic=True)


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


class ReadShard(beam.DoFn):
  """(output shard, input shard) to (output shard, (input shard, record))
  for each of the input's records."""

  def process(self, element):
    output, path = element
    for record in tf.data.TFRecordDataset(path).as_numpy_iterator():
      yield output, (path, record)


class ClipFeatures(beam.DoFn):
  """Window features of one clip, keyed: (key, clip) to (key, Outcome).

  The clip is a ClipSpec, or (source, serialized SequenceExample).
  """

  def __init__(self, settings: Settings, label_indices: Dict[str, int]):
    self._settings = settings
    self._label_indices = label_indices
    self._predictor = None
    self._engine = None

  def setup(self):
    self._predictor = features_lib.load_predictor(
        self._settings.streams, self._settings.checkpoint_dir,
        precision=self._settings.precision,
        int8_dir=self._settings.int8_dir)
    if 'flow' in self._settings.streams:
      self._engine = optical_flow.flow_engine(self._settings.flow_backend)

  def teardown(self):
    if self._engine is not None:
      self._engine.close()

  def _from_clip(self, clip: manifests.ClipSpec) -> Tuple[bytes, str]:
    if not clip.video:
      raise errors.MissingFileError('its video is not in --videos')
    protocol = self._settings.protocol
    with files.local_copy(clip.video) as path:
      chunks = prefetch.ahead(preprocessing.stream_video(
          path, rgb='rgb' in self._settings.streams,
          flow='flow' in self._settings.streams, start_sec=clip.start_sec,
          end_sec=clip.end_sec, flow_engine=self._engine,
          cropped=protocol.crops == 'center', fps=protocol.fps,
          color_matrix=self._settings.color_matrix))
      # Times in the source video, as the shards store them.
      offset = clip.clip_start_sec if clip.start_sec is None else 0.0
      result = features_lib.chunk_features(
          self._predictor, _shifted(chunks, offset), protocol)
      notes = decoding.probe(path, self._settings.color_matrix).notes(
          clip.segment_sec)
    return _record(clip.media_id, self._label_indices.get(clip.label, -1),
                   clip.label, result), notes

  def _from_example(self, example: tf.train.SequenceExample) -> bytes:
    context = example.context.feature
    index = context['clip/label/index'].int64_list.value
    label = context['clip/label/string'].bytes_list.value
    chunks = shard_chunks(example, self._settings.streams,
                          self._settings.protocol.crops == 'center')
    result = features_lib.chunk_features(self._predictor, chunks,
                                         self._settings.protocol)
    return _record(sequence_examples.media_id(example),
                   index[0] if index else -1,
                   label[0].decode() if label else '', result)

  def process(self, element):
    key, clip = element
    from_video = isinstance(clip, manifests.ClipSpec)
    source = (clip.video or '') if from_video else clip[0]
    media_id = clip.media_id if from_video else f'a record of {source}'
    notes = ''
    try:
      if from_video:
        record, notes = self._from_clip(clip)
      else:
        example = tf.train.SequenceExample.FromString(clip[1])
        media_id = sequence_examples.media_id(example)
        record = self._from_example(example)
      error = ''
    except Exception as failure:  # pylint: disable=broad-except
      # A bad clip must not stop the run; the index lists it.
      record, error = None, sharded.reason(failure)
    yield key, sharded.Outcome(media_id, source, record, error, notes)


index_path = layout.index_path


class WriteIndex(beam.DoFn):
  """Writes OUT-clips.csv, then removes the temporaries killed attempts
  left beside the output; outputs the number of rows."""

  def __init__(self, output: str):
    self._output = output

  def process(self, rows: List[sharded.Row]):
    # Shards by name: they sit beside the index.
    files.write_csv(index_path(self._output), _INDEX_HEADER, [
        (media_id, source, os.path.basename(shard), error, notes)
        for media_id, source, shard, error, notes in rows])
    files.remove_temporaries([f'{self._output}-*'])
    yield len(rows)


def read_index(output: str) -> List[sharded.Row]:
  """The rows of OUT-clips.csv: (media id, source, shard file name or '',
  error or '', what the decoder did or '')."""
  return [tuple(r[key] for key in _INDEX_HEADER)
          for r in files.read_csv(index_path(output))]


class FeatureShards(beam.PTransform):
  """(output shard path, clip)s to feature shards and OUT-clips.csv.

  A clip is a ClipSpec, or (source, serialized SequenceExample) as
  `ReadShard` makes them.
  """

  def __init__(self, settings: Settings, output: str,
               label_indices: Optional[Dict[str, int]] = None):
    """Keeps the settings.

    Args:
      settings: what to compute.
      output: the output prefix (the shards' paths start with it).
      label_indices: class index of each label (manifest input; shards
        carry their indices).
    """
    super().__init__()
    self._settings = settings
    self._output = output
    self._label_indices = label_indices or {}

  def expand(self, clips):
    return (clips
            | 'Spread' >> beam.Reshuffle()
            | 'ClipFeatures' >> beam.ParDo(
                ClipFeatures(self._settings, self._label_indices))
            | 'WriteShards' >> sharded.WriteShards()
            | 'WriteIndex' >> beam.ParDo(WriteIndex(self._output)))


def execute(settings: Settings, output: str,
            options: pipeline_options.PipelineOptions, *,
            clips: Optional[Sequence[manifests.ClipSpec]] = None,
            shard_files: Optional[Sequence[str]] = None,
            label_indices: Optional[Dict[str, int]] = None,
            clips_per_shard: int = 256) -> List[sharded.Row]:
  """Runs the pipeline on clips of a manifest or on prepared shards.

  Args:
    settings: what to compute.
    output: the output prefix.
    options: Beam's pipeline options (runner and its settings).
    clips: a manifest's clips (sorted by media id into shards of about
      `clips_per_shard`), or
    shard_files: a set of prepared shards, in order (the features of shard
      i go to output shard i).
    label_indices: class index of each label (manifest input).
    clips_per_shard: see `clips`.

  Returns:
    The rows of OUT-clips.csv.

  Raises:
    ValueError: not exactly one of `clips` and `shard_files` given.
  """
  if (clips is None) == (shard_files is None):
    raise ValueError('give clips or shard_files')
  pipeline = beam.Pipeline(options=options)
  if shard_files is not None:
    inputs = (pipeline
              | 'ShardFiles' >> beam.Create([
                  (sharded.shard_path(output, i, len(shard_files)), path)
                  for i, path in enumerate(shard_files)])
              | 'ReadShards' >> beam.ParDo(ReadShard()))
  else:
    places = sharded.assign([c.media_id for c in clips], clips_per_shard)
    inputs = pipeline | 'Clips' >> beam.Create([
        (sharded.shard_path(output, *places[c.media_id]), c) for c in clips])
  _ = inputs | 'FeatureShards' >> FeatureShards(settings, output,
                                                label_indices)
  runner.run(pipeline)
  return read_index(output)


def _keyed(clip) -> Tuple[None, object]:
  return None, (clip if isinstance(clip, manifests.ClipSpec) else
                ('the input', clip))


def _record_or_log(keyed: Tuple[None, sharded.Outcome]) -> Iterator[bytes]:
  outcome = keyed[1]
  if outcome.error:
    logging.error('features of %s failed: %s', outcome.media_id,
                  outcome.error)
  else:
    yield outcome.record


class ExtractFeatures(beam.PTransform):
  """Clips (ClipSpecs or serialized SequenceExamples) to feature records;
  a clip that fails is logged and left out."""

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
            | 'Key' >> beam.Map(_keyed)
            | 'Spread' >> beam.Reshuffle()
            | 'ClipFeatures' >> beam.ParDo(
                ClipFeatures(self._settings, self._label_indices))
            | 'Records' >> beam.FlatMap(_record_or_log))
