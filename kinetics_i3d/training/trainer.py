"""Training and fine-tuning one I3D stream with the paper's recipe.

Softmax cross-entropy, SGD with momentum 0.9 (TF1's `MomentumOptimizer`:
accumulator = 0.9 * accumulator + gradient, weight -= rate * accumulator),
weight decay 1e-7 (an L2 loss, sum(w^2) / 2, on the convolution weights),
dropout with keep probability 0.5 before the logits, batch norm in training
mode, 6 clips per replica, synchronous data-parallel training on
`tf.distribute`: `MirroredStrategy` on one machine and
`MultiWorkerMirroredStrategy` across machines when `TF_CONFIG` names several
workers. Gradients are summed over replicas (each replica's loss is divided
by the global batch), so a step equals one step on the whole global batch;
batch statistics are per replica, as in the original.

Checkpoints are written in the original name-based format
(`RGB/inception_i3d/...`, the `/Momentum` slots and `global_step`), so the
original TF1 code reads them; training resumes from the newest one in the
model folder. TensorBoard summaries: loss, accuracy, learning rate.
"""

import glob
import json
import os
import re
import time
from typing import Callable, Dict, List, Optional

from absl import logging
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import outputs
from kinetics_i3d.datasets import training_data
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.models import streams
from kinetics_i3d.training import config as config_lib

_CHECKPOINT = re.compile(r'model\.ckpt-(\d+)\.index$')

FREEZABLE_ENDPOINTS = config_lib.FREEZABLE_ENDPOINTS


TrainConfig = config_lib.TrainConfig


def make_strategy(cpu_replicas: int = 1) -> tf.distribute.Strategy:
  """MultiWorkerMirroredStrategy if TF_CONFIG has several workers.

  Otherwise MirroredStrategy over the local GPUs, or over `cpu_replicas`
  logical CPU devices (more than one only to test data parallelism).
  """
  cluster = json.loads(os.environ.get('TF_CONFIG', '{}')).get('cluster', {})
  if len(cluster.get('worker', [])) + len(cluster.get('chief', [])) > 1:
    return tf.distribute.MultiWorkerMirroredStrategy()
  if cpu_replicas > 1 and not tf.config.list_physical_devices('GPU'):
    cpu = tf.config.list_physical_devices('CPU')[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * cpu_replicas)
    return tf.distribute.MirroredStrategy(
        [d.name for d in tf.config.list_logical_devices('CPU')])
  return tf.distribute.MirroredStrategy()


def _first_replica_aggregation(next_creator, **kwargs):
  """Weights and slots take the first replica's value when assigned.

  Gradients are all-reduced before the update, so every replica computes the
  same new value; this lets the update run in the replica context.
  """
  if kwargs.get('synchronization') != tf.VariableSynchronization.ON_READ:
    kwargs['aggregation'] = tf.VariableAggregation.ONLY_FIRST_REPLICA
  return next_creator(**kwargs)


def _endpoint_of(variable_name: str) -> str:
  return variable_name.split('/')[1]


def checkpoint_paths(model_dir: str) -> List[str]:
  """The training checkpoints in `model_dir`, oldest first."""
  found = []
  for index in glob.glob(os.path.join(model_dir, 'model.ckpt-*.index')):
    match = _CHECKPOINT.search(index)
    if match:
      found.append((int(match.group(1)), index[:-len('.index')]))
  return [path for _, path in sorted(found)]


