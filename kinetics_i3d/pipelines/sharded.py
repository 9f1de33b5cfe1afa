"""The steps both pipelines end with: clips into TFRecord shards, one report.

    (shard path, Outcome) --GroupByShard--> --WriteShard--> shard files
        --Gather--> one list of every clip's row (media id, source, shard,
        error, notes), which the pipeline's last step writes as its report

Which clip goes to which shard is fixed before the run (`assign`: sorted
media ids cut into equal runs), so the same input gives the same files on
every runner. Each shard is written whole (`files.write_tfrecords`), its
records sorted by media id, once per clip even when a retried bundle
repeats one, and empty when its every clip failed, so that a set always has
all its shards. Every step has one output and the chain one end: a runner
that computes only what the last step needs (Beam's DaskRunner) runs it
all, and the counts come from the report rather than from Beam's metrics,
which not every runner collects.
"""

import math
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import apache_beam as beam

from kinetics_i3d import errors
from kinetics_i3d.pipelines import files

# (media id, source, shard or '', error or '', notes or '')
Row = Tuple[str, str, str, str, str]


class Outcome(NamedTuple):
  """What became of one clip.

  Attributes:
    media_id: the clip's id.
    source: where it came from (its video, or its input record).
    record: the serialized record to write, or None when it failed.
    error: why it failed, or ''.
    notes: what the decoder did beyond decoding (`decoding.Probe.notes`),
      or ''.
  """
  media_id: str
  source: str
  record: Optional[bytes]
  error: str = ''
  notes: str = ''


def reason(failure: Exception) -> str:
  """A failure's line in a report: the message of a user's mistake (an
  InputError, which says what to do), else the exception's type too."""
  if isinstance(failure, errors.InputError):
    return str(failure)
  return f'{type(failure).__name__}: {failure}'


def assign(media_ids: Sequence[str], per_shard: int) -> Dict[str, Tuple[int,
                                                                          int]]:
  """(index, count) of each media id's shard: sorted ids, cut in order into
  ceil(len / per_shard) runs of equal length (give or take one)."""
  ordered = sorted(media_ids)
  count = max(1, math.ceil(len(ordered) / per_shard))
  return {m: (i * count // len(ordered), count) for i, m in enumerate(ordered)}


def shard_path(prefix: str, index: int, count: int) -> str:
  """'<prefix>-<index>-of-<count>.tfrecord', the project's shard names."""
  return f'{prefix}-{index:05d}-of-{count:05d}.tfrecord'


class WriteShard(beam.DoFn):
  """Writes one shard's records, sorted by media id; outputs its rows."""

  def process(self, element):
    path, outcomes = element
    unique = {o.media_id: o for o in outcomes}  # A retried bundle repeats.
    clips = [unique[m] for m in sorted(unique)]
    files.write_tfrecords(path, [c.record for c in clips if not c.error])
    yield [(c.media_id, c.source, '' if c.error else path, c.error, c.notes)
           for c in clips]


def _one_key(rows: List[Row]) -> Tuple[None, List[Row]]:
  return None, rows


def _all_rows(keyed) -> List[Row]:
  return sorted(row for rows in keyed[1] for row in rows)


class WriteShards(beam.PTransform):
  """(shard path, Outcome)s to shard files; outputs one list of all rows."""

  def expand(self, outcomes):
    return (outcomes
            | 'GroupByShard' >> beam.GroupByKey()
            | 'WriteShard' >> beam.ParDo(WriteShard())
            | 'OneKey' >> beam.Map(_one_key)
            | 'Gather' >> beam.GroupByKey()
            | 'AllRows' >> beam.Map(_all_rows))
