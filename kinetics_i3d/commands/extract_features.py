"""Extracts I3D features of videos or `.npy` clips into `.npz` files.

  python extract_features.py INPUT... --out DIR [--eval_type=rgb|flow|joint]
      [--window=64] [--stride=64] [--precision=float32|bfloat16]

INPUT is a video (preprocessed as in `preprocess_video.py`), an `.npy` clip
(`X_rgb.npy` or `X_flow.npy`, as `preprocess_video.py` writes; for `joint`
the other stream's file must lie beside it), or a folder of them. Each gives
`DIR/<name>.npz` holding `features` [windows, 1024 or 2048], `start_sec`,
`streams`, `window` and `stride` (see `kinetics_i3d/features.py`). Inputs
whose output exists are skipped, so a run over a folder resumes; a failing
input is reported in one line and the others go on.
"""

import os
import sys
from typing import Dict, List, Sequence

from absl import app
from absl import flags
import av
import cv2
import tqdm

from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import features
from kinetics_i3d.commands import common_flags
from kinetics_i3d.commands import locations
from kinetics_i3d.datasets import samples
from kinetics_i3d.models import inference
from kinetics_i3d.models import streams as streams_lib
from kinetics_i3d.video import decoding
from kinetics_i3d.video import optical_flow

FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  flags.DEFINE_string('out', None, 'Output folder.', required=True)
  flags.DEFINE_enum('eval_type', 'rgb', ['rgb', 'flow', 'joint'],
                    'Streams: joint concatenates RGB and Flow.')
  flags.DEFINE_integer('window', 64, 'Frames per window.')
  flags.DEFINE_integer('stride', 64, 'Frames between windows.')
  common_flags.define_precision_flag()
  common_flags.define_checkpoint_flags()
  flags.DEFINE_integer('flow_workers', os.cpu_count() or 1,
                       'Processes computing optical flow '
                       '(OpenCV).')
  optical_flow.define_backend_flag()

_SUFFIXES = {'rgb': '_rgb.npy', 'flow': '_flow.npy'}


def _expand(inputs: Sequence[str]) -> List[str]:
  """Inputs with folders replaced by the videos and clips in them."""
  expanded = []
  for path in inputs:
    if os.path.isdir(path):
      found = sorted(
          os.path.join(d, f) for d, _, files in os.walk(path) for f in files
          if f.endswith('.npy') or
          f.lower().endswith(decoding.VIDEO_EXTENSIONS))
      expanded += _one_per_clip(found)
    else:
      expanded.append(path)
  return expanded


def _one_per_clip(paths: List[str]) -> List[str]:
  """Drops X_flow.npy where X_rgb.npy is listed too (one clip, two files)."""
  listed = set(paths)
  return [p for p in paths if not (
      p.endswith(_SUFFIXES['flow']) and
      p[:-len(_SUFFIXES['flow'])] + _SUFFIXES['rgb'] in listed)]


def _name(path: str) -> str:
  base = os.path.basename(path)
  for suffix in _SUFFIXES.values():
    if base.endswith(suffix):
      return base[:-len(suffix)]
  return os.path.splitext(base)[0]


def _npy_inputs(path: str, stream_names: Sequence[str]) -> Dict[str, object]:
  """The clips of each stream for an `.npy` input."""
  stem = next((path[:-len(suffix)] for suffix in _SUFFIXES.values()
               if path.endswith(suffix)), None)
  if stem is not None:
    paths = {s: stem + _SUFFIXES[s] for s in stream_names}
  elif len(stream_names) == 1:
    paths = {stream_names[0]: path}
  else:
    raise errors.InputError(
        f'{path}: for joint features name the clips X_rgb.npy and X_flow.npy')
  return {
      s: samples.load_sample(p, streams_lib.STREAMS[s].num_channels,
                             mmap=True)
      for s, p in paths.items()
  }


def _extract(path: str, predictor: inference.Predictor) -> features.Features:
  stream_names = predictor.streams
  if path.endswith('.npy'):
    return features.extract(predictor, _npy_inputs(path, stream_names),
                            FLAGS.window, FLAGS.stride)
  return features.video_features(path, stream_names, FLAGS.window,
                                 FLAGS.stride, predictor=predictor,
                                 flow_workers=FLAGS.flow_workers,
                                 flow_backend=FLAGS.flow_backend,
                                 progress=True)


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) < 2:
    raise app.UsageError('give one or more INPUT videos, .npy clips or folders')
  if FLAGS.window < 1 or FLAGS.stride < 1:
    raise app.UsageError('--window and --stride must be positive')
  inputs = _expand(argv[1:])
  stream_names = streams_lib.EVAL_TYPES[FLAGS.eval_type]
  predictor = inference.Predictor(
      locations.load_models(stream_names, FLAGS.checkpoint_dir,
                            FLAGS.imagenet_pretrained), FLAGS.precision)
  os.makedirs(FLAGS.out, exist_ok=True)
  failures, written = [], 0
  for path in tqdm.tqdm(inputs, unit='clip'):
    output = os.path.join(FLAGS.out, _name(path) + '.npz')
    if os.path.exists(output):
      continue
    try:
      result = _extract(path, predictor)
    except errors.InputError as error:
      failures.append(f'failed: {path}: {error}')
      continue
    except (cv2.error, av.error.FFmpegError, MemoryError) as error:
      failures.append(f'failed: {path}: {type(error).__name__}: {error}')
      continue
    tmp = output[:-len('.npz')] + '.tmp.npz'
    result.save(tmp)
    os.replace(tmp, output)
    written += 1
  print(f'{written} written, {len(inputs) - written - len(failures)} already '
        f'there, {len(failures)} failed; in {FLAGS.out}.')
  for line in failures:
    print(line, file=sys.stderr)
  if failures:
    sys.exit(1)


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
