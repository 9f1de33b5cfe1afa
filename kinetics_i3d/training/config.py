"""What a training run is set to: `TrainConfig`, and the names its flags take.

Read without TensorFlow, so that `train.py --help` and its flag errors answer
at once; `trainer` runs it.
"""

import dataclasses
from typing import Optional

from kinetics_i3d.models import endpoints

# Endpoints `freeze_up_to` takes: every layer below the logits.
FREEZABLE_ENDPOINTS = endpoints.VALID_ENDPOINTS[:-2]
# The learning-rate schedules `schedules.make` builds.
SCHEDULES = ('rgb', 'flow', 'constant', 'cosine', 'piecewise')


@dataclasses.dataclass
class TrainConfig:
  """What to train and how; defaults are the paper's recipe."""
  stream: str = 'rgb'
  num_classes: int = 400
  model_dir: str = 'train'
  train_steps: int = 115_000
  batch_size: int = 6
  num_frames: int = 64
  momentum: float = 0.9
  weight_decay: float = 1e-7
  dropout_keep_prob: float = 0.5
  init_checkpoint: Optional[str] = None
  freeze_up_to: Optional[str] = None
  save_every: int = 1000
  keep_checkpoints: int = 5
  log_every: int = 10
  seed: int = 0
  augment: bool = True
  train_batch_norm: bool = True
