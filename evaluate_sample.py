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

from typing import Sequence

from absl import app
from absl import flags
from absl import logging

from kinetics_i3d import cli
from kinetics_i3d import report
from kinetics_i3d.datasets import label_maps
from kinetics_i3d.datasets import samples
from kinetics_i3d.models import inference
from kinetics_i3d.models import streams

_EVAL_TYPE = flags.DEFINE_enum('eval_type', 'joint', list(streams.EVAL_TYPES),
                               'rgb, rgb600, flow, or joint')
_IMAGENET_PRETRAINED = flags.DEFINE_boolean(
    'imagenet_pretrained', True,
    'Use the checkpoints trained from ImageNet-inflated weights (rgb_imagenet, '
    'flow_imagenet) rather than from scratch. rgb600 has only a from-scratch '
    'checkpoint.')
_CHECKPOINT_DIR = flags.DEFINE_string(
    'checkpoint_dir', 'data/checkpoints',
    'Folder of the released checkpoints: rgb_scratch, rgb_imagenet, '
    'flow_scratch, flow_imagenet, rgb_scratch_kin600, each with model.ckpt.')
_RGB_SAMPLE = flags.DEFINE_string('rgb_sample',
                                  'data/v_CricketShot_g04_c01_rgb.npy',
                                  'RGB input, [1, frames, 224, 224, 3] .npy.')
_FLOW_SAMPLE = flags.DEFINE_string('flow_sample',
                                   'data/v_CricketShot_g04_c01_flow.npy',
                                   'Flow input, [1, frames, 224, 224, 2] .npy.')
_LABEL_MAP = flags.DEFINE_string('label_map', 'data/label_map.txt',
                                 'Kinetics-400 class names, one per line.')
_LABEL_MAP_600 = flags.DEFINE_string('label_map_600', 'data/label_map_600.txt',
                                     'Kinetics-600 class names, one per line.')
_PRECISION = flags.DEFINE_enum('precision', 'float32',
                               list(inference.PRECISIONS),
                               'Arithmetic of the forward pass.')


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  eval_type = _EVAL_TYPE.value
  kinetics600 = eval_type == 'rgb600'
  if kinetics600 and _IMAGENET_PRETRAINED.value:
    logging.warning('There is no ImageNet-pretrained Kinetics-600 checkpoint: '
                    'rgb600 uses %s.', streams.KINETICS600_CHECKPOINT)
  num_classes = 600 if kinetics600 else 400
  class_names = label_maps.read_label_map(
      _LABEL_MAP_600.value if kinetics600 else _LABEL_MAP.value, num_classes)

  sample_paths = {'rgb': _RGB_SAMPLE.value, 'flow': _FLOW_SAMPLE.value}
  inputs = {}
  for stream in streams.EVAL_TYPES[eval_type]:
    inputs[stream] = samples.load_sample(sample_paths[stream],
                                         streams.STREAMS[stream].num_channels)
    logging.info('%s data loaded, shape=%s', stream.upper(),
                 inputs[stream].shape)
  models = {}
  for stream in inputs:
    path = streams.checkpoint_path(_CHECKPOINT_DIR.value, stream,
                                   _IMAGENET_PRETRAINED.value, kinetics600)
    models[stream] = streams.load_model(stream, path, num_classes)
    logging.info('%s checkpoint restored from %s', stream.upper(), path)

  predictor = inference.Predictor(models, _PRECISION.value)
  logits = predictor(inputs)['logits'][0]
  print(report.format_report(logits, class_names), end='')


if __name__ == '__main__':
  app.run(main)
