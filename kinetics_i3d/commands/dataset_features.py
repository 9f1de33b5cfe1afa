r"""Extracts I3D features of every clip of a data set, on Apache Beam.

From prepared shards (`prepare_dataset.py`):

  python dataset_features.py --shards=OUT/train --output=FEATURES/train \
      [--eval_type=rgb|flow|joint] [--window=64] [--stride=64] \
      [--center_windows] [--crops=center|ten|full] [--preset=...]

or from a manifest, decoding the videos (the flags of `prepare_dataset.py`):

  python dataset_features.py --manifest=kinetics400/val.csv --videos=VIDEOS \
      --output=FEATURES/val --label_map=kinetics400

The protocol flags (--fps, --window, --stride, --center_windows, --crops,
--preset) are those of `extract_features.py`; shards hold frames at 25 fps.
Writes FEATURES/train-<i>-of-<n>.tfrecord: one `tf.train.Example` per clip
(see `kinetics_i3d/pipelines/features.py` for its keys), the features of
input shard i in output shard i (from a manifest: sorted media ids,
--clips_per_shard each), and FEATURES/train-clips.csv, every clip with its
shard or why it failed. Each worker loads the checkpoints of
--checkpoint_dir once. Runs on Beam's DirectRunner with a worker process per
core unless Beam pipeline options say otherwise (docs/datasets.md: Dask,
Dataflow, Flink, Spark). Exits with status 1 when a clip failed.
"""

from __future__ import annotations

import glob
import os
import sys
from typing import List, Optional, Sequence, Tuple

from absl import app
from absl import flags

from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import feature_protocols
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d.commands import common_flags
from kinetics_i3d.commands import locations
from kinetics_i3d.datasets import shards
from kinetics_i3d.models import streams as streams_lib
from kinetics_i3d.pipelines import layout
from kinetics_i3d.pipelines import options
from kinetics_i3d.video import decoding

# Heavy (TensorFlow, Beam): imported when a path first uses them.
features = lazy_modules.load('kinetics_i3d.pipelines.features')
features_lib = lazy_modules.load('kinetics_i3d.features')
manifests = lazy_modules.load('kinetics_i3d.datasets.manifests')

FLAGS = flags.FLAGS
_FAILURES_SHOWN = 5  # The rest are in the index.


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  flags.DEFINE_string(
      'shards', None, 'TFRecords from prepare_dataset.py (a folder or a glob); '
      'else --manifest/--videos.')
  options.define_manifest_flags()
  flags.DEFINE_string('output', None, 'Output prefix of the shards.',
                      required=True)
  common_flags.define_eval_type_flag('rgb', 'Streams: joint concatenates RGB and Flow.')
  common_flags.define_protocol_flags()
  flags.DEFINE_string(
      'checkpoint_dir', None,
      'The released checkpoints, a path every worker can read (default: '
      'data/checkpoints where it holds them, else the user cache).')
  common_flags.define_precision_flag()
  common_flags.define_int8_dir_flag()
  flags.DEFINE_integer('clips_per_shard', 256,
                       'Manifest input: clips per output file, about.')
  flags.DEFINE_string(
      'label_map', None, 'Manifest input: a file of class names in index '
      'order, or kinetics400; default: the sorted labels of the manifest.')
  common_flags.define_flow_backend_flag()
  common_flags.define_color_matrix_flag()


def _check_inputs() -> Tuple[feature_protocols.Protocol,
                              Optional[feature_protocols.Preset],
                              Optional[List[str]]]:
  """Checks the flags and inputs, before any work.

  Returns:
    The protocol, its preset (or None) and, from shards, the shard files.

  Raises:
    UsageError, InputError: the flags contradict each other or an input is
      missing.
  """
  if bool(FLAGS.shards) == bool(FLAGS.videos):
    raise app.UsageError('give --shards, or --videos (and --manifest)')
  if FLAGS.clips_per_shard < 1:
    raise app.UsageError('--clips_per_shard must be positive')
  protocol, preset = common_flags.protocol_and_preset()
  if FLAGS.shards and protocol.fps not in (None, decoding.FPS):
    raise errors.InputError(
        f'--fps={FLAGS.fps}: the shards hold frames at {decoding.FPS:g} fps; '
        'give --fps=25 or native, or extract from the videos (--manifest)')
  options.check_manifest_flags()
  return protocol, preset, (shards.shard_files(FLAGS.shards)
                            if FLAGS.shards else None)


def _run_pipeline(argv: Sequence[str], protocol: feature_protocols.Protocol,
                  preset: Optional[feature_protocols.Preset],
                  inputs: Optional[List[str]]) -> int:
  """Builds and runs the pipeline; returns the exit status."""
  if preset:
    print(common_flags.describe_preset(FLAGS.preset, preset), flush=True)
  streams = (tuple(preset.streams) if preset else
             streams_lib.EVAL_TYPES[FLAGS.eval_type])
  directory = locations.checkpoint_dir(
      [streams_lib.checkpoint_name(s, True) for s in streams],
      FLAGS.checkpoint_dir)
  settings = features.Settings(streams, directory, protocol, FLAGS.precision,
                               FLAGS.flow_backend, FLAGS.color_matrix,
                               FLAGS.int8_dir)
  # Fails here, with one line, rather than in every worker.
  features.check_checkpoints(settings)
  if FLAGS.precision == 'int8':  # Made here once, not in every worker.
    features_lib.load_predictor(streams, directory, precision='int8',
                                int8_dir=FLAGS.int8_dir)
  beam_options = options.beam_options(argv[1:])
  if inputs:
    try:
      rows = features.execute(settings, FLAGS.output, beam_options,
                              shard_files=inputs)
    except Exception as error:  # pylint: disable=broad-except
      # A shard that does not read fails the whole pipeline: name it.
      damaged = shards.find_damaged(inputs)
      if damaged is None:
        raise
      raise damaged from error
  else:
    specs = options.manifest_clips()
    names = manifests.label_names(
        specs, locations.data_set_classes(FLAGS.label_map))
    rows = features.execute(
        settings, FLAGS.output, beam_options, clips=specs,
        label_indices={n: i for i, n in enumerate(names)},
        clips_per_shard=FLAGS.clips_per_shard)
  failed = [row for row in rows if row[3]]
  for media_id, _, _, error, _ in failed[:_FAILURES_SHOWN]:
    print(f'failed: {media_id}: {error}')
  print(f'Features of {len(rows) - len(failed)} clips written to '
        f'{FLAGS.output}-*.tfrecord; {len(failed)} failed (all listed in '
        f'{layout.index_path(FLAGS.output)}).')
  return 1 if failed else 0


def _clear_output(prefix: str) -> None:
  """Removes what a stopped run left of the output; refuses a whole one.

  Raises:
    ExistingOutputError: the output is whole (its index, written last, is
      there).
  """
  index = layout.index_path(prefix)
  outputs.check_new(index, f'the features of {prefix} are there: remove '
                    'them to extract again')
  for path in glob.glob(f'{glob.escape(prefix)}-*-of-*.tfrecord'):
    outputs.remove(path)  # A stopped run's.


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  checked = _check_inputs()
  if '://' in FLAGS.output:  # No lock there; the pipeline cleans up.
    sys.exit(_run_pipeline(argv, *checked))
  directory = os.path.dirname(os.path.abspath(FLAGS.output))
  with outputs.writing(directory, 'dataset_features.py'):
    _clear_output(FLAGS.output)
    status = _run_pipeline(argv, *checked)
  sys.exit(status)


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__,
          flags_parser=options.parse_known_flags)


if __name__ == '__main__':
  run()
