"""Top-k accuracy of trained streams on labelled clips, per stream and fused."""

import os
from typing import Dict, Mapping, Sequence, Tuple

import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import outputs
from kinetics_i3d.datasets import training_data
from kinetics_i3d.models import inference
from kinetics_i3d.training import trainer


def resolve_checkpoint(path: str) -> str:
  """A checkpoint prefix, or the newest training checkpoint of a folder.

  Raises:
    MissingFileError: neither.
  """
  if os.path.isdir(path):
    found = trainer.checkpoint_paths(path) or (
        [tf.train.latest_checkpoint(path)] if tf.train.latest_checkpoint(path)
        else [])
    if not found:
      raise errors.MissingFileError(f'no checkpoint in {path}')
    return found[-1]
  return path


def top_k_accuracy(logits: np.ndarray, labels: np.ndarray, k: int) -> float:
  """Fraction of rows whose label is among the k largest logits."""
  top = np.argsort(-logits, axis=1)[:, :k]
  return float(np.mean(np.any(top == labels[:, None], axis=1)))


def stream_logits(
    predictor: inference.Predictor,
    clips: Mapping[str, training_data.ClipList]) -> Tuple[np.ndarray,
                                                          np.ndarray]:
  """Logits and labels of every clip (whole clips, centre crop).

  Returns:
    [num_clips, classes] logits and the [num_clips] labels the data gives.

  Raises:
    InputError: the data holds no clips, or a clip (a shard) cannot be read.
  """
  datasets = {
      s: training_data.dataset(c, s, 1, 0, training=False)
      for s, c in clips.items()
  }
  rows, labels = [], []
  try:
    for batch in zip(*datasets.values()):
      inputs = {s: b[0].numpy() for s, b in zip(datasets, batch)}
      rows.append(predictor(inputs)['logits'])
      labels.append(batch[0][1].numpy())
  except (tf.errors.InvalidArgumentError, tf.errors.DataLossError) as error:
    stream = next(iter(clips))
    raise training_data.read_failure(clips[stream], error) from None
  if not rows:
    raise errors.InputError('the evaluation data holds no clips')
  return np.concatenate(rows), np.concatenate(labels)


def check_paired(rgb: training_data.ClipList,
                 flow: training_data.ClipList) -> None:
  """Raises InputError unless the two lists are the same clips in order."""
  def stems(clip_list, suffix):
    return [p[:-len(suffix)] if p.endswith(suffix) else p
            for p in clip_list.paths]
  if (stems(rgb, '_rgb.npy') != stems(flow, '_flow.npy') or
      rgb.labels != flow.labels):
    raise errors.InputError('fused evaluation needs an X_flow.npy beside '
                            'every X_rgb.npy, with the same labels')


def report(logits: Dict[str, np.ndarray], labels: np.ndarray,
           ks: Sequence[int] = (1, 5)) -> Dict[str, Dict[str, float]]:
  """Top-k accuracies by stream name (plus 'fused' for several streams)."""
  if len(logits) > 1:
    logits = dict(logits, fused=sum(logits.values()))
  return {
      name: {f'top_{k}': top_k_accuracy(values, labels, k) for k in ks}
      for name, values in logits.items()
  }


def check_logits_path(path: str) -> None:
  """Raises ExistingOutputError if a file is at `path` (never replaced)."""
  outputs.check_absent(path, 'logits_out')


def save_logits(path: str, logits: Mapping[str, np.ndarray],
                labels: np.ndarray, class_names: Sequence[str]) -> None:
  """Writes every clip's logits, per stream, with the labels to an `.npz`.

  The file holds `labels` [clips], `class_names` [classes] and one
  [clips, classes] array per stream (`rgb`, `flow`), in the order of the
  data. It appears whole or not at all.

  Raises:
    ExistingOutputError: `path` exists.
  """
  check_logits_path(path)
  outputs.remove_temporaries_of(path)  # A killed run's.
  with outputs.atomic(path) as temporary, open(temporary, 'wb') as f:
    np.savez(f, labels=labels, class_names=np.array(class_names), **logits)
