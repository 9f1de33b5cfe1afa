"""The Beam pipeline that turns a manifest of clips into sharded TFRecords.

    clips (with their shard) --EncodeClips--> (shard, Outcome)
        --WriteShards--> OUT/<split>/<split>-i-of-n.tfrecord
        --WriteReports--> OUT/failures.csv, OUT/decoded.csv

Each split's clips are sorted by media id and cut into shards of about
`clips_per_shard` (`sharded.assign`), so the same manifest always gives the
same shards, byte for byte, on any runner. A shard is written whole under a
temporary name and renamed when complete, through Beam's file systems, so
that the output may be any folder every worker reaches (`gs://...`); shards
that exist are skipped before any decoding, so a rerun after an
interruption redoes only the shards that were in flight, and a retried
bundle rewrites the same file rather than adding clips. The last step
removes the temporaries that killed attempts left. `remove_damaged` rereads
every shard and removes those that do not read, for a run to make them
again. A clip that cannot be made (missing, broken or too short video) is
left out of its shard and listed in `OUT/failures.csv` with the reason; a
shard whose every clip failed is written empty, so that each split has all
its shards. `OUT/decoded.csv` names, for each clip that needed more than
decoding, what the decoder did (turned it upright, made its pixels square,
its colour matrix, a variable frame rate) and whether the video is shorter
than its manifest segment.
"""

import dataclasses
import os
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import apache_beam as beam
from apache_beam.options import pipeline_options
import cv2
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d.datasets import manifests
from kinetics_i3d.datasets import sequence_examples
from kinetics_i3d.datasets import shards
from kinetics_i3d.pipelines import files
from kinetics_i3d.pipelines import runner
from kinetics_i3d.pipelines import sharded
from kinetics_i3d.video import decoding
from kinetics_i3d.video import display
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import preprocessing

FAILURES_FILE = 'failures.csv'
DECODED_FILE = 'decoded.csv'
LABEL_MAP_FILE = 'label_map.txt'
_FAILURES_HEADER = ('media_id', 'video', 'reason')
_DECODED_HEADER = ('media_id', 'video', 'decoded')


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
    color_matrix: the colour policy, one of `display.COLOR_MATRICES`.
  """
  output_dir: str
  streams: Tuple[str, ...] = ('rgb', 'flow')
  jpeg_quality: int = 96
  flow_jpeg_quality: int = 90
  flow_backend: str = 'auto'
  clips_per_shard: int = 16
  color_matrix: str = display.DEFAULT_COLOR_MATRIX


def shard_paths(clips: Sequence[manifests.ClipSpec], output_dir: str,
                clips_per_shard: int) -> Dict[str, str]:
  """The shard file of each clip's media id, split by split."""
  by_split: Dict[str, List[str]] = {}
  for clip in clips:
    by_split.setdefault(clip.split, []).append(clip.media_id)
  paths = {}
  for split, media_ids in by_split.items():
    prefix = os.path.join(output_dir, split, split)
    for media_id, (index, count) in sharded.assign(media_ids,
                                                   clips_per_shard).items():
      paths[media_id] = sharded.shard_path(prefix, index, count)
  return paths


class EncodeClip(beam.DoFn):
  """Decodes, resizes and (for flow) runs TV-L1 on one clip, then encodes it.

  Outputs (shard path, `sharded.Outcome`): the serialized SequenceExample,
  or why the clip could not be made.
  """

  def __init__(self, settings: Settings, label_indices: Dict[str, int]):
    self._settings = settings
    self._label_indices = label_indices
    self._engine = None

  def setup(self):
    # Beam runs a worker per core: one OpenCV thread each keeps them apart.
    cv2.setNumThreads(1)
    if 'flow' in self._settings.streams:
      self._engine = optical_flow.flow_engine(self._settings.flow_backend)

  def teardown(self):
    if self._engine is not None:
      self._engine.close()

  def _encode(self, clip: manifests.ClipSpec) -> Tuple[bytes, str]:
    if not clip.video:
      raise errors.MissingFileError(
          'no video for it in --videos (neither <youtube_id>_<start>_<end> '
          'nor <youtube_id> with a video extension)')
    builder = sequence_examples.ClipBuilder(
        clip.media_id, self._label_indices.get(clip.label, -1), clip.label,
        clip.clip_start_sec, clip.clip_end_sec, self._settings.jpeg_quality,
        self._settings.flow_jpeg_quality)
    with files.local_copy(clip.video) as path:
      for chunk in preprocessing.stream_video(
          path, rgb='rgb' in self._settings.streams,
          flow='flow' in self._settings.streams, start_sec=clip.start_sec,
          end_sec=clip.end_sec, flow_engine=self._engine, cropped=False,
          color_matrix=self._settings.color_matrix):
        builder.add(chunk)
      notes = decoding.probe(path, self._settings.color_matrix).notes(
          clip.segment_sec)
    # Frame times from the source video's start.
    offset = clip.clip_start_sec if clip.start_sec is None else 0.0
    # Deterministic: map fields in key order, the same bytes in any process.
    return builder.example(offset).SerializeToString(deterministic=True), notes

  def process(self, element):
    shard, clip = element
    try:
      (record, notes), error = self._encode(clip), ''
    except Exception as failure:  # pylint: disable=broad-except
      # A video that breaks the decoder or OpenCV must not stop the run.
      record, notes, error = None, '', sharded.reason(failure)
    yield shard, sharded.Outcome(clip.media_id, clip.video or '', record,
                                 error, notes)



