# Copyright 2017 Google Inc. and the kinetics-i3d TF2 authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     https://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""Loads a sample video and classifies it using a trained Kinetics checkpoint.

Builds the RGB and/or Flow stream, restores the released checkpoint, sums the
logits of the streams for `joint`, and prints the norm of the logits and the
top 20 classes with their probabilities, in the original's format.

With --output_dir it runs every combination of checkpoints and streams that
the original's multi_evaluate.sh ran, in this one process, and writes each
report to OUTPUT_DIR/NAME.txt (multi_evaluate.sh calls it so).
"""

from __future__ import annotations

import os
from typing import Dict, Sequence

from absl import app
from absl import flags
from absl import logging
import numpy as np

from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d.commands import common_flags
from kinetics_i3d.commands import locations
from kinetics_i3d.models import precision
from kinetics_i3d.models import streams

# Heavy (TensorFlow, Beam): imported when a path first uses them.
inference = lazy_modules.load('kinetics_i3d.models.inference')
report = lazy_modules.load('kinetics_i3d.report')
samples = lazy_modules.load('kinetics_i3d.datasets.samples')

FLAGS = flags.FLAGS
# The release's cricket sample, by stream.
_SAMPLES = {'rgb': 'v_CricketShot_g04_c01_rgb.npy',
            'flow': 'v_CricketShot_g04_c01_flow.npy'}
# The runs of --output_dir, named as the original's out/ names them:
# (name, imagenet_pretrained, eval_type).
COMBINATIONS = (
    ('imagenet_joint', True, 'joint'),
    ('imagenet_flow', True, 'flow'),
    ('imagenet_rgb', True, 'rgb'),
    ('no_imagenet_rgb600', False, 'rgb600'),
    ('no_imagenet_joint', False, 'joint'),
    ('no_imagenet_flow', False, 'flow'),
    ('no_imagenet_rgb', False, 'rgb'),
)


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  common_flags.define_eval_type_flag('joint', 'rgb, rgb600, flow, or joint',
                                     rgb600=True)
  common_flags.define_checkpoint_flags()
  flags.DEFINE_string(
      'rgb_sample', None, 'RGB input, [1, frames, 224, 224, 3] .npy (default: '
      f'the release\'s {_SAMPLES["rgb"]}, from data/ or the user cache).')
  flags.DEFINE_string(
      'flow_sample', None, 'Flow input, [1, frames, 224, 224, 2] .npy '
      f'(default: the release\'s {_SAMPLES["flow"]}).')
  flags.DEFINE_string('label_map', None,
                      'Kinetics-400 class names, one per line (default: the '
                      'package\'s copy of the release\'s).')
  flags.DEFINE_string('label_map_600', None,
                      'Kinetics-600 class names, one per line (default: the '
                      'release\'s, from data/ or the user cache).')
  flags.DEFINE_string(
      'output_dir', None,
      'Run every combination multi_evaluate.sh runs (both checkpoint sets; '
      'rgb, rgb600, flow, joint) in this process and write each report to '
      'OUTPUT_DIR/NAME.txt, replacing it (instead of --eval_type and '
      '--imagenet_pretrained). Exits with status 1 if any failed; the others '
      'are written.')
  common_flags.define_precision_flag()


def _report(eval_type: str, imagenet_pretrained: bool,
            stream_logits: Dict[str, np.ndarray]) -> str:
  """The printed report of one combination.

  Args:
    eval_type: one of `streams.EVAL_TYPES`.
    imagenet_pretrained: the *_imagenet checkpoints, else *_scratch.
    stream_logits: each stream's logits on its sample by checkpoint name,
      shared between calls (those missing are computed and added): `joint`
      sums its streams' logits, as the two-stream network does.

  Returns:
    The norm of the logits and the top 20 classes, in the original's format.

  Raises:
    InputError: a sample, label map or checkpoint is missing or wrong.
  """
  kinetics600 = eval_type == 'rgb600'
  if kinetics600 and imagenet_pretrained:
    logging.warning('There is no ImageNet-pretrained Kinetics-600 checkpoint: '
                    'rgb600 uses %s.', streams.KINETICS600_CHECKPOINT)
  num_classes = 600 if kinetics600 else 400
  class_names = locations.class_names(
      num_classes, FLAGS.label_map_600 if kinetics600 else FLAGS.label_map)

  given = {'rgb': FLAGS.rgb_sample, 'flow': FLAGS.flow_sample}
  names, missing = [], {}
  # Every input is read before any network runs: a wrong one is said at once.
  for stream in streams.EVAL_TYPES[eval_type]:
    name = streams.checkpoint_name(stream, imagenet_pretrained, kinetics600)
    names.append(name)
    if name in stream_logits:
      continue
    path = locations.release_file(_SAMPLES[stream], given[stream])
    sample = samples.load_sample(path, streams.STREAMS[stream].num_channels)
    logging.info('%s data loaded, shape=%s', stream.upper(), sample.shape)
    network = locations.load_models([stream], FLAGS.checkpoint_dir,
                                    imagenet_pretrained, kinetics600)[stream]
    missing[name] = stream, sample, network
  arithmetic = precision.choose(FLAGS.precision) if missing else None
  for name, (stream, sample, network) in missing.items():
    predictor = inference.Predictor({stream: network}, arithmetic,
                                    follow_hardware=False)
    stream_logits[name] = predictor({stream: sample})['logits'][0]
  return report.format_report(sum(stream_logits[n] for n in names),
                              class_names)


def _evaluate_every_combination(output_dir: str) -> None:
  """Writes the report of each of COMBINATIONS to `output_dir`.

  Raises:
    InputError: some combinations failed (each is logged with its reason).
  """
  stream_logits = {}
  failed = []
  for name, imagenet_pretrained, eval_type in COMBINATIONS:
    try:
      text = _report(eval_type, imagenet_pretrained, stream_logits)
    except errors.InputError as error:
      logging.error('%s failed: %s', name, error)
      failed.append(name)
      continue
    path = os.path.join(output_dir, f'{name}.txt')
    with outputs.atomic(path) as temporary, open(temporary, 'w') as f:
      f.write(text)
    logging.info('Wrote %s', path)
  if failed:
    written = (f'the others are in {output_dir}'
               if len(failed) < len(COMBINATIONS) else 'none was written')
    raise errors.InputError(
        f'{len(failed)} of the {len(COMBINATIONS)} combinations failed '
        f'({", ".join(failed)}; their reasons are above); {written}')


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  precision.refuse_int8(FLAGS.precision, 'evaluate_sample.py')
  if FLAGS.output_dir is None:
    print(_report(FLAGS.eval_type, FLAGS.imagenet_pretrained, {}), end='')
    return
  chosen = [f'--{name}' for name in ('eval_type', 'imagenet_pretrained')
            if FLAGS[name].present]
  if chosen:
    raise errors.InputError(
        f'--output_dir runs every combination: leave out {" and ".join(chosen)}')
  _evaluate_every_combination(FLAGS.output_dir)


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
