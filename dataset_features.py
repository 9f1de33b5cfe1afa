r"""Extracts I3D features of every clip of a data set, on Apache Beam.

From prepared shards (`prepare_dataset.py`):

  python dataset_features.py --shards=OUT/train --output=FEATURES/train \
      [--eval_type=rgb|flow|joint] [--window=64] [--stride=64]

or from a manifest, decoding the videos (the flags of `prepare_dataset.py`):

  python dataset_features.py --manifest=kinetics400/val.csv --videos=VIDEOS \
      --output=FEATURES/val --label_map=data/label_map.txt

Writes FEATURES/train-<i>-of-<n>.tfrecord: one `tf.train.Example` per clip
(see `kinetics_i3d/pipelines/features.py` for its keys). Each worker loads
the checkpoints of --checkpoint_dir once. Runs on Beam's DirectRunner with a
worker process per core unless Beam pipeline options say otherwise. Exits
with status 1 when a clip failed.
"""

import sys
from typing import Sequence

from absl import app
from absl import flags
import apache_beam as beam

from kinetics_i3d import cli
from kinetics_i3d.datasets import label_maps
from kinetics_i3d.datasets import manifests
from kinetics_i3d.datasets import training_data
from kinetics_i3d.pipelines import features
from kinetics_i3d.pipelines import options
from kinetics_i3d.video import optical_flow

_SHARDS = flags.DEFINE_string(
    'shards', None, 'TFRecords from prepare_dataset.py (a folder or a glob); '
    'else --manifest/--videos.')
_CLIPS = options.define_manifest_flags()
_OUTPUT = flags.DEFINE_string('output', None, 'Output prefix of the shards.',
                              required=True)
_EVAL_TYPE = flags.DEFINE_enum('eval_type', 'rgb', ['rgb', 'flow', 'joint'],
                               'Streams: joint concatenates RGB and Flow.')
_WINDOW = flags.DEFINE_integer('window', 64, 'Frames per window.')
_STRIDE = flags.DEFINE_integer('stride', 64, 'Frames between windows.')
_CHECKPOINT_DIR = flags.DEFINE_string(
    'checkpoint_dir', 'data/checkpoints',
    'The released checkpoints (a path every worker can read).')
_PRECISION = flags.DEFINE_enum('precision', 'float32',
                               ['float32', 'bfloat16'], 'Inference precision.')
_LABEL_MAP = flags.DEFINE_string(
    'label_map', None, 'Manifest input: class names in index order; '
    'default: the sorted labels of the manifest.')
_FLOW_BACKEND = optical_flow.define_backend_flag()


def run(argv: Sequence[str]) -> int:
  """Builds and runs the pipeline; returns the exit status."""
  if bool(_SHARDS.value) == bool(_CLIPS.videos.value):
    raise app.UsageError('give --shards, or --videos (and --manifest)')
  if _WINDOW.value < 1 or _STRIDE.value < 1:
    raise app.UsageError('--window and --stride must be positive')
  streams = ('rgb', 'flow') if _EVAL_TYPE.value == 'joint' else (
      _EVAL_TYPE.value,)
  settings = features.Settings(streams, _CHECKPOINT_DIR.value, _WINDOW.value,
                               _STRIDE.value, _PRECISION.value,
                               _FLOW_BACKEND.value)
  # Fails here, with one line, rather than in every worker.
  features.check_checkpoints(settings)
  pipeline = beam.Pipeline(options=options.beam_options(argv[1:]))
  if _SHARDS.value:
    pattern = training_data.tfrecord_pattern(_SHARDS.value)
    clips = pipeline | 'ReadShards' >> beam.io.ReadFromTFRecord(pattern)
    label_indices = None
  else:
    specs = _CLIPS.clips()
    label_map = (label_maps.read_names(_LABEL_MAP.value)
                 if _LABEL_MAP.value else None)
    names = manifests.label_names(specs, label_map)
    label_indices = {n: i for i, n in enumerate(names)}
    clips = pipeline | 'Clips' >> beam.Create(specs)
  _ = (clips
       | 'ExtractFeatures' >> features.ExtractFeatures(settings, label_indices)
       | 'Write' >> beam.io.WriteToTFRecord(_OUTPUT.value,
                                            file_name_suffix='.tfrecord'))
  result = pipeline.run()
  result.wait_until_finish()
  done, failed = features.counts(result)
  print(f'Features of {done} clips written to {_OUTPUT.value}-*.tfrecord; '
        f'{failed} failed' + (' (see the log above)' if failed else '') + '.')
  return 1 if failed else 0


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  sys.exit(run(argv))


if __name__ == '__main__':
  app.run(main, flags_parser=options.parse_known_flags)
