"""Exports the released I3D streams as a TensorFlow SavedModel.

  python export_saved_model.py --eval_type=rgb|flow|joint --output=DIR
      [--imagenet_pretrained] [--checkpoint_dir] [--precision]

Serving signatures `logits` (default), `probabilities` and `features`, each
taking float32 clips of any batch size and length per stream (inputs `rgb`
and/or `flow`); see `kinetics_i3d/models/export.py`.
"""

import os
from typing import Sequence

from absl import app
from absl import flags

from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import features
from kinetics_i3d.models import export
from kinetics_i3d.models import inference
from kinetics_i3d.models import streams

_EVAL_TYPE = flags.DEFINE_enum('eval_type', 'joint', ['rgb', 'flow', 'joint'],
                               'Streams to export.')
_OUTPUT = flags.DEFINE_string('output', None, 'SavedModel folder.',
                              required=True)
_IMAGENET_PRETRAINED = flags.DEFINE_boolean(
    'imagenet_pretrained', True, 'Use the *_imagenet checkpoints.')
_CHECKPOINT_DIR = flags.DEFINE_string('checkpoint_dir', 'data/checkpoints',
                                      'Folder of the released checkpoints.')
_PRECISION = flags.DEFINE_enum('precision', 'float32',
                               list(inference.PRECISIONS),
                               'Arithmetic of the exported graph.')
_OVERWRITE = flags.DEFINE_boolean('overwrite', False,
                                  'Replace an existing output folder.')


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  run = streams.EVAL_TYPES[_EVAL_TYPE.value]
  if os.path.exists(_OUTPUT.value) and not _OVERWRITE.value:
    raise errors.ExistingOutputError(
        f'{_OUTPUT.value} exists; pass --overwrite to replace it')
  predictor = features.load_predictor(run, _CHECKPOINT_DIR.value,
                                      _IMAGENET_PRETRAINED.value,
                                      _PRECISION.value)
  export.export(predictor, _OUTPUT.value, overwrite=_OVERWRITE.value)
  print(f'Wrote SavedModel {_OUTPUT.value} ({", ".join(run)}, '
        f'{_PRECISION.value}): signatures logits, probabilities, features.')


if __name__ == '__main__':
  app.run(main)
