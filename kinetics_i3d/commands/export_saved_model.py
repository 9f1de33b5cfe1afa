"""Exports the released I3D streams as a TensorFlow SavedModel.

  python export_saved_model.py --eval_type=rgb|flow|joint --output=DIR
      [--imagenet_pretrained] [--checkpoint_dir] [--precision]

Serving signatures `logits` (default), `probabilities` and `features`, each
taking float32 clips of any batch size and length per stream (inputs `rgb`
and/or `flow`); see `kinetics_i3d/models/export.py`.
"""

from __future__ import annotations

from typing import Sequence

from absl import app
from absl import flags
from absl import logging

from kinetics_i3d import cli
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d.commands import common_flags
from kinetics_i3d.commands import locations
from kinetics_i3d.models import precision
from kinetics_i3d.models import streams

# Heavy (TensorFlow, Beam): imported when a path first uses them.
export = lazy_modules.load('kinetics_i3d.models.export')
inference = lazy_modules.load('kinetics_i3d.models.inference')

FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  common_flags.define_eval_type_flag('joint', 'Streams to export.')
  flags.DEFINE_string('output', None, 'SavedModel folder.',
                      required=True)
  common_flags.define_checkpoint_flags()
  flags.DEFINE_enum(
      'precision', 'float32', list(precision.ARITHMETICS),
      'Arithmetic of the exported graph, as asked whatever this machine '
      'does: a SavedModel runs where it is served.')
  flags.DEFINE_boolean('overwrite', False,
                       'Replace an existing output folder.')


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  stream_names = streams.EVAL_TYPES[FLAGS.eval_type]
  outputs.check_new(FLAGS.output, overwrite=FLAGS.overwrite)
  if FLAGS.precision != 'float32':
    supported, reason = precision.support(FLAGS.precision)
    if not supported:
      logging.warning(
          'The SavedModel computes in %s, as asked, but %s: served on this '
          'machine it would be slow. Serve it where %s is fast (a CPU with '
          'AVX512_BF16/AMX or AVX512_FP16, a recent GPU).', FLAGS.precision,
          reason, FLAGS.precision)
  predictor = inference.Predictor(
      locations.load_models(stream_names, FLAGS.checkpoint_dir,
                            FLAGS.imagenet_pretrained), FLAGS.precision,
      follow_hardware=False)
  export.export(predictor, FLAGS.output, overwrite=FLAGS.overwrite)
  print(f'Wrote SavedModel {FLAGS.output} ({", ".join(stream_names)}, '
        f'{FLAGS.precision}): signatures logits, probabilities, features.')


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
