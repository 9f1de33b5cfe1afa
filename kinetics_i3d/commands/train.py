"""Trains or fine-tunes one I3D stream with the paper's recipe.

  python train.py --stream=rgb --train_data=DATA --num_classes=N \
      --model_dir=DIR [--init_checkpoint=CHECKPOINT]
      [--schedule=rgb|flow|constant|cosine|piecewise] [--train_steps=...]

DATA: a folder of class sub-folders of `.npy` clips (as `preprocess_video.py`
writes them), a CSV of `path,label` lines, or TFRecord SequenceExamples in
the MediaPipe Kinetics format (see `kinetics_i3d/datasets/training_data.py`).
Synchronous data-parallel on `tf.distribute`: one machine by default; set
TF_CONFIG on each machine for multi-worker training (docs/training.md). Training
resumes from the newest checkpoint in --model_dir.
"""

from __future__ import annotations

from typing import Sequence

from absl import app
from absl import flags
from absl import logging

from kinetics_i3d import cli
from kinetics_i3d import lazy_modules
from kinetics_i3d.datasets import sources
from kinetics_i3d.training import config

# Heavy (TensorFlow, Beam): imported when a path first uses them.
schedules = lazy_modules.load('kinetics_i3d.training.schedules')
trainer = lazy_modules.load('kinetics_i3d.training.trainer')
training_data = lazy_modules.load('kinetics_i3d.datasets.training_data')

_DEFAULTS = config.TrainConfig()
FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  flags.DEFINE_enum('stream', 'rgb', ['rgb', 'flow'], 'Stream.')
  flags.DEFINE_string('train_data', None,
                      'Class folders, CSV or TFRecords.',
                      required=True)
  flags.DEFINE_string('label_map', None,
                      'Class names, one per line (CSV, TFRecord).')
  flags.DEFINE_integer('num_classes', None,
                       'Classes (default: from the data).')
  flags.DEFINE_string('model_dir', None,
                      'Checkpoints and summaries.', required=True)
  flags.DEFINE_string(
      'init_checkpoint', None,
      'Start from this checkpoint (any original layout); the logits layer is '
      'new when the class count differs.')
  flags.DEFINE_enum('schedule', None, config.SCHEDULES,
                    'Learning-rate schedule (default: the '
                    "stream's schedule from the paper).")
  flags.DEFINE_float('learning_rate', 0.1,
                     'Base rate of constant and cosine.')
  flags.DEFINE_list('boundaries', [],
                    'Steps where a piecewise schedule changes.')
  flags.DEFINE_list('values', [], 'Rates of a piecewise schedule.')
  flags.DEFINE_integer(
      'train_steps', None, 'Global steps (default: 115k RGB, 155k Flow).')
  flags.DEFINE_integer('batch_size', _DEFAULTS.batch_size,
                       'Clips per replica.')
  flags.DEFINE_integer('num_frames', _DEFAULTS.num_frames,
                       'Frames per training clip.')
  flags.DEFINE_enum(
      'freeze_up_to', None, config.FREEZABLE_ENDPOINTS,
      'Keep the weights of this endpoint and those before it fixed.')
  flags.DEFINE_float('dropout_keep_prob',
                     _DEFAULTS.dropout_keep_prob,
                     'Keep probability before the logits.')
  flags.DEFINE_float('weight_decay', _DEFAULTS.weight_decay,
                     'L2 weight decay.')
  flags.DEFINE_float('momentum', _DEFAULTS.momentum, 'Momentum.')
  flags.DEFINE_integer('save_every', _DEFAULTS.save_every,
                       'Steps between checkpoints.')
  flags.DEFINE_integer('keep_checkpoints',
                       _DEFAULTS.keep_checkpoints,
                       'Checkpoints kept.')
  flags.DEFINE_integer('log_every', _DEFAULTS.log_every,
                       'Steps between log lines and summaries.')
  flags.DEFINE_integer('seed', 0, 'Seeds initialisation and data.')
  flags.DEFINE_boolean(
      'augment', True, 'Shuffle; random windows, crops and flips.')
  flags.DEFINE_boolean(
      'train_batch_norm', True,
      'Batch norm in training mode (the paper). False uses and keeps the '
      'moving statistics, for fine-tuning on little data.')
  flags.DEFINE_integer(
      'cpu_replicas', 1, 'Split the CPU into this many replicas (testing).')


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  stream = FLAGS.stream
  sources.check_exists(FLAGS.train_data)
  clips = training_data.load(FLAGS.train_data, stream, FLAGS.label_map,
                             FLAGS.num_classes)
  train_steps = FLAGS.train_steps or (115_000 if stream == 'rgb' else 155_000)
  try:
    schedule = schedules.make(FLAGS.schedule or stream, FLAGS.learning_rate,
                              train_steps, FLAGS.boundaries, FLAGS.values)
  except ValueError as error:
    raise app.UsageError(str(error))
  train_config = config.TrainConfig(
      stream=stream, num_classes=len(clips.class_names),
      model_dir=FLAGS.model_dir, train_steps=train_steps,
      batch_size=FLAGS.batch_size, num_frames=FLAGS.num_frames,
      momentum=FLAGS.momentum, weight_decay=FLAGS.weight_decay,
      dropout_keep_prob=FLAGS.dropout_keep_prob,
      init_checkpoint=FLAGS.init_checkpoint, freeze_up_to=FLAGS.freeze_up_to,
      save_every=FLAGS.save_every, keep_checkpoints=FLAGS.keep_checkpoints,
      log_every=FLAGS.log_every, seed=FLAGS.seed, augment=FLAGS.augment,
      train_batch_norm=FLAGS.train_batch_norm)
  strategy = trainer.make_strategy(FLAGS.cpu_replicas)
  logging.info('%d %s clips of %d classes; %d replicas', len(clips.paths),
               stream, len(clips.class_names), strategy.num_replicas_in_sync)
  loop = trainer.Trainer(train_config, schedule, strategy)
  metrics = loop.train(clips)
  print(f'Trained {stream} to step {int(loop.global_step.numpy())}: '
        f'loss {metrics.get("loss", float("nan")):.4f}, accuracy '
        f'{metrics.get("accuracy", float("nan")):.3f}; checkpoints in '
        f'{train_config.model_dir}.')


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
