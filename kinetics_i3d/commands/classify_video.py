"""Classifies any video, of any length, with the released I3D models.

  python classify_video.py VIDEO [--eval_type=joint] [--top_k=20] [--json]
      [--timeline] [--plot=timeline.png] [--window_sec=10 --stride_sec=10]
      [--start_sec=S --end_sec=E] [--precision=float32|bfloat16|auto|int8]

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

from __future__ import annotations

import json
import os
import sys
from typing import Dict, Sequence, Tuple

from absl import app
from absl import flags
from absl import logging
import numpy as np

from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import lazy_modules
from kinetics_i3d import timeline as timeline_lib
from kinetics_i3d import timeline_plot
from kinetics_i3d.commands import common_flags
from kinetics_i3d.commands import locations
from kinetics_i3d.models import streams
from kinetics_i3d.video import decoding
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import prefetch
from kinetics_i3d.video import preprocessing
from kinetics_i3d.video import progress

# Heavy (TensorFlow, Beam): imported when a path first uses them.
inference = lazy_modules.load('kinetics_i3d.models.inference')
pretrained = lazy_modules.load('kinetics_i3d.pretrained')
report = lazy_modules.load('kinetics_i3d.report')

FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  common_flags.define_eval_type_flag('joint', 'Streams to run.')
  common_flags.define_checkpoint_flags()
  flags.DEFINE_string('label_map', None,
                      'Kinetics-400 class names (default: the package\'s).')
  flags.DEFINE_integer('top_k', 20, 'How many classes to print.')
  flags.DEFINE_boolean('json', False, 'Print JSON instead of text.')
  flags.DEFINE_boolean(
      'timeline', False, 'Also print the top class of each window.')
  flags.DEFINE_string(
      'plot', None, 'Draw the leading classes over time into this PNG file.')
  flags.DEFINE_float(
      'window_sec', timeline_lib.DEFAULT_WINDOW_SEC,
      'Seconds per window (10 s: the length of a Kinetics clip).')
  flags.DEFINE_float(
      'stride_sec', None, 'Seconds between windows (default: --window_sec).')
  flags.DEFINE_float('start_sec', None, 'Start time in seconds.')
  flags.DEFINE_float('end_sec', None, 'End time in seconds.')
  common_flags.define_precision_flag()
  common_flags.define_int8_dir_flag()
  common_flags.define_color_matrix_flag()
  flags.DEFINE_integer('flow_workers', os.cpu_count() or 1,
                       'Processes computing optical flow '
                       '(OpenCV).')
  common_flags.define_flow_backend_flag()


def _checkpoints() -> Dict[str, str]:
  """The checkpoint of each stream to run.

  `joint` runs the streams whose checkpoints can be had and warns about the
  others; `rgb` and `flow` need theirs.

  Raises:
    InputError: a checkpoint needed cannot be had.
  """
  wanted = ('rgb', 'flow') if FLAGS.eval_type == 'joint' else (
      FLAGS.eval_type,)
  found, problems = {}, {}
  for stream in wanted:
    name = streams.checkpoint_name(stream, FLAGS.imagenet_pretrained)
    try:
      path = locations.checkpoint(name, FLAGS.checkpoint_dir)
    except errors.InputError as error:
      problems[stream] = str(error)
      continue
    if os.path.exists(path + '.index'):
      found[stream] = path
    else:
      problems[stream] = (f'no checkpoint at {path}: '
                          f'{streams.checkpoint_hint(name)}')
  if not found or FLAGS.eval_type != 'joint' and problems:
    raise errors.MissingFileError(problems[wanted[0]])
  for stream, problem in problems.items():
    logging.warning('Running without the %s stream: %s', stream, problem)
  return found


def _window_and_stride() -> Tuple[int, int]:
  """--window_sec and --stride_sec in frames, checked."""
  window = timeline_lib.frames_in(FLAGS.window_sec)
  minimum = preprocessing.MIN_FRAMES
  if window < minimum:
    raise errors.InputError(
        f'--window_sec={FLAGS.window_sec:g} is {window} frames at 25 fps; the '
        f'network needs {minimum}: give --window_sec={minimum / 25:g} or more')
  stride_sec = FLAGS.stride_sec
  stride = window if stride_sec is None else timeline_lib.frames_in(stride_sec)
  if stride < 1:
    raise errors.InputError(
        f'--stride_sec={stride_sec:g} is under one frame: give '
        f'--stride_sec=0.04 or more')
  return window, stride


def _json(video: str, predictor: inference.Predictor,
          timeline: timeline_lib.Timeline, class_names: Sequence[str],
          top_k: int) -> str:
  output = {
      'video': video,
      'streams': list(predictor.streams),
      'precision': predictor.precision,
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
  if FLAGS.top_k < 1:
    raise app.UsageError('--top_k must be positive')
  window, stride = _window_and_stride()
  if FLAGS.plot:
    timeline_plot.check_output(FLAGS.plot)
  decoding.check_input(video, FLAGS.start_sec, FLAGS.end_sec)
  class_names = locations.class_names(400, FLAGS.label_map)
  paths = _checkpoints()
  stream_names = tuple(paths)
  # One stream after the other: 10 s windows of both would double the peak.
  predictor = pretrained.make_predictor(
      {s: (streams.checkpoint_name(s, FLAGS.imagenet_pretrained), path)
       for s, path in paths.items()}, FLAGS.precision, FLAGS.int8_dir,
      concurrent_streams=False)
  with optical_flow.flow_engine(
      FLAGS.flow_backend,
      FLAGS.flow_workers if 'flow' in stream_names else 1) as tvl1:
    chunks = prefetch.ahead(preprocessing.stream_video(
        video, rgb='rgb' in stream_names, flow='flow' in stream_names,
        start_sec=FLAGS.start_sec, end_sec=FLAGS.end_sec, flow_engine=tvl1,
        color_matrix=FLAGS.color_matrix))
    chunks = progress.in_video_seconds(chunks, video, FLAGS.start_sec,
                                       FLAGS.end_sec)
    timeline = timeline_lib.classify(predictor, chunks, window, stride)
  top_k = min(FLAGS.top_k, len(class_names))
  if FLAGS.json:
    print(_json(video, predictor, timeline, class_names, top_k))
  else:
    if not timeline.partial:
      print(report.format_report(timeline.logits, class_names, top_k), end='')
    if FLAGS.timeline:
      if not timeline.partial:
        print()
      print(timeline_lib.format_timeline(timeline, class_names), end='')
  if FLAGS.plot:
    timeline_plot.plot(FLAGS.plot, timeline, class_names,
                       title=os.path.basename(video))
  if timeline.partial:
    sys.stdout.flush()
    raise timeline.error


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
