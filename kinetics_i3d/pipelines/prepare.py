"""The Beam pipeline that turns a manifest of clips into sharded TFRecords.

    clips (with their shard) --EncodeClips--> (shard, example)
        --GroupByShard--> --WriteShards--> OUT/<split>/<split>-i-of-n.tfrecord
    failures --WriteFailures--> OUT/failures.csv

Each split's clips are sorted by media id and cut into shards of about
`clips_per_shard`, so the same manifest always gives the same shards. A shard
is written whole under a temporary name and renamed when complete; shards
that exist are skipped before any decoding, so a rerun after an interruption
redoes only the shards that were in flight (the command first removes the
temporaries a killed run left), and a retried bundle rewrites the same file
rather than adding clips. `remove_damaged` rereads every shard and removes
those that do not read, for a run to make them again. A clip that cannot be
made (missing, broken or too short video) is left out of its shard and
listed in `OUT/failures.csv` with the reason; a shard whose every clip
failed is written empty, so that each split has all its shards.
"""

import contextlib
import csv
import dataclasses
import io
import math
import os
import shutil
import tempfile
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.options import pipeline_options
import cv2
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import outputs
from kinetics_i3d.datasets import manifests
from kinetics_i3d.datasets import sequence_examples
from kinetics_i3d.datasets import shards
from kinetics_i3d.pipelines import counters
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import preprocessing

FAILURES_FILE = 'failures.csv'
LABEL_MAP_FILE = 'label_map.txt'
_COUNTERS = 'prepare_dataset'


@dataclasses.dataclass(frozen=True)
class Settings:
  """What the pipeline makes.

  Attributes:
    output_dir: the data set's folder (local or a Beam file system).
    streams: ('rgb',), ('flow',) or both.
    jpeg_quality: JPEG quality of the RGB frames.
    flow_jpeg_quality: JPEG quality of the flow images.
    flow_backend: one of `optical_flow.BACKENDS`.
    clips_per_shard: clips per TFRecord file, about.
  """
  output_dir: str
  streams: Tuple[str, ...] = ('rgb', 'flow')
  jpeg_quality: int = 96
  flow_jpeg_quality: int = 90
  flow_backend: str = 'auto'
  clips_per_shard: int = 16


def shard_paths(clips: Sequence[manifests.ClipSpec], output_dir: str,
                clips_per_shard: int) -> Dict[str, str]:
  """The shard file of each clip's media id, split by split."""
  by_split: Dict[str, List[manifests.ClipSpec]] = {}
  for clip in clips:
    by_split.setdefault(clip.split, []).append(clip)
  paths = {}
  for split, members in by_split.items():
    members.sort(key=lambda c: c.media_id)
    count = max(1, math.ceil(len(members) / clips_per_shard))
    for i, clip in enumerate(members):
      index = i * count // len(members)
      paths[clip.media_id] = os.path.join(
          output_dir, split, f'{split}-{index:05d}-of-{count:05d}.tfrecord')
  return paths


def check_unique(clips: Sequence[manifests.ClipSpec]) -> None:
  """Raises InputError when two clips share a media id."""
  seen = set()
  for clip in clips:
    if clip.media_id in seen:
      raise errors.InputError(f'the manifest lists {clip.media_id} twice')
    seen.add(clip.media_id)


