"""Learning-rate schedules: the paper's piecewise-constant ones and more.

The original describes, per stream (steps are global steps):

* RGB: 1e-1 until 97k, 1e-2 until 108k, 1e-3 until 115k.
* Flow: 1e-1 until 97k, 1e-2 until 104.5k, 1e-3 until 115k, then 1e-1 again
  until 140k, 1e-2 until 150k and 1e-3 until 155k.

For fine-tuning there are `constant`, `cosine` (from the base rate to 0 over
the training steps) and custom piecewise-constant schedules.
"""

import dataclasses
import math
from typing import Any, Callable, Sequence

import tensorflow as tf

from kinetics_i3d.training import config


@dataclasses.dataclass(frozen=True)
class PiecewiseConstant:
  """values[i] for boundaries[i-1] <= step < boundaries[i]."""
  boundaries: Sequence[int]
  values: Sequence[float]

  def __post_init__(self):
    if len(self.values) != len(self.boundaries) + 1:
      raise ValueError('a piecewise-constant schedule needs one more value '
                       f'than boundaries, got {len(self.values)} values and '
                       f'{len(self.boundaries)} boundaries')
    if list(self.boundaries) != sorted(self.boundaries):
      raise ValueError(f'boundaries must increase: {list(self.boundaries)}')

  def __call__(self, step) -> tf.Tensor:
    index = tf.searchsorted(
        tf.constant(self.boundaries, tf.int64),
        tf.reshape(tf.cast(step, tf.int64), [1]), side='right')[0]
    return tf.gather(tf.constant(self.values, tf.float32), index)


@dataclasses.dataclass(frozen=True)
class Cosine:
  """base * (1 + cos(pi * step / total)) / 2, then 0."""
  base: float
  total_steps: int

  def __call__(self, step) -> tf.Tensor:
    progress = tf.minimum(tf.cast(step, tf.float32) / self.total_steps, 1.0)
    return self.base * 0.5 * (1.0 + tf.cos(math.pi * progress))


RGB = PiecewiseConstant([97_000, 108_000], [1e-1, 1e-2, 1e-3])
FLOW = PiecewiseConstant([97_000, 104_500, 115_000, 140_000, 150_000],
                         [1e-1, 1e-2, 1e-3, 1e-1, 1e-2, 1e-3])
NAMES = config.SCHEDULES


def make(name: str, learning_rate: float = 0.1, train_steps: int = 1,
         boundaries: Sequence[int] = (),
         values: Sequence[float] = ()) -> Callable[[Any], tf.Tensor]:
  """A schedule by name.

  Args:
    name: 'rgb' or 'flow' (the paper's), 'constant' (`learning_rate`),
      'cosine' (from `learning_rate` to 0 over `train_steps`) or 'piecewise'
      (`boundaries` and `values`).
    learning_rate: base rate of 'constant' and 'cosine'.
    train_steps: length of 'cosine'.
    boundaries: steps where 'piecewise' changes value.
    values: its values.

  Returns:
    A callable from the global step to the learning rate.

  Raises:
    ValueError: unknown name or inconsistent arguments.
  """
  if name == 'rgb':
    return RGB
  if name == 'flow':
    return FLOW
  if name == 'constant':
    return PiecewiseConstant([], [learning_rate])
  if name == 'cosine':
    return Cosine(learning_rate, max(1, train_steps))
  if name == 'piecewise':
    return PiecewiseConstant([int(b) for b in boundaries],
                             [float(v) for v in values])
  raise ValueError(f'unknown schedule {name!r}; expected one of '
                   f'{", ".join(NAMES)}')
