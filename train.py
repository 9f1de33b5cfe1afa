"""Trains or fine-tunes one I3D stream with the paper's recipe.

  python train.py --stream=rgb --train_data=DATA --num_classes=N \
      --model_dir=DIR [--init_checkpoint=CHECKPOINT]
      [--schedule=rgb|flow|constant|cosine|piecewise] [--train_steps=...]

DATA: a folder of class sub-folders of `.npy` clips (as `preprocess_video.py`
writes them), a CSV of `path,label` lines, or TFRecord SequenceExamples in
the MediaPipe Kinetics format (see `kinetics_i3d/datasets/training_data.py`).
Synchronous data-parallel on `tf.distribute`: one machine by default; set
TF_CONFIG on each machine for multi-worker training (see README). Training
resumes from the newest checkpoint in --model_dir.
"""

from typing import Sequence

from absl import app
from absl import flags
from absl import logging

import i3d
from kinetics_i3d import cli
from kinetics_i3d.datasets import training_data
from kinetics_i3d.training import schedules
from kinetics_i3d.training import trainer

_DEFAULTS = trainer.TrainConfig()
_STREAM = flags.DEFINE_enum('stream', 'rgb', ['rgb', 'flow'], 'Stream.')
_TRAIN_DATA = flags.DEFINE_string('train_data', None,
                                  'Class folders, CSV or TFRecords.',
                                  required=True)
_LABEL_MAP = flags.DEFINE_string('label_map', None,
                                 'Class names, one per line (CSV, TFRecord).')
_NUM_CLASSES = flags.DEFINE_integer('num_classes', None,
                                    'Classes (default: from the data).')
_MODEL_DIR = flags.DEFINE_string('model_dir', None,
                                 'Checkpoints and summaries.', required=True)
_INIT_CHECKPOINT = flags.DEFINE_string(
    'init_checkpoint', None,
    'Start from this checkpoint (any original layout); the logits layer is '
    'new when the class count differs.')
_SCHEDULE = flags.DEFINE_enum('schedule', None, schedules.NAMES,
                              'Learning-rate schedule (default: the '
                              "stream's schedule from the paper).")
_LEARNING_RATE = flags.DEFINE_float('learning_rate', 0.1,
                                    'Base rate of constant and cosine.')
_BOUNDARIES = flags.DEFINE_list('boundaries', [],
                                'Steps where a piecewise schedule changes.')
_VALUES = flags.DEFINE_list('values', [], 'Rates of a piecewise schedule.')
_TRAIN_STEPS = flags.DEFINE_integer(
    'train_steps', None, 'Global steps (default: 115k RGB, 155k Flow).')
_BATCH_SIZE = flags.DEFINE_integer('batch_size', _DEFAULTS.batch_size,
                                   'Clips per replica.')
_NUM_FRAMES = flags.DEFINE_integer('num_frames', _DEFAULTS.num_frames,
                                   'Frames per training clip.')
_FREEZE_UP_TO = flags.DEFINE_enum(
    'freeze_up_to', None, trainer.FREEZABLE_ENDPOINTS,
    'Keep the weights of this endpoint and those before it fixed.')
_DROPOUT_KEEP_PROB = flags.DEFINE_float('dropout_keep_prob',
                                        _DEFAULTS.dropout_keep_prob,
                                        'Keep probability before the logits.')
_WEIGHT_DECAY = flags.DEFINE_float('weight_decay', _DEFAULTS.weight_decay,
                                   'L2 weight decay.')
_MOMENTUM = flags.DEFINE_float('momentum', _DEFAULTS.momentum, 'Momentum.')
_SAVE_EVERY = flags.DEFINE_integer('save_every', _DEFAULTS.save_every,
                                   'Steps between checkpoints.')
_KEEP_CHECKPOINTS = flags.DEFINE_integer('keep_checkpoints',
                                         _DEFAULTS.keep_checkpoints,
                                         'Checkpoints kept.')
_LOG_EVERY = flags.DEFINE_integer('log_every', _DEFAULTS.log_every,
                                  'Steps between log lines and summaries.')
_SEED = flags.DEFINE_integer('seed', 0, 'Seeds initialisation and data.')
_AUGMENT = flags.DEFINE_boolean(
    'augment', True, 'Shuffle; random windows, crops and flips.')
_TRAIN_BATCH_NORM = flags.DEFINE_boolean(
    'train_batch_norm', True,
    'Batch norm in training mode (the paper). False uses and keeps the '
    'moving statistics, for fine-tuning on little data.')
_CPU_REPLICAS = flags.DEFINE_integer(
    'cpu_replicas', 1, 'Split the CPU into this many replicas (testing).')


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  stream = _STREAM.value
  clips = training_data.load(_TRAIN_DATA.value, stream, _LABEL_MAP.value,
                             _NUM_CLASSES.value)
  train_steps = _TRAIN_STEPS.value or (115_000 if stream == 'rgb' else 155_000)
  try:
    schedule = schedules.make(_SCHEDULE.value or stream, _LEARNING_RATE.value,
                              train_steps, _BOUNDARIES.value, _VALUES.value)
  except ValueError as error:
    raise app.UsageError(str(error))
  config = trainer.TrainConfig(
      stream=stream, num_classes=len(clips.class_names),
      model_dir=_MODEL_DIR.value, train_steps=train_steps,
      batch_size=_BATCH_SIZE.value, num_frames=_NUM_FRAMES.value,
      momentum=_MOMENTUM.value, weight_decay=_WEIGHT_DECAY.value,
      dropout_keep_prob=_DROPOUT_KEEP_PROB.value,
      init_checkpoint=_INIT_CHECKPOINT.value, freeze_up_to=_FREEZE_UP_TO.value,
      save_every=_SAVE_EVERY.value, keep_checkpoints=_KEEP_CHECKPOINTS.value,
      log_every=_LOG_EVERY.value, seed=_SEED.value, augment=_AUGMENT.value,
      train_batch_norm=_TRAIN_BATCH_NORM.value)
  strategy = trainer.make_strategy(_CPU_REPLICAS.value)
  logging.info('%d %s clips of %d classes; %d replicas', len(clips.paths),
               stream, len(clips.class_names), strategy.num_replicas_in_sync)
  loop = trainer.Trainer(config, schedule, strategy)
  metrics = loop.train(clips)
  print(f'Trained {stream} to step {int(loop.global_step.numpy())}: '
        f'loss {metrics.get("loss", float("nan")):.4f}, accuracy '
        f'{metrics.get("accuracy", float("nan")):.3f}; checkpoints in '
        f'{config.model_dir}.')


if __name__ == '__main__':
  app.run(main)