class EncodeClip(beam.DoFn):
  """Decodes, resizes and (for flow) runs TV-L1 on one clip, then encodes it.

  Outputs (shard path, (media id, serialized SequenceExample)), or on the
  'failed' output (media id, video, reason).
  """

  FAILED = 'failed'

  def __init__(self, settings: Settings, label_indices: Dict[str, int]):
    self._settings = settings
    self._label_indices = label_indices
    self._engine = None
    self._failed = Metrics.counter(_COUNTERS, 'clips_failed')

  def setup(self):
    # Beam runs a worker per core: one OpenCV thread each keeps them apart.
    cv2.setNumThreads(1)
    if 'flow' in self._settings.streams:
      self._engine = optical_flow.flow_engine(self._settings.flow_backend)

  def teardown(self):
    if self._engine is not None:
      self._engine.close()

  def _encode(self, clip: manifests.ClipSpec) -> bytes:
    if not clip.video:
      raise errors.MissingFileError(
          'no video for it in --videos (neither <youtube_id>_<start>_<end> '
          'nor <youtube_id> with a video extension)')
    builder = sequence_examples.ClipBuilder(
        clip.media_id, self._label_indices.get(clip.label, -1), clip.label,
        clip.clip_start_sec, clip.clip_end_sec, self._settings.jpeg_quality,
        self._settings.flow_jpeg_quality)
    with _local_path(clip.video) as path:
      for chunk in preprocessing.stream_video(
          path, rgb='rgb' in self._settings.streams,
          flow='flow' in self._settings.streams, start_sec=clip.start_sec,
          end_sec=clip.end_sec, flow_engine=self._engine, cropped=False):
        builder.add(chunk)
    # Frame times from the source video's start.
    offset = clip.clip_start_sec if clip.start_sec is None else 0.0
    return builder.example(offset).SerializeToString()

  def process(self, element):
    shard, clip = element
    try:
      yield shard, (clip.media_id, self._encode(clip))
    except errors.InputError as error:
      self._failed.inc()
      yield beam.pvalue.TaggedOutput(self.FAILED,
                                     (clip.media_id, clip.video, str(error)))
    except Exception as error:  # pylint: disable=broad-except
      # A video that breaks the decoder or OpenCV must not stop the run.
      self._failed.inc()
      yield beam.pvalue.TaggedOutput(
          self.FAILED,
          (clip.media_id, clip.video, f'{type(error).__name__}: {error}'))


@contextlib.contextmanager
def _local_path(path: str) -> Iterator[str]:
  """A local path for a video on any Beam file system (copied if remote)."""
  if os.path.exists(path):
    yield path
    return
  with tempfile.NamedTemporaryFile(suffix=os.path.splitext(path)[1]) as copy:
    with beam.io.filesystems.FileSystems.open(path) as source:
      shutil.copyfileobj(source, copy)
    copy.flush()
    yield copy.name


@contextlib.contextmanager
def _written_whole(path: str) -> Iterator[str]:
  """Yields a temporary name (`outputs.temporary_name`) to write `path` under,
  on any file system TensorFlow reaches, and renames it to `path` after the
  block, so that readers never see the file half-written."""
  temporary = outputs.temporary_name(path)
  yield temporary
  tf.io.gfile.rename(temporary, path, overwrite=True)


class WriteShard(beam.DoFn):
  """Writes one shard's examples, sorted by media id, then renames it."""

  def __init__(self):
    self._written = Metrics.counter(_COUNTERS, 'clips_written')

  def process(self, element):
    path, examples = element
    unique = dict(examples)  # A retried bundle may repeat a clip.
    tf.io.gfile.makedirs(os.path.dirname(path))
    with _written_whole(path) as temporary, tf.io.TFRecordWriter(
        temporary) as writer:
      for media_id in sorted(unique):
        writer.write(unique[media_id])
    self._written.inc(len(unique))
    yield path


def read_failures(output_dir: str) -> List[Tuple[str, str, str]]:
  """The rows of OUT/failures.csv, if there is one."""
  path = os.path.join(output_dir, FAILURES_FILE)
  if not tf.io.gfile.exists(path):
    return []
  with tf.io.gfile.GFile(path) as f:
    return [(r['media_id'], r['video'], r['reason'])
            for r in csv.DictReader(f)]


class WriteFailures(beam.DoFn):
  """Writes this run's failures, and the earlier ones of skipped clips."""

  def __init__(self, output_dir: str, skipped_ids: Iterable[str]):
    self._output_dir = output_dir
    self._skipped = frozenset(skipped_ids)

  def process(self, failures):
    earlier = [row for row in read_failures(self._output_dir)
               if row[0] in self._skipped]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(['media_id', 'video', 'reason'])
    writer.writerows(sorted(earlier + list(failures)))
    path = os.path.join(self._output_dir, FAILURES_FILE)
    with _written_whole(path) as temporary, tf.io.gfile.GFile(
        temporary, 'w') as f:
      f.write(text.getvalue())
    yield len(earlier) + len(failures)