def _read_report(output_dir: str, name: str,
                 header: Sequence[str]) -> List[Tuple[str, ...]]:
  return [tuple(r[key] for key in header) for r in files.read_csv(
      os.path.join(output_dir, name))]


def read_failures(output_dir: str) -> List[Tuple[str, str, str]]:
  """The rows of OUT/failures.csv (media id, video, reason), if any."""
  return _read_report(output_dir, FAILURES_FILE, _FAILURES_HEADER)


def read_decoded(output_dir: str) -> List[Tuple[str, str, str]]:
  """The rows of OUT/decoded.csv (media id, video, what the decoder did),
  if any."""
  return _read_report(output_dir, DECODED_FILE, _DECODED_HEADER)


class WriteReports(beam.DoFn):
  """Writes this run's failures and decoder notes, with the earlier ones
  of skipped clips, then removes the temporaries killed attempts left;
  outputs the number of failures."""

  def __init__(self, output_dir: str, skipped_ids: Iterable[str]):
    self._output_dir = output_dir
    self._skipped = frozenset(skipped_ids)

  def _write(self, name, header, read, rows) -> int:
    earlier = [row for row in read(self._output_dir)
               if row[0] in self._skipped]
    files.write_csv(os.path.join(self._output_dir, name), header,
                    sorted(earlier + rows))
    return len(earlier) + len(rows)

  def process(self, rows: List[sharded.Row]):
    failed = self._write(FAILURES_FILE, _FAILURES_HEADER, read_failures, [
        (media_id, video, error) for media_id, video, _, error, _ in rows
        if error])
    self._write(DECODED_FILE, _DECODED_HEADER, read_decoded, [
        (media_id, video, notes) for media_id, video, _, _, notes in rows
        if notes])
    files.remove_temporaries([os.path.join(self._output_dir, '*'),
                              os.path.join(self._output_dir, '*', '*')])
    yield failed


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
    return (pipeline
            | 'Clips' >> beam.Create(self._clips)
            | 'Spread' >> beam.Reshuffle()
            | 'EncodeClips' >> beam.ParDo(
                EncodeClip(self._settings, self._label_indices))
            | 'WriteShards' >> sharded.WriteShards()
            | 'WriteReports' >> beam.ParDo(
                WriteReports(self._settings.output_dir, self._skipped_ids)))


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
  manifests.check_unique(clips)
  names = manifests.label_names(clips, label_map)
  label_path = os.path.join(settings.output_dir, LABEL_MAP_FILE)
  if files.exists(label_path):
    if files.read_lines(label_path) != names:
      raise errors.InputError(
          f'{label_path} lists other classes than this run would use: give '
          'the same --label_map and manifest, or another --output_dir')
  paths = shard_paths(clips, settings.output_dir, settings.clips_per_shard)
  done = {p for p in set(paths.values()) if files.exists(p)}
  pending = [(paths[c.media_id], c) for c in clips
             if paths[c.media_id] not in done]
  skipped = [c.media_id for c in clips if paths[c.media_id] in done]
  return Plan(pending, skipped, names)


def _write_label_map(output_dir: str, names: Sequence[str]) -> None:
  with files.written_whole(os.path.join(output_dir, LABEL_MAP_FILE)) as f:
    f.write(''.join(f'{name}\n' for name in names).encode())


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
  runner.run(pipeline)
  # Counted from the output, which every runner writes alike.
  pending = {clip.media_id for _, clip in work.pending}
  failed = sum(row[0] in pending for row in read_failures(settings.output_dir))
  return len(pending) - failed, failed
