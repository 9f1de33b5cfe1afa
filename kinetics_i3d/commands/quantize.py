r"""Makes int8 I3D models for --precision=int8: NNCF calibrates on your clips.

  i3d-quantize [--eval_type=rgb|flow|joint] [--videos=DIR [--manifest=CSV]]
      [--output_dir=DIR] [--overwrite] [--checkpoint_dir] [--color_matrix]

Each stream's float32 network (batch norm folded) goes through the project's
SavedModel into OpenVINO, NNCF calibrates it on windows of the videos in
--videos (every video under the folder, or the clips of a Kinetics CSV
--manifest), and the int8 model is measured against float32 on held-out
videos (every fifth; never calibrated on): feature cosine, top-1 and top-5
agreement. Without --videos the sample videos are used (bikes.mp4 held out).
Writes <output_dir>/<weights>/ with model.xml, model.bin, provenance.json
(checkpoint, calibration set, OpenVINO/NNCF versions) and fidelity.json, and
prints the fidelity. Default --output_dir: the user cache, where
--precision=int8 looks; elsewhere, give that folder to the other commands'
--int8_dir. Needs the int8 extra: pip install 'kinetics-i3d-tf2[int8]'.
"""

from __future__ import annotations

import os
from typing import Sequence

from absl import app
from absl import flags

from kinetics_i3d import cli
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d.commands import common_flags
from kinetics_i3d.commands import locations
from kinetics_i3d.downloads import cache
from kinetics_i3d.models import streams
from kinetics_i3d.pipelines import options

# Heavy (TensorFlow, OpenVINO, NNCF): imported when a path first uses them.
calibration_set = lazy_modules.load('kinetics_i3d.int8.calibration_set')
quantize = lazy_modules.load('kinetics_i3d.int8.quantize')
runtime = lazy_modules.load('kinetics_i3d.int8.runtime')
store = lazy_modules.load('kinetics_i3d.int8.store')

FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  common_flags.define_eval_type_flag('rgb', 'Streams to quantize (joint: both).')
  flags.DEFINE_string('videos', None, 'Folder of calibration videos; '
                      'default: the sample videos.')
  flags.DEFINE_string('manifest', None, 'A Kinetics CSV naming the clips '
                      'of --videos to use.')
  flags.DEFINE_string('output_dir', None, 'Where to write the models; '
                      'default: the user cache, where --precision=int8 '
                      'looks.')
  flags.DEFINE_boolean('overwrite', False, 'Replace existing models.')
  common_flags.define_checkpoint_flags()
  common_flags.define_color_matrix_flag()


def _check_inputs(root: str, names: Sequence[str]) -> None:
  """Checks the flags, inputs and outputs before any work."""
  if FLAGS.manifest and not FLAGS.videos:
    raise app.UsageError('--manifest names clips of --videos: give --videos')
  options.check_manifest_flags()
  for name in names:
    directory = os.path.join(root, name)
    outputs.check_new(directory, overwrite=FLAGS.overwrite)


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  names = {s: streams.checkpoint_name(s, FLAGS.imagenet_pretrained)
           for s in streams.EVAL_TYPES[FLAGS.eval_type]}
  root = FLAGS.output_dir or cache.int8_dir()
  _check_inputs(root, list(names.values()))
  runtime.require('nncf')
  if FLAGS.videos:
    videos = (calibration_set.from_manifest(FLAGS.manifest, FLAGS.videos)
              if FLAGS.manifest else
              calibration_set.from_folder(FLAGS.videos))
    split = calibration_set.split(videos)
  else:
    split = store.sample_split()
  print(f'Calibrating on {len(split.calibration)} videos, measuring on '
        f'{len(split.held_out)} held out.', flush=True)
  for stream, name in names.items():
    result = quantize.build(
        name, locations.checkpoint(name, FLAGS.checkpoint_dir), split,
        os.path.join(root, name), FLAGS.color_matrix)
    print(f'{name}: {result.directory}, calibrated on '
          f'{result.provenance["calibration"]["inputs"]} crops; '
          f'{result.fidelity.summary()}.')
    if result.skipped:
      print(f'  {len(result.skipped)} videos skipped, e.g. '
            f'{next(iter(result.skipped))}: '
            f'{next(iter(result.skipped.values()))}')
    for goal, value in result.fidelity.shortfalls().items():
      print(f'  below the goal: {goal} {value:.4f}')


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