class PrepareClips(beam.PTransform):
  """Clips to TFRecord shards in OUT/<split>/ and OUT/failures.csv."""

  def __init__(self, clips: Sequence[Tuple[str, manifests.ClipSpec]],
               settings: Settings, label_indices: Dict[str, int],
               skipped_ids: Iterable[str]):
    super().__init__()
    self._clips = list(clips)
    self._settings = settings
    self._label_indices = label_indices
    self._skipped_ids = list(skipped_ids)

  def expand(self, pipeline):
    encoded = (
        pipeline
        | 'Clips' >> beam.Create(self._clips)
        | 'Spread' >> beam.Reshuffle()
        | 'EncodeClips' >> beam.ParDo(
            EncodeClip(self._settings, self._label_indices)).with_outputs(
                EncodeClip.FAILED, main='examples'))
    shards = (
        encoded.examples
        | 'GroupByShard' >> beam.GroupByKey()
        | 'WriteShards' >> beam.ParDo(WriteShard()))
    failures = (
        encoded[EncodeClip.FAILED]
        | 'CollectFailures' >> beam.combiners.ToList()
        | 'WriteFailures' >> beam.ParDo(
            WriteFailures(self._settings.output_dir, self._skipped_ids)))
    return shards, failures


@dataclasses.dataclass
class Plan:
  """What a run will do: the clips to make and the ones already done."""
  pending: List[Tuple[str, manifests.ClipSpec]]
  skipped: List[str]
  label_names: List[str]


def plan(clips: Sequence[manifests.ClipSpec], settings: Settings,
         label_map: Optional[Sequence[str]] = None) -> Plan:
  """Assigns shards, skips finished ones and fixes the label indices.

  Raises:
    InputError: duplicate media ids, labels missing from `label_map`, or
      an existing label map of the output that differs.
  """
  check_unique(clips)
  names = manifests.label_names(clips, label_map)
  label_path = os.path.join(settings.output_dir, LABEL_MAP_FILE)
  if tf.io.gfile.exists(label_path):
    with tf.io.gfile.GFile(label_path) as f:
      existing = [line.strip() for line in f if line.strip()]
    if existing != names:
      raise errors.InputError(
          f'{label_path} lists other classes than this run would use: give '
          'the same --label_map and manifest, or another --output_dir')
  paths = shard_paths(clips, settings.output_dir, settings.clips_per_shard)
  done = {p for p in set(paths.values()) if tf.io.gfile.exists(p)}
  pending = [(paths[c.media_id], c) for c in clips
             if paths[c.media_id] not in done]
  skipped = [c.media_id for c in clips if paths[c.media_id] in done]
  return Plan(pending, skipped, names)


def _write_label_map(output_dir: str, names: Sequence[str]) -> None:
  tf.io.gfile.makedirs(output_dir)
  path = os.path.join(output_dir, LABEL_MAP_FILE)
  with _written_whole(path) as temporary, tf.io.gfile.GFile(temporary,
                                                            'w') as f:
    f.write(''.join(f'{name}\n' for name in names))


def remove_damaged(output_dir: str) -> List[Tuple[str, str]]:
  """Reads every finished shard of every split, removing the damaged ones.

  A damaged shard (a record cut short or whose CRC does not match) is
  removed, so that the run that follows makes it again.

  Returns:
    (shard, reason) of each shard removed.
  """
  removed = []
  for path in sorted(tf.io.gfile.glob(os.path.join(output_dir, '*',
                                                   '*.tfrecord'))):
    reason = shards.read_error(path)
    if reason:
      tf.io.gfile.remove(path)
      removed.append((path, reason))
  return removed


def execute(work: Plan, settings: Settings,
            options: pipeline_options.PipelineOptions
           ) -> Tuple[int, int]:
  """Writes the label map and runs the pipeline on the pending clips.

  Args:
    work: from `plan`.
    settings: what to make.
    options: Beam's pipeline options (runner and its settings).

  Returns:
    (clips written, clips failed).
  """
  _write_label_map(settings.output_dir, work.label_names)
  if not work.pending:
    return 0, 0
  label_indices = {n: i for i, n in enumerate(work.label_names)}
  pipeline = beam.Pipeline(options=options)
  _ = pipeline | 'PrepareClips' >> PrepareClips(work.pending, settings,
                                                label_indices, work.skipped)
  result = pipeline.run()
  result.wait_until_finish()
  # A shard whose every clip failed is written empty, so that the split has
  # all its shards (its readers take none or all).
  for path in sorted({path for path, _ in work.pending}):
    if not tf.io.gfile.exists(path):
      with _written_whole(path) as temporary:
        tf.io.TFRecordWriter(temporary).close()
  return (counters.total(result, _COUNTERS, 'clips_written'),
          counters.total(result, _COUNTERS, 'clips_failed'))
