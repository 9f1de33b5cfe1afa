"""Random-weight I3D models whose outputs depend on their inputs.

With random convolution weights and made-up batch-norm statistics the signal
fades through I3D's 57 convolution and batch-norm layers: the logits are then
almost the same for any clip, and a numerical test on such a model cannot
tell a right input from a wrong one. These models are initialised from data
instead: each batch norm's moving statistics are the measured mean and
variance of its convolution's output on a calibration batch, so every layer
hands the next unit-variance activations, as a trained model does.

A model is calibrated once per process for each (channels, classes, seed);
later calls build a new model with the same values. Tests that need any
calibrated 400-class model take seed 0 for RGB and 1 for flow, so that a test
process calibrates those once.
"""

import functools
from typing import Dict

import numpy as np
import tensorflow as tf

from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d

# One calibration clip of 16 frames at 224x224 (two time steps at Mixed_5c),
# the size most tests feed; enough positions for every channel's statistics.
_CALIBRATION_SHAPE = (1, 16, 224, 224)


def calibrated_model(num_channels: int, num_classes: int = 400,
                     seed: int = 0) -> i3d.InceptionI3d:
  """An `InceptionI3d` with random weights and data-dependent statistics.

  The convolution kernels are drawn with variance 1 / fan-in (so the logits
  come out of order one), the betas and the logits bias from N(0, 0.1). The
  model then runs once in training mode, with its moving statistics set to
  zero, on uniform noise in [-1, 1]: each batch norm normalises with the batch
  statistics and adds `(1 - decay) * statistic` to its moving average, which
  is divided back out. In inference mode the model then reproduces that
  training-mode pass on the calibration batch, layer for layer.

  Args:
    num_channels: 3 for RGB, 2 for flow.
    num_classes: size of the logits.
    seed: seeds every random draw, so a seed names one model.

  Returns:
    The built and calibrated model (a new one at each call).
  """
  values = _calibrated_values(num_channels, num_classes, seed)
  model = i3d.InceptionI3d(num_classes)
  checkpoints.build(model, num_channels, initialize=False)
  for variable in model.variables:
    variable.assign(values[variable.name])
  return model


@functools.lru_cache(maxsize=None)
def _calibrated_values(num_channels: int, num_classes: int,
                       seed: int) -> Dict[str, np.ndarray]:
  """The variables of `calibrated_model`, by name, computed once."""
  model = i3d.InceptionI3d(num_classes)
  checkpoints.build(model, num_channels, initialize=False)
  rng = np.random.default_rng(seed)
  batch_norms = []
  for module in model.submodules:
    if isinstance(module, i3d.BatchNorm):
      batch_norms.append(module)
      module.beta.assign(rng.normal(0, 0.1, module.beta.shape))
      module.moving_mean.assign(tf.zeros_like(module.moving_mean))
      module.moving_variance.assign(tf.zeros_like(module.moving_variance))
  for variable in model.trainable_variables:
    if variable.shape.rank == 5:
      fan_in = np.prod(variable.shape[:-1])
      variable.assign(rng.normal(0, fan_in**-0.5, variable.shape))
    elif variable.name.endswith('conv_3d/b:0'):
      variable.assign(rng.normal(0, 0.1, variable.shape))
  clips = rng.uniform(-1, 1, _CALIBRATION_SHAPE + (num_channels,))
  model(tf.constant(clips, tf.float32), is_training=True,
        dropout_keep_prob=1.0)
  for batch_norm in batch_norms:
    # The moving averages started at zero, so they hold exactly
    # (1 - decay) times the statistics of the calibration batch.
    share = 1.0 - batch_norm.decay_rate
    batch_norm.moving_mean.assign(batch_norm.moving_mean / share)
    batch_norm.moving_variance.assign(batch_norm.moving_variance / share)
  return {variable.name: variable.numpy() for variable in model.variables}
