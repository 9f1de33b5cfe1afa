r"""Prepares a video data set as sharded TFRecords, on Apache Beam.

Kinetics (a CSV of the official layout, videos as trimmed clips or whole):

  python prepare_dataset.py --manifest=kinetics400/train.csv \
      --videos=VIDEOS --output_dir=OUT --label_map=kinetics400

A folder of class folders (UCF101, HMDB51), with optional split lists:

  python prepare_dataset.py --videos=UCF101 --output_dir=OUT \
      --split_lists=lists/trainlist01.txt,lists/testlist01.txt

Writes OUT/<split>/<split>-<i>-of-<n>.tfrecord (SequenceExamples in
MediaPipe's Kinetics layout: JPEG frames at 25 fps with the short side 256,
JPEG-quantised TV-L1 flow), OUT/label_map.txt and OUT/failures.csv. Reruns
skip finished shards and remove what a killed run left half-written; a
second run on the same OUT at the same time is refused. --verify first
rereads every finished shard (every record and its CRCs) and removes the
damaged ones, which the run then makes again. Runs on Beam's DirectRunner
with one worker process per core unless Beam pipeline options say otherwise
(e.g. --runner=DaskRunner --dask_client_address=tcp://HOST:8786, or
--runner=DataflowRunner --project=... --region=... --temp_location=gs://...
--setup_file=./setup.py; docs/datasets.md, "On a cluster"). Exits with status
1 when a clip failed.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Sequence, Tuple

from absl import app
from absl import flags

from kinetics_i3d import cli
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d.commands import common_flags
from kinetics_i3d.commands import locations
from kinetics_i3d.pipelines import options

# Heavy (TensorFlow, Beam): imported when a path first uses them.
prepare = lazy_modules.load('kinetics_i3d.pipelines.prepare')

FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  options.define_manifest_flags()
  flags.DEFINE_string('output_dir', None, 'Output folder.',
                      required=True)
  flags.DEFINE_list('streams', ['rgb', 'flow'], 'rgb, flow or both.')
  flags.DEFINE_string(
      'label_map', None, 'A file of class names in index order, or '
      'kinetics400 for the release\'s Kinetics-400 order; default: the '
      'sorted labels of the manifest.')
  flags.DEFINE_integer(
      'jpeg_quality', 96, 'JPEG quality of the RGB frames (docs/datasets.md '
      'has the measurements behind the default).')
  flags.DEFINE_integer(
      'flow_jpeg_quality', 90, 'JPEG quality of the quantised flow images.')
  flags.DEFINE_integer('clips_per_shard', 16,
                       'Clips per TFRecord file, about.')
  flags.DEFINE_boolean('verify', False,
                       'First reread every finished shard and remake the '
                       'damaged ones.')
  common_flags.define_flow_backend_flag()
  common_flags.define_color_matrix_flag()


def _check_flags() -> Tuple[str, ...]:
  """Checks the flags and inputs, before any work; returns the streams.

  Raises:
    UsageError, MissingFileError: a flag is wrong or an input is missing.
  """
  streams = tuple(s for s in ('rgb', 'flow') if s in FLAGS.streams)
  if not streams or set(FLAGS.streams) - {'rgb', 'flow'}:
    raise app.UsageError('--streams takes rgb, flow or rgb,flow')
  if not (1 <= FLAGS.jpeg_quality <= 100 and
          1 <= FLAGS.flow_jpeg_quality <= 100):
    raise app.UsageError('--jpeg_quality and --flow_jpeg_quality take 1 to 100')
  if FLAGS.clips_per_shard < 1:
    raise app.UsageError('--clips_per_shard must be positive')
  if not FLAGS.videos:
    raise app.UsageError('give --videos')
  options.check_manifest_flags()
  return streams


def _run_pipeline(argv: Sequence[str], streams: Tuple[str, ...],
                  label_map: Optional[List[str]]) -> int:
  """Builds and runs the pipeline; returns the exit status."""
  settings = prepare.Settings(FLAGS.output_dir, streams, FLAGS.jpeg_quality,
                              FLAGS.flow_jpeg_quality, FLAGS.flow_backend,
                              FLAGS.clips_per_shard, FLAGS.color_matrix)
  clips = options.manifest_clips()
  for path, reason in (prepare.remove_damaged(settings.output_dir)
                       if FLAGS.verify else []):
    print(f'damaged: {path} ({reason}): removed, made again below')
  work = prepare.plan(clips, settings, label_map)
  print(f'{len(clips)} clips: {len(work.skipped)} in finished shards, '
        f'{len(work.pending)} to make.', flush=True)
  written, failed = prepare.execute(work, settings,
                                    options.beam_options(argv[1:]))
  print(f'{written} clips written, {len(work.skipped)} skipped (finished '
        f'shards), {failed} failed' +
        (f': see {os.path.join(settings.output_dir, prepare.FAILURES_FILE)}'
         if failed else '') + '.')
  noted = len(prepare.read_decoded(settings.output_dir))
  if noted:
    print(f'{noted} clips needed more than decoding (turned, square pixels, '
          'colour, frame rate) or are shorter than their segment: see '
          f'{os.path.join(settings.output_dir, prepare.DECODED_FILE)}.')
  return 1 if failed else 0


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  streams = _check_flags()
  label_map = locations.data_set_classes(FLAGS.label_map)
  if '://' in FLAGS.output_dir:  # No lock there; the pipeline cleans up.
    sys.exit(_run_pipeline(argv, streams, label_map))
  with outputs.writing(FLAGS.output_dir, 'prepare_dataset.py') as stale:
    if stale:
      print(f'Removed {len(stale)} files a stopped run left unfinished.')
    status = _run_pipeline(argv, streams, label_map)
  sys.exit(status)


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__,
          flags_parser=options.parse_known_flags)


if __name__ == '__main__':
  run()
