"""Inflates a TF-Slim Inception-v1 ImageNet checkpoint into I3D filters.

  python inflate_imagenet.py --inception_v1_checkpoint=inception_v1.ckpt \
      --output=data/checkpoints/rgb_inflated/model.ckpt [--stream=rgb|flow]

The TF-Slim checkpoint (`inception_v1_2016_08_28.tar.gz` of the TF-Slim model
zoo) is not downloadable here; with it, the output is the starting point of
the paper's ImageNet-pretrained training: `train.py --init_checkpoint=...`
(the logits layer is created for the new classes). See
`kinetics_i3d/models/inflation.py`.
"""

from __future__ import annotations

import os
from typing import Sequence

from absl import app
from absl import flags

from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs

# Heavy (TensorFlow, Beam): imported when a path first uses them.
inflation = lazy_modules.load('kinetics_i3d.models.inflation')

FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  flags.DEFINE_string('inception_v1_checkpoint', None,
                      'TF-Slim Inception-v1 checkpoint prefix.',
                      required=True)
  flags.DEFINE_string('output', None, 'I3D checkpoint prefix.',
                      required=True)
  flags.DEFINE_enum('stream', 'rgb', ['rgb', 'flow'],
                    'Stream to inflate for.')


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  source = FLAGS.inception_v1_checkpoint
  if not (os.path.exists(source) or os.path.exists(source + '.index')):
    raise errors.MissingFileError(f'no checkpoint at {source}')
  outputs.check_new(FLAGS.output, 'remove it or give another --output',
                    checkpoint=True)
  count = inflation.inflate_checkpoint(FLAGS.inception_v1_checkpoint,
                                       FLAGS.output, FLAGS.stream)
  print(f'Wrote {FLAGS.output}: {count} inflated {FLAGS.stream} variables '
        '(no logits).')


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
