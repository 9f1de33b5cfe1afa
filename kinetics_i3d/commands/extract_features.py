"""Extracts I3D features of videos or `.npy` clips, as localisation research
reads them.

  python extract_features.py INPUT... --out DIR [--eval_type=rgb|flow|joint]
      [--fps=25|native|N] [--window=64] [--stride=64] [--center_windows]
      [--crops=center|ten|full] [--preset=thumos14|activitynet]
      [--format=npz|npy] [--precision=float32|bfloat16|auto|int8]

INPUT is a video, an `.npy` clip (`X_rgb.npy` or `X_flow.npy`, as
`preprocess_video.py` writes; for `joint` the other stream's file must lie
beside it) or a folder of them. The frames are resampled to --fps (or kept as
decoded with `native`), cut into windows of --window frames every --stride
frames (or, with --center_windows, centred on every --stride-th frame, the
edges padded), cropped (--crops), and each window's Mixed_5c is averaged over
space and time (see `kinetics_i3d/features.py`). --preset sets all of these,
and the streams, to a published protocol, and prints them.

Output: `DIR/<name>.npz` (`features` [rows, 1024 or 2048], each row's
`start_sec`, `center_sec`, `end_sec`, and the settings), or with
--format=npy `DIR/<name>.npy` [rows, D] float32, the file localisation code
reads, and `DIR/<name>.json` beside it: the settings, checkpoints,
precision, frame rate, frame count and each row's times. Inputs whose output
exists are skipped, so a run over a folder resumes; a failing input is
reported in one line and the others go on.
"""

from __future__ import annotations

import os
import sys
from typing import Dict, List, Optional, Sequence

from absl import app
from absl import flags
import av
import cv2
import tqdm

from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d import version
from kinetics_i3d.commands import common_flags
from kinetics_i3d.commands import locations
from kinetics_i3d.models import streams as streams_lib
from kinetics_i3d.video import decoding

# Heavy (TensorFlow, Beam): imported when a path first uses them.
features = lazy_modules.load('kinetics_i3d.features')
inference = lazy_modules.load('kinetics_i3d.models.inference')
pretrained = lazy_modules.load('kinetics_i3d.pretrained')
samples = lazy_modules.load('kinetics_i3d.datasets.samples')

FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  flags.DEFINE_string('out', None, 'Output folder.', required=True)
  common_flags.define_eval_type_flag('rgb', 'Streams: joint concatenates RGB and Flow.')
  common_flags.define_protocol_flags()
  flags.DEFINE_enum('format', 'npz', ['npz', 'npy'],
                    'npz: features, times and settings in one file; npy: '
                    '[rows, D] float32 with a .json sidecar.')
  common_flags.define_precision_flag()
  common_flags.define_int8_dir_flag()
  common_flags.define_color_matrix_flag()
  common_flags.define_checkpoint_flags()
  flags.DEFINE_integer('flow_workers', os.cpu_count() or 1,
                       'Processes computing optical flow '
                       '(OpenCV).')
  common_flags.define_flow_backend_flag()


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


def _extract(path: str, predictor: inference.Predictor,
             protocol: features.Protocol) -> features.Features:
  stream_names = predictor.streams
  if path.endswith('.npy'):
    if protocol.crops != 'center' or protocol.fps not in (None,
                                                          decoding.FPS):
      raise errors.InputError(
          'an .npy clip holds 224x224 crops at 25 fps: extract from the '
          'video for other crops or frame rates')
    return features.extract(predictor, _npy_inputs(path, stream_names),
                            protocol)
  return features.video_features(path, stream_names, protocol,
                                 predictor=predictor,
                                 flow_workers=FLAGS.flow_workers,
                                 flow_backend=FLAGS.flow_backend,
                                 progress=True,
                                 color_matrix=FLAGS.color_matrix)


def _record(path: str, preset: Optional[features.Preset],
            checkpoints: Dict[str, str],
            predictor: inference.Predictor) -> Dict[str, object]:
  """What the sidecar says beyond the features' own metadata."""
  return {
      'input': os.path.abspath(path),
      'preset': FLAGS.preset,
      'preset_source': preset.source if preset else None,
      'checkpoints': {s: os.path.abspath(p) for s, p in checkpoints.items()},
      'precision': predictor.precision,
      'kinetics_i3d_version': version.__version__,
  }


def _extract_all(inputs: Sequence[str], predictor: inference.Predictor,
                 protocol: features.Protocol,
                 preset: Optional[features.Preset],
                 checkpoints: Dict[str, str]) -> None:
  """Extracts each input not yet done into --out; failures on stderr."""
  failures, written = [], 0
  for path in tqdm.tqdm(inputs, unit='clip'):
    output = os.path.join(FLAGS.out, f'{_name(path)}.{FLAGS.format}')
    if os.path.exists(output):
      continue
    try:
      result = _extract(path, predictor, protocol)
    except errors.InputError as error:
      failures.append(f'failed: {path}: {error}')
      continue
    except (cv2.error, av.error.FFmpegError, MemoryError) as error:
      failures.append(f'failed: {path}: {type(error).__name__}: {error}')
      continue
    if FLAGS.format == 'npy':
      result.save_npy(output, _record(path, preset, checkpoints, predictor))
    else:
      result.save(output)
    written += 1
  print(f'{written} written, {len(inputs) - written - len(failures)} already '
        f'there, {len(failures)} failed; in {FLAGS.out}.')
  for line in failures:
    print(line, file=sys.stderr)
  if failures:
    sys.exit(1)


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) < 2:
    raise app.UsageError('give one or more INPUT videos, .npy clips or folders')
  protocol, preset = common_flags.protocol_and_preset()
  stream_names = (tuple(preset.streams) if preset else
                  streams_lib.EVAL_TYPES[FLAGS.eval_type])
  if preset:
    print(common_flags.describe_preset(FLAGS.preset, preset), flush=True)
  for path in argv[1:]:
    if not os.path.exists(path):
      raise errors.MissingFileError(f'no video, .npy clip or folder at {path}')
  inputs = _expand(argv[1:])
  names = {s: streams_lib.checkpoint_name(s, FLAGS.imagenet_pretrained)
           for s in stream_names}
  checkpoints = {s: locations.checkpoint(name, FLAGS.checkpoint_dir)
                 for s, name in names.items()}
  predictor = pretrained.make_predictor(
      {s: (names[s], path) for s, path in checkpoints.items()},
      FLAGS.precision, FLAGS.int8_dir)
  with outputs.writing(FLAGS.out, 'extract_features.py'):
    _extract_all(inputs, predictor, protocol, preset, checkpoints)


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
