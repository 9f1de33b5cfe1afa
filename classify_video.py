"""Classifies any video with the released I3D models.

  python classify_video.py VIDEO [--eval_type=joint] [--top_k=20] [--json]
      [--start_sec=S --end_sec=E]

Decodes and preprocesses the video (see `kinetics_i3d/video/preprocessing.py`), runs
the streams, sums their logits and prints the top classes in the format of
`evaluate_sample.py`, or as JSON. `joint` runs the streams whose checkpoints
exist (and says which are missing); `rgb` or `flow` require theirs. Optical
flow is the slow part: about a second per frame pair per core.
"""

import json
import os
from typing import Sequence

from absl import app
from absl import flags
from absl import logging
import numpy as np

from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import report
from kinetics_i3d.datasets import label_maps
from kinetics_i3d.models import inference
from kinetics_i3d.models import streams
from kinetics_i3d.video import preprocessing

_EVAL_TYPE = flags.DEFINE_enum('eval_type', 'joint', ['rgb', 'flow', 'joint'],
                               'Streams to run.')
_IMAGENET_PRETRAINED = flags.DEFINE_boolean(
    'imagenet_pretrained', True,
    'Use the *_imagenet checkpoints rather than *_scratch.')
_CHECKPOINT_DIR = flags.DEFINE_string('checkpoint_dir', 'data/checkpoints',
                                      'Folder of the released checkpoints.')
_LABEL_MAP = flags.DEFINE_string('label_map', 'data/label_map.txt',
                                 'Kinetics-400 class names.')
_TOP_K = flags.DEFINE_integer('top_k', 20, 'How many classes to print.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON instead of text.')
_START_SEC = flags.DEFINE_float('start_sec', None, 'Start time in seconds.')
_END_SEC = flags.DEFINE_float('end_sec', None, 'End time in seconds.')
_PRECISION = flags.DEFINE_enum('precision', 'float32',
                               list(inference.PRECISIONS),
                               'Arithmetic of the forward pass.')
_FLOW_WORKERS = flags.DEFINE_integer('flow_workers', os.cpu_count() or 1,
                                     'Processes computing optical flow.')


def _checkpoint_path(stream: str) -> str:
  return streams.checkpoint_path(_CHECKPOINT_DIR.value, stream,
                                 _IMAGENET_PRETRAINED.value)


def _streams_to_run() -> Sequence[str]:
  """The streams to run, checking that their checkpoints exist."""
  if _EVAL_TYPE.value != 'joint':
    path = _checkpoint_path(_EVAL_TYPE.value)
    if not os.path.exists(path + '.index'):
      name = os.path.basename(os.path.dirname(path))
      raise errors.MissingFileError(
          f'no checkpoint at {path}: {streams.checkpoint_hint(name)}')
    return (_EVAL_TYPE.value,)
  available = [s for s in ('rgb', 'flow')
               if os.path.exists(_checkpoint_path(s) + '.index')]
  for stream in set(('rgb', 'flow')) - set(available):
    logging.warning('No %s checkpoint at %s: running without that stream.',
                    stream, _checkpoint_path(stream))
  if not available:
    raise errors.MissingFileError(
        f'no checkpoint in {_CHECKPOINT_DIR.value}: '
        f'{streams.checkpoint_hint("rgb_imagenet")}')
  return available


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) != 2:
    raise app.UsageError('give one VIDEO')
  video = argv[1]
  if _TOP_K.value < 1:
    raise app.UsageError('--top_k must be positive')
  class_names = label_maps.read_label_map(_LABEL_MAP.value, 400)
  run = _streams_to_run()
  clip = preprocessing.preprocess_video(
      video, rgb='rgb' in run, flow='flow' in run, start_sec=_START_SEC.value,
      end_sec=_END_SEC.value, flow_workers=_FLOW_WORKERS.value)
  models = {s: streams.load_model(s, _checkpoint_path(s)) for s in run}
  inputs = {'rgb': clip.rgb, 'flow': clip.flow}
  predictor = inference.Predictor(models, _PRECISION.value)
  logits = predictor({s: inputs[s] for s in run})['logits'][0]
  top_k = min(_TOP_K.value, len(class_names))
  if _JSON.value:
    print(json.dumps({
        'video': video,
        'streams': list(run),
        'frames': int(len(clip.times)),
        'start_sec': float(clip.times[0]),
        'norm_of_logits': float(np.linalg.norm(logits)),
        'top_classes': [{
            'class': entry['class'],
            'probability': float(entry['probability']),
            'logit': float(entry['logit'])
        } for entry in report.top_classes(logits, class_names, top_k)],
    }, indent=2))
  else:
    print(report.format_report(logits, class_names, top_k), end='')


if __name__ == '__main__':
  app.run(main)
