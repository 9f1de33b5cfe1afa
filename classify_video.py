"""Classifies any video, of any length, with the released I3D models.

  python classify_video.py VIDEO [--eval_type=joint] [--top_k=20] [--json]
      [--timeline] [--plot=timeline.png] [--window_sec=10 --stride_sec=10]
      [--start_sec=S --end_sec=E]

Streams the video through the preprocessing (see
`kinetics_i3d/video/preprocessing.py`) and the network in windows of
`--window_sec` (10 s, a Kinetics clip, by default) every `--stride_sec`, the
last window ending at the video's end, so memory does not grow with the
video's length. The report, in the format of `evaluate_sample.py` or as JSON,
is for the whole video: the windows' logits (summed over the streams)
averaged. A video shorter than one window is classified whole, in one pass.
`--timeline` adds the top class of each window, `--json` lists the windows'
top classes under `windows`, `--plot` draws the leading classes over time.

`joint` runs the streams whose checkpoints exist (and says which are
missing); `rgb` or `flow` require theirs. Optical flow is the slow part:
about a second per frame pair per core. A video that stops decoding part-way
ends with an `error:` line naming the time and exit status 1, after the
windows before that time (with `--timeline` or `--json`, marked partial).
"""

import json
import os
import sys
from typing import Sequence, Tuple

from absl import app
from absl import flags
from absl import logging
import numpy as np

from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import report
from kinetics_i3d import timeline as timeline_lib
from kinetics_i3d import timeline_plot
from kinetics_i3d.datasets import label_maps
from kinetics_i3d.models import inference
from kinetics_i3d.models import streams
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import preprocessing
from kinetics_i3d.video import progress

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
_TIMELINE = flags.DEFINE_boolean(
    'timeline', False, 'Also print the top class of each window.')
_PLOT = flags.DEFINE_string(
    'plot', None, 'Draw the leading classes over time into this PNG file.')
_WINDOW_SEC = flags.DEFINE_float(
    'window_sec', timeline_lib.DEFAULT_WINDOW_SEC,
    'Seconds per window (10 s: the length of a Kinetics clip).')
_STRIDE_SEC = flags.DEFINE_float(
    'stride_sec', None, 'Seconds between windows (default: --window_sec).')
_START_SEC = flags.DEFINE_float('start_sec', None, 'Start time in seconds.')
_END_SEC = flags.DEFINE_float('end_sec', None, 'End time in seconds.')
_PRECISION = flags.DEFINE_enum('precision', 'float32',
                               list(inference.PRECISIONS),
                               'Arithmetic of the forward pass.')
_FLOW_WORKERS = flags.DEFINE_integer('flow_workers', os.cpu_count() or 1,
                                     'Processes computing optical flow '
                                     '(OpenCV).')
_FLOW_BACKEND = optical_flow.define_backend_flag()


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


def _window_and_stride() -> Tuple[int, int]:
  """--window_sec and --stride_sec in frames, checked."""
  window = timeline_lib.frames_in(_WINDOW_SEC.value)
  minimum = preprocessing.MIN_FRAMES
  if window < minimum:
    raise errors.InputError(
        f'--window_sec={_WINDOW_SEC.value:g} is {window} frames at 25 fps; the '
        f'network needs {minimum}: give --window_sec={minimum / 25:g} or more')
  stride_sec = _STRIDE_SEC.value
  stride = window if stride_sec is None else timeline_lib.frames_in(stride_sec)
  if stride < 1:
    raise errors.InputError(
        f'--stride_sec={stride_sec:g} is under one frame: give '
        f'--stride_sec=0.04 or more')
  return window, stride


def _json(video: str, run: Sequence[str], timeline: timeline_lib.Timeline,
          class_names: Sequence[str], top_k: int) -> str:
  output = {
      'video': video,
      'streams': list(run),
      'frames': timeline.num_frames,
      'start_sec': timeline.start_sec,
      'norm_of_logits': float(np.linalg.norm(timeline.logits)),
      'top_classes': timeline_lib.json_classes(timeline.logits, class_names,
                                               top_k),
      'windows': timeline_lib.window_entries(timeline, class_names, top_k),
      'partial': timeline.partial,
  }
  if timeline.partial:
    output['error'] = str(timeline.error)
  return json.dumps(output, indent=2)


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) != 2:
    raise app.UsageError('give one VIDEO')
  video = argv[1]
  if _TOP_K.value < 1:
    raise app.UsageError('--top_k must be positive')
  window, stride = _window_and_stride()
  if _PLOT.value:
    timeline_plot.check_output(_PLOT.value)
  class_names = label_maps.read_label_map(_LABEL_MAP.value, 400)
  run = _streams_to_run()
  models = {s: streams.load_model(s, _checkpoint_path(s)) for s in run}
  # One stream after the other: 10 s windows of both would double the peak.
  predictor = inference.Predictor(models, _PRECISION.value,
                                  concurrent_streams=False)
  with optical_flow.flow_engine(
      _FLOW_BACKEND.value,
      _FLOW_WORKERS.value if 'flow' in run else 1) as tvl1:
    chunks = preprocessing.stream_video(
        video, rgb='rgb' in run, flow='flow' in run,
        start_sec=_START_SEC.value, end_sec=_END_SEC.value, flow_engine=tvl1)
    chunks = progress.in_video_seconds(chunks, video, _START_SEC.value,
                                       _END_SEC.value)
    timeline = timeline_lib.classify(predictor, chunks, window, stride)
  top_k = min(_TOP_K.value, len(class_names))
  if _JSON.value:
    print(_json(video, run, timeline, class_names, top_k))
  else:
    if not timeline.partial:
      print(report.format_report(timeline.logits, class_names, top_k), end='')
    if _TIMELINE.value:
      if not timeline.partial:
        print()
      print(timeline_lib.format_timeline(timeline, class_names), end='')
  if _PLOT.value:
    timeline_plot.plot(_PLOT.value, timeline, class_names,
                       title=os.path.basename(video))
  if timeline.partial:
    sys.stdout.flush()
    raise timeline.error


if __name__ == '__main__':
  app.run(main)
