"""tf.data input pipelines for training and evaluating one I3D stream.

Clips come from:

* a folder of class sub-folders holding the `.npy` clips that
  `preprocess_video.py` writes (`<name>_rgb.npy`, `<name>_flow.npy`; other
  `.npy` files count when their channels fit the stream), classes in sorted
  order of the sub-folder names;
* a CSV file of `path,label` lines (paths relative to the CSV; labels class
  names, in sorted order unless a label map is given, or integer indices);
* TFRecord files of `tf.train.SequenceExample`s in the format of DeepMind's
  MediaPipe Kinetics pipeline: JPEG frames in `image/encoded`, JPEG flow in
  `FORWARD_FLOW/image/encoded` (quantised from [-20, 20] pixels), the label
  in `clip/label/index`.

Training takes a random window of `num_frames` frames (looping clips that are
shorter, as the paper does), a random 224x224 crop and a random left-right
flip of the whole clip (negating the x displacement of flow); evaluation takes
whole clips and the centre crop.
"""

import csv
import dataclasses
import os
from typing import List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from kinetics_i3d import arrays
from kinetics_i3d import errors
from kinetics_i3d.datasets import label_maps
from kinetics_i3d.datasets import sequence_examples
from kinetics_i3d.datasets import shards
from kinetics_i3d.models import streams

CROP_SIZE = 224
_FLOW_JPEG_BOUND = 20.0


@dataclasses.dataclass
class ClipList:
  """Labelled clips on disk.

  Attributes:
    paths: `.npy` clips, or TFRecord files when `tfrecord`.
    labels: class index of each `.npy` clip (empty for TFRecords).
    class_names: the classes, in label order.
    tfrecord: whether `paths` are TFRecord files.
  """
  paths: List[str]
  labels: List[int]
  class_names: List[str]
  tfrecord: bool = False


def _check_npy(path: str, num_channels: int) -> int:
  """Returns the frame count of a clip, or raises InputError (the values
  are checked as they are read, `_load_window`)."""
  try:
    clip = np.load(path, mmap_mode='r', allow_pickle=False)
  except (ValueError, OSError, EOFError) as error:  # EOFError: empty.
    raise errors.InputError(
        f'{path} is not a readable .npy clip ({error}): is it damaged or cut '
        'short? Make it again (preprocess_video.py) or copy it again') from None
  stream = 'rgb' if num_channels == 3 else 'flow'
  arrays.clip_layout(clip, stream, name=path, min_frames=1,
                     min_size=CROP_SIZE)
  if clip.shape[0] != 1:
    raise errors.InputError(
        f'{path} has shape {list(clip.shape)}; clips must be [1, frames, '
        f'height >= {CROP_SIZE}, width >= {CROP_SIZE}, {num_channels}]')
  return clip.shape[1]


def _stream_files(folder: str, stream: str) -> List[str]:
  """The stream's clips in a folder: `*_<stream>.npy`, else other `.npy`."""
  files = sorted(f for f in os.listdir(folder) if f.endswith('.npy'))
  other = '_flow.npy' if stream == 'rgb' else '_rgb.npy'
  chosen = ([f for f in files if f.endswith(f'_{stream}.npy')] or
            [f for f in files if not f.endswith(other)])
  return [os.path.join(folder, f) for f in chosen]


def from_class_folders(root: str, stream: str) -> ClipList:
  """Clips from `root/<class>/*.npy`.

  Raises:
    MissingFileError: `root` does not exist.
    InputError: no class folders, an empty class, or a bad clip.
  """
  if not os.path.isdir(root):
    raise errors.MissingFileError(f'no data folder at {root}')
  classes = sorted(d for d in os.listdir(root)
                   if os.path.isdir(os.path.join(root, d)))
  if not classes:
    raise errors.InputError(f'{root} has no class sub-folders')
  channels = streams.STREAMS[stream].num_channels
  paths, labels = [], []
  for label, name in enumerate(classes):
    found = _stream_files(os.path.join(root, name), stream)
    if not found:
      raise errors.InputError(f'class folder {os.path.join(root, name)} has '
                              f'no {stream} clips (*_{stream}.npy)')
    for path in found:
      _check_npy(path, channels)
    paths += found
    labels += [label] * len(found)
  return ClipList(paths, labels, classes)