class Trainer:
  """Trains one stream; see the module docstring."""

  def __init__(self, config: TrainConfig, schedule: Callable,
               strategy: tf.distribute.Strategy):
    if config.freeze_up_to and config.freeze_up_to not in i3d.VALID_ENDPOINTS:
      raise errors.InputError(
          f'--freeze_up_to {config.freeze_up_to!r} is not an endpoint; '
          f'expected one of {", ".join(FREEZABLE_ENDPOINTS)}')
    self.config = config
    self.schedule = schedule
    self.strategy = strategy
    self.scope = streams.STREAMS[config.stream].scope
    channels = streams.STREAMS[config.stream].num_channels
    with strategy.scope(), tf.variable_creator_scope(
        _first_replica_aggregation):
      tf.random.set_seed(config.seed)
      self.model = i3d.InceptionI3d(config.num_classes)
      checkpoints.build(self.model, channels)
      self.variables = checkpoints.variables_by_name(self.model)
      frozen = set()
      if config.freeze_up_to:
        last = i3d.VALID_ENDPOINTS.index(config.freeze_up_to)
        frozen = set(i3d.VALID_ENDPOINTS[:last + 1])
      # Batch norm of frozen layers (of all, without train_batch_norm) uses
      # and keeps its moving statistics.
      self.frozen_batch_norm = (set(i3d.VALID_ENDPOINTS) if
                                not config.train_batch_norm else frozen)
      self.trainable = {
          name: v for name, v in self.variables.items()
          if v.trainable and _endpoint_of(name) not in frozen
      }
      self.slots = {
          name: tf.Variable(tf.zeros_like(v), trainable=False,
                            name=name.replace('/', '_') + '_momentum')
          for name, v in self.trainable.items()
      }
      self.global_step = tf.Variable(0, dtype=tf.int64, trainable=False,
                                     name='global_step')
    self._decayed = [v for n, v in self.trainable.items()
                     if n.endswith('conv_3d/w')]
    self._step_fn = None

  # Checkpoints.

  def restore_or_initialize(self) -> str:
    """Resumes from the newest checkpoint, else loads --init_checkpoint.

    Returns:
      What was done, for the log.
    """
    existing = checkpoint_paths(self.config.model_dir)
    if existing:
      path = existing[-1]
      checkpoints.restore(self.model, path, self.scope)
      reader = tf.train.load_checkpoint(path)
      for name, slot in self.slots.items():
        key = f'{self.scope}/{name}/Momentum'
        if reader.has_tensor(key):
          slot.assign(reader.get_tensor(key))
      self.global_step.assign(reader.get_tensor('global_step'))
      return f'resumed from {path} at step {int(self.global_step.numpy())}'
    if self.config.init_checkpoint:
      return self._initialize_from(self.config.init_checkpoint)
    return 'started from random weights'

  def _initialize_from(self, path: str) -> str:
    reader = checkpoints.open_checkpoint(path)
    shapes = reader.get_variable_to_shape_map()
    layout = checkpoints.find_layout(list(shapes), self.model.name, self.scope)
    logits_w = 'inception_i3d/Logits/Conv3d_0c_1x1/conv_3d/w'
    exclude = ()
    if tuple(shapes.get(layout.key(logits_w), ())) != tuple(
        self.variables[logits_w].shape):
      exclude = ('inception_i3d/Logits/',)
    checkpoints.restore(self.model, path, self.scope, exclude=exclude)
    note = ' (new logits layer for the class count)' if exclude else ''
    return f'initialized from {path}{note}'

  def save(self) -> str:
    """Writes model.ckpt-<step> in the original format; keeps the newest."""
    step = int(self.global_step.numpy())
    path = os.path.join(self.config.model_dir, f'model.ckpt-{step}')
    arrays = {
        f'{self.scope}/{name}': v.numpy()
        for name, v in self.variables.items()
    }
    arrays.update({
        f'{self.scope}/{name}/Momentum': slot.numpy()
        for name, slot in self.slots.items()
    })
    arrays['global_step'] = np.int64(step)
    if self._is_chief():
      checkpoints.write_arrays(path, arrays)
      for old in checkpoint_paths(
          self.config.model_dir)[:-self.config.keep_checkpoints]:
        for f in glob.glob(old + '.*'):
          os.remove(f)
    return path

  def _is_chief(self) -> bool:
    """Whether this process writes the checkpoints (the first worker)."""
    resolver = getattr(self.strategy, 'cluster_resolver', None)
    cluster = resolver.cluster_spec().as_dict() if resolver else {}
    if not cluster:
      return True
    if 'chief' in cluster:
      return resolver.task_type == 'chief'
    return resolver.task_type == 'worker' and resolver.task_id == 0

  # Training.

  def _replica_step(self, clips, labels):
    config = self.config
    global_batch = config.batch_size * self.strategy.num_replicas_in_sync
    replicas = self.strategy.num_replicas_in_sync
    with tf.GradientTape() as tape:
      logits, _ = self.model(clips, is_training=True,
                             dropout_keep_prob=config.dropout_keep_prob,
                             frozen_endpoints=self.frozen_batch_norm)
      cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
          labels=labels, logits=logits)
      decay = config.weight_decay * tf.add_n(
          [tf.nn.l2_loss(w) for w in self._decayed])
      loss = tf.reduce_sum(cross_entropy) / global_batch + decay / replicas
    names = list(self.trainable)
    grads = tape.gradient(loss, [self.trainable[n] for n in names])
    context = tf.distribute.get_replica_context()
    grads = context.all_reduce(tf.distribute.ReduceOp.SUM, grads)
    rate = self.schedule(self.global_step)
    for name, grad in zip(names, grads):
      slot = self.slots[name]
      slot.assign(config.momentum * slot + grad)
      self.trainable[name].assign_sub(rate * slot)
    self.global_step.assign_add(1)
    correct = tf.reduce_sum(
        tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), labels),
                tf.float32))
    return {
        'loss': tf.reduce_sum(cross_entropy) / global_batch,
        'accuracy': correct / global_batch,
    }

  def train_step(self, batch) -> Dict[str, float]:
    """One synchronous step on a distributed batch.

    Returns:
      The step's loss and accuracy over the global batch, and its learning
      rate.
    """
    if self._step_fn is None:
      self._step_fn = tf.function(
          lambda b: self.strategy.run(self._replica_step, args=b))
    rate = float(self.schedule(self.global_step))
    per_replica = self._step_fn(batch)
    metrics = {
        k: float(self.strategy.reduce(tf.distribute.ReduceOp.SUM, v, None))
        for k, v in per_replica.items()
    }
    return dict(metrics, learning_rate=rate)

  def distributed_dataset(self, clips: training_data.ClipList):
    config = self.config

    def make(context: tf.distribute.InputContext):
      return training_data.dataset(
          clips, config.stream, config.batch_size, config.num_frames,
          training=True, seed=config.seed + context.input_pipeline_id,
          shard=(context.num_input_pipelines, context.input_pipeline_id),
          augment=config.augment)

    return self.strategy.distribute_datasets_from_function(make)

  def train(self, clips: training_data.ClipList) -> Dict[str, float]:
    """Trains until `train_steps`, saving every `save_every` steps.

    Returns:
      The metrics of the last step.

    Raises:
      InputError: a clip cannot be read.
    """
    config = self.config
    if self._is_chief():  # What a run killed while saving left.
      for path in outputs.remove_temporaries(config.model_dir):
        logging.info('removed %s, left by a stopped run', path)
    logging.info('%s', self.restore_or_initialize())
    writer = tf.summary.create_file_writer(
        os.path.join(config.model_dir, 'train'))
    metrics = {}
    step = int(self.global_step.numpy())
    batches = iter(self.distributed_dataset(clips))
    start = time.perf_counter()
    while step < config.train_steps:
      try:
        metrics = self.train_step(next(batches))
      except (tf.errors.InvalidArgumentError,
              tf.errors.DataLossError) as error:
        raise training_data.read_failure(clips, error) from None
      step = int(self.global_step.numpy())
      if step % config.log_every == 0 or step == config.train_steps:
        elapsed = time.perf_counter() - start
        logging.info(
            'step %d: loss %.4f, accuracy %.3f, learning rate %g, %.2f s/step',
            step, metrics['loss'], metrics['accuracy'],
            metrics['learning_rate'], elapsed / config.log_every)
        start = time.perf_counter()
        with writer.as_default(step=step):
          for name, value in metrics.items():
            tf.summary.scalar(name, value)
      if step % config.save_every == 0 or step == config.train_steps:
        logging.info('saved %s', self.save())
    writer.flush()
    return metrics
