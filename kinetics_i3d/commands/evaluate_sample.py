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
"""

from __future__ import annotations

from typing import Sequence

from absl import app
from absl import flags
from absl import logging

from kinetics_i3d import cli
from kinetics_i3d import lazy_modules
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


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  flags.DEFINE_enum('eval_type', 'joint', list(streams.EVAL_TYPES),
                    'rgb, rgb600, flow, or joint')
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
  common_flags.define_precision_flag()


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  precision.refuse_int8(FLAGS.precision, 'evaluate_sample.py')
  eval_type = FLAGS.eval_type
  kinetics600 = eval_type == 'rgb600'
  if kinetics600 and FLAGS.imagenet_pretrained:
    logging.warning('There is no ImageNet-pretrained Kinetics-600 checkpoint: '
                    'rgb600 uses %s.', streams.KINETICS600_CHECKPOINT)
  num_classes = 600 if kinetics600 else 400
  class_names = locations.class_names(
      num_classes, FLAGS.label_map_600 if kinetics600 else FLAGS.label_map)

  given = {'rgb': FLAGS.rgb_sample, 'flow': FLAGS.flow_sample}
  inputs = {}
  for stream in streams.EVAL_TYPES[eval_type]:
    path = locations.release_file(_SAMPLES[stream], given[stream])
    inputs[stream] = samples.load_sample(path,
                                         streams.STREAMS[stream].num_channels)
    logging.info('%s data loaded, shape=%s', stream.upper(),
                 inputs[stream].shape)
  models = locations.load_models(inputs, FLAGS.checkpoint_dir,
                                 FLAGS.imagenet_pretrained, kinetics600)

  predictor = inference.Predictor(models, FLAGS.precision)
  logits = predictor(inputs)['logits'][0]
  print(report.format_report(logits, class_names), end='')


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