def from_csv(csv_path: str, stream: str,
             label_map: Optional[str] = None) -> ClipList:
  """Clips from a CSV of `path,label` lines.

  Raises:
    MissingFileError: the CSV or a clip does not exist.
    InputError: a malformed line, an unknown label, or a bad clip.
  """
  if not os.path.isfile(csv_path):
    raise errors.MissingFileError(f'no CSV at {csv_path}')
  base = os.path.dirname(os.path.abspath(csv_path))
  rows = []
  with open(csv_path, newline='', encoding='utf-8') as f:
    for number, row in enumerate(csv.reader(f), 1):
      if not row or row[0].startswith('#') or row[0] == 'path':
        continue
      if len(row) != 2:
        raise errors.InputError(f'{csv_path}:{number}: expected path,label')
      rows.append((number, os.path.join(base, row[0].strip()), row[1].strip()))
  if not rows:
    raise errors.InputError(f'{csv_path} lists no clips')
  if label_map:
    names = label_maps.read_names(label_map)
  elif all(label.isdigit() for _, _, label in rows):
    names = [str(i) for i in range(max(int(l) for _, _, l in rows) + 1)]
  else:
    names = sorted({label for _, _, label in rows})
  index = {name: i for i, name in enumerate(names)}
  channels = streams.STREAMS[stream].num_channels
  paths, labels = [], []
  for number, path, label in rows:
    if label.isdigit() and label not in index:
      label_index = int(label)
    else:
      label_index = index.get(label, -1)
    if not 0 <= label_index < len(names):
      raise errors.InputError(f'{csv_path}:{number}: label {label!r} is not '
                              f'one of the {len(names)} classes')
    if not os.path.exists(path):
      raise errors.MissingFileError(f'{csv_path}:{number}: no clip at {path}')
    _check_npy(path, channels)
    paths.append(path)
    labels.append(label_index)
  return ClipList(paths, labels, names)


def from_tfrecords(source: str, class_names: Sequence[str]) -> ClipList:
  """The shards of one split (`shards.shard_files`: a folder, glob or file).

  Raises:
    InputError: no shards, or one missing.
  """
  return ClipList(shards.shard_files(source), [], list(class_names),
                  tfrecord=True)


def read_failure(clips: ClipList,
                 error: tf.errors.OpError) -> errors.InputError:
  """The error to raise when reading `clips` failed with `error`.

  For shards, the one damaged shard is found and named (`shards.find_damaged`);
  for `.npy` clips, the reader's own message.
  """
  damaged = shards.find_damaged(clips.paths) if clips.tfrecord else None
  return damaged or errors.InputError(
      f'a clip cannot be read: {error.message.splitlines()[0]}')


def _data_set_label_map(source: str) -> Optional[str]:
  """`label_map.txt` beside TFRecord shards or in the folder above them.

  `prepare_dataset.py` writes it at OUT/label_map.txt, above OUT/<split>/.
  """
  folder = source if os.path.isdir(source) else os.path.dirname(source)
  for candidate in (folder, os.path.dirname(os.path.abspath(folder))):
    path = os.path.join(candidate, 'label_map.txt')
    if os.path.isfile(path):
      return path
  return None


def load(source: str, stream: str, label_map: Optional[str] = None,
         num_classes: Optional[int] = None) -> ClipList:
  """Clips from a folder, a CSV or TFRecords, by what `source` is.

  Args:
    source: a folder of class folders, a `.csv` file, or TFRecord files (a
      `.tfrecord` file, a glob, or a folder of them).
    stream: 'rgb' or 'flow'.
    label_map: class names, one per line (CSV and TFRecords); for
      TFRecords, default: a `label_map.txt` beside them or one folder up.
    num_classes: the model's class count, checked against the data.

  Returns:
    The clips.

  Raises:
    InputError: the source cannot be used.
  """
  if source.endswith('.csv'):
    clips = from_csv(source, stream, label_map)
  elif '.tfrecord' in source or (
      os.path.isdir(source) and any(n.endswith('.tfrecord')
                                    for n in os.listdir(source))):
    label_map = label_map or _data_set_label_map(source)
    if label_map:
      names = label_maps.read_names(label_map)
    elif num_classes:
      names = [str(i) for i in range(num_classes)]
    else:
      raise errors.InputError('TFRecord data needs --label_map or '
                              '--num_classes')
    clips = from_tfrecords(source, names)
  else:
    clips = from_class_folders(source, stream)
  if num_classes is not None and len(clips.class_names) != num_classes:
    raise errors.InputError(f'{source} has {len(clips.class_names)} classes; '
                            f'--num_classes is {num_classes}')
  return clips


def _load_window(path: bytes, num_frames: int, seed: int,
                 random: bool) -> np.ndarray:
  """`num_frames` frames of an .npy clip (looped if shorter), all if 0.

  The window starts at a random frame if `random`, else at the first. Its
  values are checked (`arrays.clip_values`).
  """
  clip = np.load(path.decode(), mmap_mode='r')[0]
  total = clip.shape[0]
  if num_frames <= 0:
    window = clip
  elif total >= num_frames:
    start = int(np.random.default_rng(seed).integers(
        0, total - num_frames + 1)) if random else 0
    window = clip[start:start + num_frames]
  else:
    window = np.asarray(clip)[np.arange(num_frames) % total]
  stream = 'rgb' if clip.shape[-1] == 3 else 'flow'
  return np.asarray(arrays.clip_values(np.asarray(window), stream,
                                       path.decode()))


