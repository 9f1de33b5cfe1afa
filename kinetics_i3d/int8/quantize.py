"""Making an int8 I3D: the float32 network through the project's SavedModel
into OpenVINO, calibrated by NNCF, measured on held-out clips.

How (the variant with the best fidelity on the sample videos of those
docs/performance.md lists): NNCF's post-training quantization (performance
preset: symmetric int8 weights per output channel, activations per tensor),
the activation ranges the global minimum and maximum over the calibration
inputs (NNCF's default, the mean of each input's, clips the rare large
activations of I3D's deeper blocks), the first convolution (the raw pixels
or flow) and the logits kept in float. Calibration runs on inputs of one
fixed shape, [1, 32, 224, 224, C]; the model written takes any shape again.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import importlib
import json
import logging
import os
import sys
import tempfile
from typing import Any, Dict, List, Sequence

import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import outputs
from kinetics_i3d import version
from kinetics_i3d.int8 import calibration_set
from kinetics_i3d.int8 import fidelity as fidelity_lib
from kinetics_i3d.int8 import runtime
from kinetics_i3d.models import export
from kinetics_i3d.models import inference
from kinetics_i3d.models import weights as weights_lib
from kinetics_i3d.video import display

MODEL_FILE = 'model.xml'
WEIGHTS_FILE = 'model.bin'
PROVENANCE_FILE = 'provenance.json'
FIDELITY_FILE = 'fidelity.json'
FORMAT = 1
# How the activations' ranges are estimated, and which layers stay float.
ACTIVATION_RANGES = 'minmax'
FLOAT_LAYERS = ('first convolution', 'logits')


@dataclasses.dataclass
class Result:
  """A model made: where, what it was made from, how faithful it is."""
  directory: str
  provenance: Dict[str, Any]
  fidelity: fidelity_lib.Fidelity
  skipped: Dict[str, str]


def to_openvino(predictor: inference.Predictor) -> Any:
  """A float32 predictor's network as an `openvino.Model`, read from the
  SavedModel `models.export` writes (its `outputs` signature)."""
  openvino = runtime.require('openvino')
  with tempfile.TemporaryDirectory() as directory:
    saved_model = os.path.join(directory, 'saved_model')
    export.export(predictor, saved_model, default='outputs')
    return openvino.convert_model(saved_model)


def _convolutions(model) -> List[str]:
  return [op.get_friendly_name() for op in model.get_ordered_ops()
          if op.get_type_name() == 'Convolution']


def quantize_network(model: Any, inputs: Sequence[np.ndarray]) -> Any:
  """NNCF's int8 quantization of an OpenVINO I3D (see the module).

  Args:
    model: the float32 `openvino.Model`, its input of any shape.
    inputs: calibration inputs of one shape, [1, T, H, W, C] float32.

  Returns:
    The int8 `openvino.Model`, its input of any shape.
  """
  nncf = runtime.require('nncf')
  parameters = importlib.import_module(
      'nncf.quantization.advanced_parameters')
  ranges = importlib.import_module('nncf.quantization.range_estimator')
  # NNCF logs its INFO lines and draws its progress bars on stdout, which
  # the commands keep for their results: warnings only, bars on stderr.
  nncf.set_log_level(logging.WARNING)
  fixed = model.clone()
  shape = list(inputs[0].shape)
  fixed.reshape(shape)
  convolutions = _convolutions(fixed)
  with contextlib.redirect_stdout(sys.stderr):
    quantized = nncf.quantize(
        fixed, nncf.Dataset(inputs), subset_size=len(inputs),
        preset=nncf.QuantizationPreset.PERFORMANCE,
        ignored_scope=nncf.IgnoredScope(names=[convolutions[0],
                                               convolutions[-1]]),
        advanced_parameters=parameters.AdvancedQuantizationParameters(
            activations_range_estimator_params=(
                ranges.RangeEstimatorParametersSet.MINMAX)))
  quantized.reshape([-1, -1, -1, -1, shape[-1]])
  return quantized


def measure(reference: inference.Predictor, int8: runtime.Int8Predictor,
            inputs: Sequence[np.ndarray]) -> fidelity_lib.Fidelity:
  """Runs both predictors on the inputs and compares their outputs."""
  stream = reference.streams[0]

  def outputs(predictor):
    results = [predictor({stream: clip}) for clip in inputs]
    return (np.stack([r['logits'][0] for r in results]),
            np.stack([r[f'{stream}_features'][0].mean(0) for r in results]))

  return fidelity_lib.compare(*outputs(reference), *outputs(int8))


def checkpoint_digest(prefix: str) -> str:
  """SHA-256 of a checkpoint's files (index and data), in name order; local
  or remote (`tf.io.gfile`: `gs://...` too)."""
  digest = hashlib.sha256()
  folder = os.path.dirname(prefix) or '.'
  base = os.path.basename(prefix)
  for name in sorted(tf.io.gfile.listdir(folder)):
    if name.startswith(base + '.'):
      digest.update(name[len(base):].encode())
      with tf.io.gfile.GFile(os.path.join(folder, name), 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
          digest.update(block)
  return digest.hexdigest()


def provenance(weights_name: str, checkpoint: str,
               videos: calibration_set.Split, calibration_inputs: int,
               held_out_inputs: int, color_matrix: str,
               window: int = calibration_set.WINDOW) -> Dict[str, Any]:
  """What a model is made from: everything that, changed, remakes it."""
  return {
      'format': FORMAT,
      'weights': weights_name,
      'stream': weights_lib.get(weights_name).stream,
      'checkpoint': {'path': os.path.abspath(checkpoint),
                     'sha256': checkpoint_digest(checkpoint)},
      'calibration': {
          'videos': [v.record() for v in videos.calibration],
          'held_out_videos': [v.record() for v in videos.held_out],
          'inputs': calibration_inputs,
          'held_out_inputs': held_out_inputs,
          'window': window,
          'color_matrix': color_matrix,
      },
      'quantization': {'preset': 'performance',
                       'activation_ranges': ACTIVATION_RANGES,
                       'float_layers': list(FLOAT_LAYERS)},
      'versions': {**runtime.versions(), 'tensorflow': tf.__version__,
                   'kinetics_i3d': version.__version__},
      'created': datetime.datetime.now(datetime.timezone.utc).isoformat(
          timespec='seconds'),
  }


def build(weights_name: str, checkpoint: str, videos: calibration_set.Split,
          output_dir: str,
          color_matrix: str = display.DEFAULT_COLOR_MATRIX,
          calibration_inputs: int = calibration_set.CALIBRATION_INPUTS,
          minimum_inputs: int = calibration_set.MIN_CALIBRATION_INPUTS,
          held_out_inputs: int = calibration_set.HELD_OUT_INPUTS,
          window: int = calibration_set.WINDOW) -> Result:
  """Calibrates, quantizes and measures an int8 model; writes it whole.

  Writes `output_dir/` with `model.xml` and `model.bin` (OpenVINO IR),
  `provenance.json` (`provenance`) and `fidelity.json`; the folder is
  replaced only once the new model is complete.

  Args:
    weights_name: the released weights, e.g. 'rgb_imagenet' (names the
      stream and classes).
    checkpoint: the checkpoint prefix to quantize.
    videos: calibration and held-out videos.
    output_dir: where to write the model.
    color_matrix: the colour policy the videos are decoded with.
    calibration_inputs: crops to calibrate on (NNCF's default number).
    minimum_inputs: fewer is refused.
    held_out_inputs: crops to measure on, at most.
    window: frames per window (the calibration inputs' length).

  Returns:
    The `Result`.

  Raises:
    InputError: too few usable calibration windows, no usable held-out
      window, a checkpoint that does not fit, or OpenVINO/NNCF missing.
  """
  runtime.require('nncf')
  stream = weights_lib.get(weights_name).stream
  calibration = calibration_set.collect(
      videos.calibration, stream, calibration_inputs,
      calibration_set.CALIBRATION_VIEWS, color_matrix, window)
  calibration_crops = calibration_set.calibration_inputs(calibration, stream)
  calibration_set.check_enough(len(calibration_crops), calibration.skipped,
                               minimum_inputs, window)
  held_out = calibration_set.collect(
      videos.held_out, stream, held_out_inputs,
      calibration_set.HELD_OUT_VIEWS, color_matrix, window)
  skipped = {**calibration.skipped, **held_out.skipped}
  if not held_out.clips:
    raise errors.InputError(
        'none of the held-out videos gives a window of '
        f'{window} frames ({len(held_out.skipped)} skipped): '
        'the int8 model cannot be measured; give other videos')
  reference = inference.Predictor(
      {stream: weights_lib.restore(weights_name, checkpoint)},
      'float32')
  quantized = quantize_network(to_openvino(reference), calibration_crops)
  held_out_crops = calibration_set.held_out_inputs(held_out, stream)
  fidelity = measure(reference, runtime.Int8Predictor({stream: quantized}),
                     held_out_crops)
  record = provenance(weights_name, checkpoint, videos,
                      len(calibration_crops), len(held_out_crops),
                      color_matrix, window)
  record['skipped'] = skipped
  write(quantized, record, fidelity, output_dir)
  return Result(output_dir, record, fidelity, skipped)


def write(model: Any, record: Dict[str, Any], fidelity: fidelity_lib.Fidelity,
          output_dir: str) -> None:
  """Writes a model folder whole: into a temporary folder, then renamed."""
  openvino = runtime.require('openvino')
  parent = os.path.dirname(os.path.abspath(output_dir))
  os.makedirs(parent, exist_ok=True)
  temporary = outputs.temporary_name(os.path.abspath(output_dir))
  outputs.remove(temporary)
  os.makedirs(temporary)
  openvino.save_model(model, os.path.join(temporary, MODEL_FILE),
                      compress_to_fp16=False)
  with open(os.path.join(temporary, FIDELITY_FILE), 'w') as f:
    json.dump(fidelity.to_json(), f, indent=1)
  # The provenance last: a folder with it is a whole model.
  with open(os.path.join(temporary, PROVENANCE_FILE), 'w') as f:
    json.dump(record, f, indent=1)
  outputs.remove(output_dir)
  os.rename(temporary, output_dir)
