"""Where int8 models are kept, and when one is reused or made again.

A model lives in a folder named after its weights ('rgb_imagenet', ...),
either in the user cache (`<cache>/int8/`) or in a folder the user gave
`i3d-quantize`. A model is reused while everything it was made from is
unchanged: the checkpoint's bytes, and the versions of OpenVINO and NNCF.
In the cache, a model that is missing is made on first use, calibrated on
the sample videos (one line says so); one that is damaged or made from
something else is made again, with one warning. In a user's folder, such a
model is an error that names the command to remake it: nothing there is
overwritten.
"""

import json
import os
from typing import Any, Dict, Mapping, Optional, Tuple

from absl import logging

from kinetics_i3d import errors
from kinetics_i3d import outputs
from kinetics_i3d.downloads import cache
from kinetics_i3d.int8 import calibration_set
from kinetics_i3d.int8 import quantize
from kinetics_i3d.int8 import runtime
from kinetics_i3d.models import weights as weights_lib
from kinetics_i3d.video import display

# The sample video held out to measure models calibrated on the samples.
SAMPLE_HELD_OUT = 'bikes.mp4'


class StaleModelError(errors.InputError):
  """An int8 model is damaged, or was made from other inputs."""


def model_dir(root: str, weights_name: str) -> str:
  return os.path.join(root, weights_name)


def read(directory: str, checkpoint: Optional[str] = None
        ) -> Tuple[Any, Dict[str, Any]]:
  """Reads a model folder, checking it was made from `checkpoint` with the
  installed OpenVINO and NNCF.

  Returns:
    The `openvino.Model` and its provenance.

  Raises:
    StaleModelError: no model there, a damaged one, or one made from
      another checkpoint or other versions.
  """
  openvino = runtime.require('openvino')
  record_path = os.path.join(directory, quantize.PROVENANCE_FILE)
  if not os.path.exists(record_path):
    raise StaleModelError(f'there is no int8 model in {directory}')
  try:
    with open(record_path) as f:
      record = json.load(f)
    made_from = record['checkpoint']['sha256']
    versions = record['versions']
    model_format = record['format']
  except (OSError, ValueError, KeyError, TypeError) as error:
    raise StaleModelError(
        f'the int8 model in {directory} is damaged ({record_path}: '
        f'{error})') from None
  if model_format != quantize.FORMAT:
    raise StaleModelError(f'the int8 model in {directory} is of format '
                          f'{model_format}, not {quantize.FORMAT}')
  installed = runtime.versions()
  changed = [f'{name} {versions.get(name)} (now {version})'
             for name, version in installed.items()
             if versions.get(name) != version]
  if changed:
    raise StaleModelError(f'the int8 model in {directory} was made with '
                          f'{", ".join(changed)}')
  if checkpoint is not None and quantize.checkpoint_digest(
      checkpoint) != made_from:
    raise StaleModelError(
        f'the int8 model in {directory} was made from another checkpoint '
        f'than {checkpoint} ({record["checkpoint"].get("path")})')
  try:
    model = openvino.Core().read_model(
        os.path.join(directory, quantize.MODEL_FILE))
  except RuntimeError as error:
    raise StaleModelError(f'the int8 model in {directory} is damaged: '
                          f'{str(error).splitlines()[0]}') from None
  return model, record


def sample_split() -> calibration_set.Split:
  """The sample videos: `SAMPLE_HELD_OUT` held out, the others calibrate."""
  paths = cache.sample_videos()
  return calibration_set.Split(
      [calibration_set.Video(p) for n, p in sorted(paths.items())
       if n != SAMPLE_HELD_OUT],
      [calibration_set.Video(paths[SAMPLE_HELD_OUT])])


def _quantize_command(weights_name: str, folder: str) -> str:
  """The `i3d-quantize` command line that makes `weights_name` in `folder`."""
  flags = [f'--eval_type={weights_lib.get(weights_name).stream}']
  if not weights_name.endswith('_imagenet'):
    flags.append('--noimagenet_pretrained')
  return ' '.join(['i3d-quantize', *flags, f'--output_dir={folder}',
                   '--overwrite'])


def model(weights_name: str, checkpoint: str,
          int8_dir: Optional[str] = None,
          color_matrix: str = display.DEFAULT_COLOR_MATRIX) -> Any:
  """The int8 model of a checkpoint: read, or made first (see the module).

  Args:
    weights_name: the released weights the checkpoint is of.
    checkpoint: its prefix.
    int8_dir: a folder `i3d-quantize` wrote; the user cache when None.
    color_matrix: how calibration videos are decoded, if one is made.

  Returns:
    The `openvino.Model`.

  Raises:
    InputError: OpenVINO/NNCF missing, the model in `int8_dir` is missing
      or stale, or one cannot be made (sample videos out of reach).
  """
  if int8_dir is not None:
    directory = model_dir(int8_dir, weights_name)
    try:
      return read(directory, checkpoint)[0]
    except StaleModelError as error:
      raise StaleModelError(
          f'{error}: make it with {_quantize_command(weights_name, int8_dir)}'
      ) from None
  directory = model_dir(cache.int8_dir(), weights_name)
  with outputs.writing(cache.int8_dir(), 'int8 calibration', wait=True):
    try:
      return read(directory, checkpoint)[0]
    except StaleModelError as error:
      if os.path.exists(directory):
        logging.warning('%s: making it again, on the sample videos.', error)
      else:
        logging.warning(
            'No int8 model of %s yet: calibrating one on the sample videos '
            '(once, a few minutes; i3d-quantize calibrates on your own '
            'clips).', weights_name)
    result = quantize.build(weights_name, checkpoint, sample_split(),
                            directory, color_matrix)
    logging.info('int8 model of %s made, %s.', weights_name,
                 result.fidelity.summary())
    return read(directory)[0]


def predictor(checkpoints: Mapping[str, Tuple[str, str]],
              int8_dir: Optional[str] = None,
              color_matrix: str = display.DEFAULT_COLOR_MATRIX
             ) -> runtime.Int8Predictor:
  """An int8 predictor over one or both streams.

  Args:
    checkpoints: (weights name, checkpoint prefix) by stream.
    int8_dir: a folder `i3d-quantize` wrote; the user cache when None.
    color_matrix: how calibration videos are decoded, if a model is made.

  Raises:
    InputError: see `model`.
  """
  return runtime.Int8Predictor({
      stream: model(name, path, int8_dir, color_matrix)
      for stream, (name, path) in checkpoints.items()})