def _augment(clip: tf.Tensor, stream: str, seed: tf.Tensor) -> tf.Tensor:
  """Random 224 crop and left-right flip, the same for every frame."""
  crop = tf.image.stateless_random_crop(
      clip, [tf.shape(clip)[0], CROP_SIZE, CROP_SIZE, tf.shape(clip)[3]],
      seed=seed)
  flip = tf.random.stateless_uniform([], seed=seed + 1) < 0.5
  flipped = tf.reverse(crop, axis=[2])
  if stream == 'flow':
    flipped = flipped * tf.constant([-1.0, 1.0])
  return tf.where(flip, flipped, crop)


def _center_crop(clip: tf.Tensor) -> tf.Tensor:
  height, width = tf.shape(clip)[1], tf.shape(clip)[2]
  top, left = (height - CROP_SIZE) // 2, (width - CROP_SIZE) // 2
  return clip[:, top:top + CROP_SIZE, left:left + CROP_SIZE, :]


def _parse_sequence_example(serialized: tf.Tensor, stream: str):
  """Frames in [-1, 1] and the label of a MediaPipe SequenceExample."""
  key = sequence_examples.encoded_key(stream)
  context, sequence = tf.io.parse_single_sequence_example(
      serialized,
      context_features={
          'clip/label/index': tf.io.FixedLenFeature([], tf.int64)
      },
      sequence_features={key: tf.io.FixedLenSequenceFeature([], tf.string)})
  frames = tf.map_fn(sequence_examples.decode_jpeg, sequence[key],
                     fn_output_signature=tf.uint8)
  clip = sequence_examples.images_to_network(
      tf.cast(frames, tf.float32) / 255.0, stream)
  return clip, tf.cast(context['clip/label/index'], tf.int32)


def _window(clip: tf.Tensor, num_frames: int, seed: tf.Tensor,
            random: bool) -> tf.Tensor:
  """The TFRecord counterpart of `_load_window`."""
  total = tf.shape(clip)[0]
  indices = tf.range(num_frames) % total
  start = tf.random.stateless_uniform(
      [], seed=seed, minval=0, maxval=tf.maximum(total - num_frames, 0) + 1,
      dtype=tf.int32) if random else 0
  return tf.gather(clip, tf.where(total >= num_frames, start + indices,
                                  indices))


def dataset(clips: ClipList,
            stream: str,
            batch_size: int,
            num_frames: int,
            training: bool,
            seed: int = 0,
            shard: Tuple[int, int] = (1, 0),
            augment: bool = True) -> tf.data.Dataset:
  """Batches of (clips [batch, frames, 224, 224, C], labels [batch]).

  Args:
    clips: the data.
    stream: 'rgb' or 'flow'.
    batch_size: clips per batch.
    num_frames: frames per training clip (evaluation takes whole clips, one
      per batch unless they have equal lengths).
    training: windows of `num_frames`, repeated forever; otherwise one pass
      over whole clips in order, centre-cropped.
    seed: seeds the shuffling and the augmentation.
    shard: (number of shards, this shard's index), for multi-worker input.
    augment: when training, shuffle and take random windows, crops and
      flips; otherwise the first frames (looped) and the centre crop, in
      order (reproducible runs).

  Returns:
    The dataset.
  """
  num_shards, index = shard
  if clips.tfrecord:
    records = tf.data.Dataset.from_tensor_slices(clips.paths)
    records = records.shard(num_shards, index)
    data = records.interleave(tf.data.TFRecordDataset,
                              num_parallel_calls=tf.data.AUTOTUNE,
                              deterministic=not training)
    data = data.map(lambda s: _parse_sequence_example(s, stream),
                    num_parallel_calls=tf.data.AUTOTUNE)
  else:
    data = tf.data.Dataset.from_tensor_slices(
        (clips.paths, tf.constant(clips.labels, tf.int32)))
    data = data.shard(num_shards, index)
  augment = augment and training
  if augment:
    data = data.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
  if training:
    data = data.repeat()
  data = tf.data.Dataset.zip((data, tf.data.Dataset.random(seed=seed).batch(2)))
  channels = streams.STREAMS[stream].num_channels

  def load_clip(example, seeds):
    first, label = example
    seeds = tf.cast(seeds % (2**31), tf.int32)
    if clips.tfrecord:
      clip = first
      if training:
        clip = _window(clip, num_frames, seeds, augment)
    else:
      clip = tf.numpy_function(
          _load_window,
          [first, num_frames if training else 0, seeds[0], augment],
          tf.float32, stateful=False)
      clip = tf.ensure_shape(clip, [None, None, None, channels])
    clip = _augment(clip, stream, seeds) if augment else _center_crop(clip)
    return clip, label

  data = data.map(load_clip, num_parallel_calls=tf.data.AUTOTUNE,
                  deterministic=not training)
  data = data.batch(batch_size if training else 1,
                    drop_remainder=training)
  return data.prefetch(tf.data.AUTOTUNE)
