"""The trainer's update rule, recomputed independently of it, and its state."""

import os

import numpy as np
import tensorflow as tf

from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.training import trainer

_RATE = 0.05
_DECAY = 0.5  # Large, so that dropping it or misplacing it shows.
_FROZEN_UP_TO = 'Mixed_4f'


class UpdateRuleTest(tf.test.TestCase):

  def test_two_steps_follow_tf1_momentum_with_conv_weight_decay(self):
    config = trainer.TrainConfig(
        num_classes=5, model_dir=self.create_tempdir().full_path,
        batch_size=2, num_frames=9, dropout_keep_prob=1.0,
        weight_decay=_DECAY, freeze_up_to=_FROZEN_UP_TO)
    train = trainer.Trainer(config, lambda step: tf.constant(_RATE),
                            trainer.make_strategy())
    rng = np.random.default_rng(0)
    for variable in train.variables.values():  # Non-zero biases and betas.
      variable.assign(variable + rng.normal(0, 0.05, variable.shape))
    clips = tf.constant(rng.uniform(-1, 1, (2, 9, 193, 193, 3)), tf.float32)
    labels = tf.constant([1, 3], tf.int32)

    frozen = set(i3d.VALID_ENDPOINTS[:i3d.VALID_ENDPOINTS.index(
        _FROZEN_UP_TO) + 1])
    copy = i3d.InceptionI3d(5)
    checkpoints.build(copy, 3)
    copy_variables = checkpoints.variables_by_name(copy)
    later = sorted(n for n, v in copy_variables.items()
                   if v.trainable and n.split('/')[1] not in frozen)
    self.assertEqual(sorted(train.trainable), later)

    @tf.function  # As the trainer runs: the random model's deeper layers are
    def copy_gradients():  # ill-conditioned, so eager and graph kernels differ.
      """Cross-entropy over the batch, plus decay on the 5-D conv kernels."""
      with tf.GradientTape() as tape:
        logits, _ = copy(clips, is_training=True, dropout_keep_prob=1.0,
                         frozen_endpoints=frozen)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits)) + _DECAY * tf.add_n([
                tf.reduce_sum(tf.square(v)) / 2
                for n, v in copy_variables.items()
                if n in later and v.shape.rank == 5])
      return tape.gradient(loss, [copy_variables[n] for n in later])

    def expected_gradients():
      for name, variable in copy_variables.items():
        variable.assign(train.variables[name])
      return {n: g.numpy() for n, g in zip(later, copy_gradients())}

    before = {n: v.numpy() for n, v in train.variables.items()}
    slots = {n: np.zeros_like(before[n]) for n in later}
    weights = {n: before[n] for n in later}
    for _ in range(2):
      grads = expected_gradients()
      train.train_step((clips, labels))
      for name in later:
        slots[name] = 0.9 * slots[name] + grads[name]
        weights[name] = weights[name] - _RATE * slots[name]
        self.assertAllClose(train.slots[name], slots[name], rtol=1e-3,
                            atol=1e-5, msg=name)
        self.assertAllClose(train.trainable[name], weights[name], rtol=1e-4,
                            atol=1e-6, msg=name)

    changed = [n for n in later if not np.array_equal(before[n],
                                                     weights[n])]
    self.assertLen(changed, len(later))
    for name, value in train.variables.items():
      if name.split('/')[1] in frozen:  # Weights and moving statistics.
        self.assertAllEqual(value, before[name], msg=name)
    moving = [n for n in train.variables
              if n.split('/')[1] == 'Mixed_5b' and 'moving_mean' in n]
    self.assertTrue(moving)
    for name in moving:  # Unfrozen batch norm learns its statistics.
      self.assertNotAllClose(train.variables[name], before[name])

  def test_frozen_statistics_retention_and_resumed_slots(self):
    config = trainer.TrainConfig(
        num_classes=5, model_dir=self.create_tempdir().full_path,
        batch_size=1, num_frames=9, train_batch_norm=False,
        keep_checkpoints=1)
    train = trainer.Trainer(config, lambda step: tf.constant(_RATE),
                            trainer.make_strategy())
    before = {n: v.numpy() for n, v in train.variables.items()}
    rng = np.random.default_rng(1)
    batch = (tf.constant(rng.uniform(-1, 1, (1, 9, 193, 193, 3)), tf.float32),
             tf.constant([4]))
    for _ in range(2):
      train.train_step(batch)
      train.save()
    # --notrain_batch_norm: every moving statistic stays, the weights learn.
    statistics = [n for n in before if 'moving_' in n]
    self.assertLen(statistics, 2 * 57)  # Every batch norm's mean, variance.
    for name in statistics:
      self.assertAllEqual(train.variables[name], before[name], msg=name)
    for name in train.trainable:
      self.assertNotAllClose(train.variables[name], before[name], msg=name)
    # --keep_checkpoints=1 keeps the newest only.
    self.assertEqual([os.path.basename(p) for p in
                      trainer.checkpoint_paths(config.model_dir)],
                     ['model.ckpt-2'])
    # A resumed run has the weights, the momentum slots and the step.
    resumed = trainer.Trainer(config, lambda step: tf.constant(_RATE),
                              trainer.make_strategy())
    self.assertIn('resumed', resumed.restore_or_initialize())
    self.assertEqual(int(resumed.global_step.numpy()), 2)
    for name, slot in train.slots.items():
      self.assertAllEqual(resumed.slots[name], slot, msg=name)
      self.assertAllEqual(resumed.variables[name], train.variables[name])
    self.assertGreater(
        max(float(np.abs(s.numpy()).max()) for s in resumed.slots.values()),
        0)


if __name__ == '__main__':
  tf.test.main()
