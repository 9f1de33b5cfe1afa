"""Running int8 I3D networks with OpenVINO, as `inference.Predictor` runs
float32 ones.

OpenVINO runs a network of fixed shapes far faster than one of open shapes
(about 9x for int8 on an AVX2 CPU), so each stream's model is compiled for
each input shape it meets (a corpus has one or two); the compiled models
of the last few shapes are kept.
"""

import collections
import importlib
import importlib.util
from typing import Any, Dict, Mapping, Tuple

import numpy as np

from kinetics_i3d import arrays
from kinetics_i3d import errors
from kinetics_i3d.models import hardware

EXTRA = "pip install 'kinetics-i3d-tf2[int8]'"
# Compiled shapes kept per stream.
_COMPILED_SHAPES = 4


class MissingExtraError(errors.InputError):
  """OpenVINO or NNCF is not installed."""


def require(module: str):
  """Imports `openvino` or `nncf`, or says in one line what to install.

  Raises:
    MissingExtraError: the module is not installed.
  """
  try:
    return importlib.import_module(module)
  except ImportError as error:
    raise MissingExtraError(
        f'int8 inference runs through OpenVINO on a model quantized by NNCF, '
        f'and {module} is not installed ({error}): {EXTRA}') from None


def available() -> bool:
  """Whether OpenVINO and NNCF are installed."""
  return all(importlib.util.find_spec(m) is not None
             for m in ('openvino', 'nncf'))


def versions() -> Dict[str, str]:
  """The versions of OpenVINO and NNCF that make and run the models."""
  return {'openvino': require('openvino').get_version(),
          'nncf': require('nncf').__version__}


def _is_quantized(model: Any) -> bool:
  """Whether an `openvino.Model` holds NNCF's int8 quantization."""
  return any(op.get_type_name() == 'FakeQuantize' for op in model.get_ops())


class Int8Predictor:
  """One or both streams of int8 I3D on OpenVINO.

  Called like `inference.Predictor`: `predictor(inputs)` takes {'rgb':
  [B, T, H, W, 3], 'flow': [B, T, H, W, 2]} float32 clips and returns
  {'logits': [B, classes] summed over the streams, '<stream>_features':
  [B, time, 1024]}.

  Attributes:
    streams: the streams, in the order given.
    precision: 'int8'.
  """

  precision = 'int8'

  def __init__(self, models: Mapping[str, object], threads: int = 0):
    """Keeps the models; each is compiled for a shape when first met.

    Args:
      models: `openvino.Model`s by stream, their input of any shape.
      threads: CPU threads for inference; 0 lets OpenVINO choose (all
        cores).

    Raises:
      InputError: int8 networks, and `ONEDNN_MAX_CPU_ISA` caps oneDNN
        below the CPU's AVX-512 (OpenVINO's plugin would crash).
    """
    if hardware.isa_cap_below_cpu() and any(
        _is_quantized(m) for m in models.values()):
      raise errors.InputError(
          f'ONEDNN_MAX_CPU_ISA={hardware.onednn_isa_cap()} keeps oneDNN below '
          'this CPU\'s AVX-512, and OpenVINO\'s CPU plugin crashes on int8 '
          'networks so capped: unset ONEDNN_MAX_CPU_ISA to run int8')
    self._core = require('openvino').Core()
    self._config = {'PERFORMANCE_HINT': 'LATENCY'}
    if threads:
      self._config['INFERENCE_NUM_THREADS'] = threads
    self.streams = tuple(models)
    self._models = dict(models)
    self._compiled: Dict[str, collections.OrderedDict] = {
        s: collections.OrderedDict() for s in self.streams}

  def _compiled_for(self, stream: str, shape: Tuple[int, ...]):
    compiled = self._compiled[stream]
    if shape in compiled:
      compiled.move_to_end(shape)
      return compiled[shape]
    model = self._models[stream].clone()
    model.reshape(list(shape))
    compiled[shape] = self._core.compile_model(model, 'CPU', self._config)
    if len(compiled) > _COMPILED_SHAPES:
      compiled.popitem(last=False)
    return compiled[shape]

  def __call__(self, inputs: Mapping[str, arrays.ArrayLike],
               layout: str = 'NTHWC') -> Dict[str, np.ndarray]:
    """Runs the streams, as `inference.Predictor.__call__` does.

    Raises:
      ArrayError: clips that do not fit (`arrays.network_inputs`).
    """
    checked = arrays.network_inputs(inputs, self.streams, layout)
    results = {}
    logits = None
    for stream in self.streams:
      clips = np.ascontiguousarray(checked[stream], np.float32)
      outputs = self._compiled_for(stream, clips.shape)(clips)
      by_name = {port.get_any_name(): value for port, value in outputs.items()}
      results[f'{stream}_features'] = by_name[f'{stream}_features']
      logits = (by_name['logits'] if logits is None else
                logits + by_name['logits'])
    results['logits'] = logits
    return results
