"""The sets FVD compares, their clips under a protocol, and their statistics.

A set is a folder of video files, a `.npy`/`.npz` uint8 array
[N, T, H, W, 3] (or the same array in memory), or statistics saved earlier.
Its clips are chosen by a `protocols.Protocol` (for each seed), decoded from
the keyframe before each clip (not from the video's start) beside the network
(a few worker threads read the next clips while a batch is embedded), resized
if the protocol says so, and embedded; a set's `SetStatistics` hold, for each
seed, the embeddings and their mean and covariance, with the whole protocol,
the weights (name and sha256), the precision that ran and how the clips were
drawn. Saved statistics carry the same, and statistics of different protocols
are refused, naming what differs. `statistics_of_clips` takes clips already
made (an array or a `tf.data.Dataset`), so a training loop can compute FVD
without writing videos.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import json
import os
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Union)
import zipfile

import numpy as np
import tqdm

from kinetics_i3d import arrays
from kinetics_i3d import errors
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d import version
from kinetics_i3d.datasets import preprocess_jobs
from kinetics_i3d.fvd import protocols
from kinetics_i3d.video import frame_access

# TensorFlow's side, imported when first used, so that the FVD command checks
# its inputs at once.
metric = lazy_modules.load('kinetics_i3d.fvd.metric')

# Whatever makes two sets' statistics comparable.
_COMPARED = ('protocol', 'weights', 'precision')


@dataclasses.dataclass
class SetStatistics:
  """A set's embeddings under a protocol, and how they were made.

  Attributes:
    per_seed: the statistics for each seed of the protocol (one for `first`
      sampling).
    record: the protocol (`Protocol.record()`), the weights, the precision
      that ran, the source, and how its clips were drawn.
    file: the file they were read from, if they were saved.
  """
  per_seed: List[metric.Statistics]
  record: Dict[str, Any]
  file: Optional[str] = None

  @property
  def name(self) -> str:
    """The set's name, and the statistics file it comes from."""
    if self.file:
      return f'{self.file} (statistics of {self.record["source"]})'
    return self.record['source']

  @property
  def count(self) -> int:
    """Clips per seed."""
    return self.per_seed[0].count

  def describe(self) -> str:
    drawn = self.record['selection']
    return (f'{self.name}: {self.count} clips from '
            f'{drawn["usable"]} videos ({drawn["skipped"]} too short'
            f'{", drawn with replacement" if drawn["with_replacement"] else ""}'
            ')')


def check_compatible(a: SetStatistics, b: SetStatistics) -> None:
  """Raises InputError unless two sets were made under one protocol.

  The message names each difference.
  """
  differences = []
  for key in _COMPARED:
    if key == 'protocol':
      pairs = [(f'protocol {k}', a.record[key].get(k), b.record[key].get(k))
               for k in a.record[key] if k != 'num_videos']
    else:
      pairs = [(key, a.record[key], b.record[key])]
    differences += [f'{name} {x} against {y}' for name, x, y in pairs
                    if x != y]
  if differences:
    raise errors.InputError(
        f'{a.name} and {b.name} were made under '
        f'different protocols ({"; ".join(differences)}): compare sets made '
        'the same way')


def check_new_statistics_file(path: str) -> None:
  """Raises InputError unless statistics can be written at `path`.

  Raises:
    ExistingOutputError: `path` exists.
    InputError: it does not end with `.npz`.
  """
  outputs.check_new(path, 'remove it or give another --save_stats file')
  if not path.endswith('.npz'):
    raise errors.InputError(f'--save_stats={path}: name an .npz file')


def save_statistics(path: str, stats: SetStatistics) -> None:
  """Writes a set's statistics and record as an `.npz` (atomically).

  Raises:
    ExistingOutputError, InputError: see `check_new_statistics_file`.
  """
  check_new_statistics_file(path)
  arrays = {'record': np.array(json.dumps(stats.record))}
  for i, s in enumerate(stats.per_seed):
    arrays.update({f'mean_{i}': s.mean, f'cov_{i}': s.cov,
                   f'activations_{i}': s.activations})
  with outputs.atomic(path) as temporary, open(temporary, 'wb') as f:
    np.savez(f, **arrays)


def _load_statistics(path: str, archive) -> SetStatistics:
  try:
    record = json.loads(str(archive['record']))
    per_seed = [metric.Statistics(archive[f'mean_{i}'], archive[f'cov_{i}'],
                                  archive[f'activations_{i}'])
                for i in range(len(record['per_seed_counts']))]
  except (KeyError, ValueError, TypeError) as error:
    raise errors.InputError(f'{path} is not FVD statistics of this version '
                            f'({error}): embed the set again') from None
  return SetStatistics(per_seed, record, path)


class VideoSource:
  """The videos of a set: their lengths, and their clips as uint8 frames."""

  def __init__(self, source: str, lengths: Sequence[int],
               read: Callable[[int, int, int, int], np.ndarray]):
    """Keeps the set.

    Args:
      source: the set's name (its path).
      lengths: frames of each video.
      read: (video, first frame, frames, stride) to [frames, H, W, 3] uint8.
    """
    self.source = source
    self.lengths = list(lengths)
    self._read = read

  def clip(self, clip: protocols.Clip,
           protocol: protocols.Protocol) -> np.ndarray:
    """The frames of one clip, resized as the protocol says."""
    frames = self._read(clip.video, clip.first, protocol.num_frames,
                        protocol.frame_stride)
    return protocols.resize_frames(frames, protocol)


def array_source(videos: arrays.ArrayLike, source: str = 'array',
                 value_range: Optional[str] = None,
                 layout: str = 'NTHWC') -> VideoSource:
  """A set held as an [N, T, H, W, 3] array (or a memory-mapped one).

  Args:
    videos: uint8 frames, or floats in `value_range` (`arrays.video_frames`),
      in `layout`; a numpy array or another framework's tensor.
    source: the set's name.
    value_range: the range of float frames ('0-1', '-1-1' or '0-255').
    layout: one of `arrays.LAYOUTS`.

  Returns:
    The set; each clip's values are checked as it is read (a memory-mapped
    file is not read twice).

  Raises:
    ArrayError: not RGB videos in `layout`, or floats without their range.
  """
  videos, value_range = arrays.frame_layout(videos, value_range,
                                            layout=layout, name=source,
                                            min_frames=1)

  def read(video, first, frames, stride):
    clip = np.asarray(videos[video, first:first + (frames - 1) * stride + 1:
                             stride])
    return arrays.frame_values(clip, value_range, f'{source} video {video}')

  return VideoSource(source, [videos.shape[1]] * len(videos), read)


def _load_array(path: str) -> np.ndarray:
  """The [N, T, H, W, 3] array of an `.npy` or `.npz` file."""
  try:
    loaded = np.load(path, mmap_mode='r' if path.endswith('.npy') else None,
                     allow_pickle=False)
  except (ValueError, EOFError) as error:  # EOFError: an empty file.
    raise errors.InputError(
        f'{path} is not one array of videos ({error}): save a uint8 '
        '[N, T, H, W, 3] array; videos of mixed sizes go in a folder') from None
  except OSError as error:
    raise errors.InputError(f'cannot read {path}: {error}') from None
  if isinstance(loaded, np.lib.npyio.NpzFile):
    names = loaded.files
    shapes = {loaded[n].shape for n in names}
    if len(names) != 1:
      raise errors.InputError(
          f'{path} holds {len(names)} arrays'
          f'{" of mixed sizes" if len(shapes) > 1 else ""}: save one uint8 '
          '[N, T, H, W, 3] array; videos of mixed sizes go in a folder')
    loaded = loaded[names[0]]
  return loaded


def open_set(path: str, value_range: Optional[str] = None,
             layout: str = 'NTHWC') -> Union[VideoSource, SetStatistics]:
  """Opens a set: a folder of videos, an array, or saved statistics.

  Args:
    path: the folder, the `.npy`/`.npz` file, or the statistics.
    value_range: for an array of floats, their range ('0-1', '-1-1' or
      '0-255'; `arrays.video_frames`). Decoded videos are uint8.
    layout: an array's layout, one of `arrays.LAYOUTS`.

  Raises:
    MissingFileError: nothing at `path`.
    InputError: it is none of those.
  """
  if not os.path.exists(path):
    raise errors.MissingFileError(f'no folder or file at {path}')
  if path.endswith('.npz'):
    try:
      with np.load(path, allow_pickle=False) as archive:
        if 'record' in archive.files:
          return _load_statistics(path, archive)
    except (ValueError, OSError, zipfile.BadZipFile) as error:
      raise errors.InputError(
          f'cannot read {path} ({error}): is it damaged or cut short? Make '
          'it again (--save_stats) or copy it again') from None
  if os.path.isdir(path):
    videos = preprocess_jobs.video_files(path)
    indexes = [frame_access.index_frames(v) for v in videos]
    return VideoSource(
        path, [index.num_frames for index in indexes],
        lambda i, *clip: frame_access.read_frames(videos[i], indexes[i], *clip))
  if path.endswith(('.npy', '.npz')):
    return array_source(_load_array(path), path, value_range, layout)
  raise errors.InputError(
      f'{path} is not a folder of videos, an .npy/.npz array or saved '
      'statistics')


def _ahead(work: Iterable[Callable[[], np.ndarray]],
           executor: concurrent.futures.Executor,
           depth: int) -> Iterator[np.ndarray]:
  """The results of `work`, in order, with up to `depth` computed ahead."""
  pending = collections.deque()
  for task in work:
    pending.append(executor.submit(task))
    if len(pending) > depth:
      yield pending.popleft().result()
  while pending:
    yield pending.popleft().result()


def _embed_clips(clips: Iterable[np.ndarray], embedder: metric.Embedder,
                 batch_size: int, total: Optional[int],
                 description: str) -> np.ndarray:
  """[N, 400] embeddings of uint8 [T, H, W, 3] clips, a batch at a time."""
  rows, batch = [], []

  def run():
    # Frames read (`frame_values`) or decoded are in [0, 255].
    rows.append(embedder.embed_videos(batch, '0-255').numpy())
    batch.clear()

  for clip in tqdm.tqdm(clips, total=total, unit='clip', desc=description,
                        leave=False):
    batch.append(clip)
    if len(batch) == batch_size:
      run()
  if batch:
    run()
  return np.concatenate(rows) if rows else np.zeros((0, metric.NUM_CLASSES))


def _record(protocol: protocols.Protocol, embedder: metric.Embedder,
            source: str, selection: Dict[str, Any],
            counts: List[int]) -> Dict[str, Any]:
  return {
      'protocol': protocol.record(), 'weights': dict(embedder.weights),
      'precision': embedder.precision, 'source': source,
      'selection': selection, 'per_seed_counts': counts,
      'kinetics_i3d_version': version.__version__,
  }


def embed_set(video_set: VideoSource, protocol: protocols.Protocol,
              embedder: metric.Embedder, batch_size: int = 8,
              workers: int = 2) -> SetStatistics:
  """Draws a set's clips for each seed of the protocol and embeds them.

  Args:
    video_set: the videos.
    protocol: the protocol.
    embedder: the network.
    batch_size: clips run together.
    workers: threads decoding the next clips while a batch runs.

  Returns:
    The set's statistics.

  Raises:
    InputError: the set has too few usable videos, or a clip cannot be read.
  """
  per_seed, selection = [], None
  depth = max(2 * batch_size, workers)
  with concurrent.futures.ThreadPoolExecutor(workers) as executor:
    for seed in protocol.seeds:
      drawn = protocols.select_clips(video_set.lengths, protocol, seed,
                                     video_set.source)
      selection = {'usable': drawn.usable, 'skipped': drawn.skipped,
                   'with_replacement': drawn.with_replacement}
      tasks = (lambda c=c: video_set.clip(c, protocol) for c in drawn.clips)
      activations = _embed_clips(
          _ahead(tasks, executor, depth), embedder, batch_size,
          len(drawn.clips), os.path.basename(video_set.source.rstrip('/')))
      per_seed.append(metric.Statistics.of(activations))
  return SetStatistics(per_seed, _record(protocol, embedder, video_set.source,
                                         selection,
                                         [s.count for s in per_seed]))


def statistics_of_clips(clips: Union[arrays.ArrayLike, 'tf.data.Dataset'],
                        embedder: metric.Embedder,
                        protocol: protocols.Protocol,
                        source: str = 'clips',
                        batch_size: int = 8,
                        value_range: Optional[str] = None,
                        layout: str = 'NTHWC') -> SetStatistics:
  """Statistics of clips already made, for research code.

  For FVD in a training loop: sample clips as the protocol says (or pass an
  array of videos to `embed_set(array_source(...))`, which samples them), and
  embed them here without writing videos.

  Args:
    clips: [N, T, H, W, 3] frames, uint8 or floats in `value_range`
      (`arrays.video_frames`), or a `tf.data.Dataset` of [T, H, W, 3] clips
      or [B, T, H, W, 3] batches of them.
    embedder: the network.
    protocol: the protocol the clips follow (recorded with the statistics;
      its resize is applied here).
    source: a name for the clips.
    batch_size: clips run together (arrays; datasets run as they come).
    value_range: the range of float frames ('0-1', '-1-1' or '0-255').
    layout: the clips' layout, one of `arrays.LAYOUTS` (a dataset's clips
      without N).

  Returns:
    The statistics (one seed).

  Raises:
    ArrayError: clips that do not fit (`arrays.video_frames`; a dataset's
      are checked as they come).
    InputError: fewer than 2 clips.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if isinstance(clips, tf.data.Dataset):
    def items() -> Iterator[np.ndarray]:
      for item in clips.as_numpy_iterator():
        batched = np.ndim(item) == len(layout)
        checked = arrays.video_frames(item, value_range, layout=layout,
                                      name=source, batched=batched)
        yield from (checked if batched else checked[None])

    flat = items()
  else:
    clips, value_range = arrays.frame_layout(clips, value_range,
                                             layout=layout, name=source)
    flat = (arrays.frame_values(np.asarray(c), value_range, source)
            for c in clips)
  activations = _embed_clips(
      (protocols.resize_frames(c, protocol) for c in flat), embedder,
      batch_size, None, source)
  if len(activations) < 2:
    raise errors.InputError(f'{source} holds {len(activations)} clip: FVD '
                            'needs at least 2')
  return SetStatistics(
      [metric.Statistics.of(activations)],
      _record(protocol, embedder, source,
              {'usable': len(activations), 'skipped': 0,
               'with_replacement': False}, [len(activations)]))


@dataclasses.dataclass
class Distances:
  """FVD and KVD between two sets, per seed and over the seeds.

  Attributes:
    seeds: the seeds (None for first sampling).
    fvd: FVD for each seed.
    kvd: KVD for each seed.
  """
  seeds: Optional[List[int]]
  fvd: List[float]
  kvd: List[float]

  def summary(self) -> Dict[str, Any]:
    """Means, standard deviations (over seeds, ddof=1; 0 for one seed) and
    the per-seed values."""
    def spread(values):
      return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return {'fvd': float(np.mean(self.fvd)), 'fvd_std': spread(self.fvd),
            'kvd': float(np.mean(self.kvd)), 'kvd_std': spread(self.kvd),
            'per_seed': [{'seed': s, 'fvd': f, 'kvd': k} for s, f, k in
                         zip(self.seeds or [None] * len(self.fvd), self.fvd,
                             self.kvd)]}


def distances(a: SetStatistics, b: SetStatistics) -> Distances:
  """FVD and KVD for each seed of two sets of one protocol.

  Raises:
    InputError: the sets were made under different protocols.
  """
  check_compatible(a, b)
  values = [metric.distances(x, y) for x, y in zip(a.per_seed, b.per_seed)]
  return Distances(a.record['protocol']['seeds'], [v[0] for v in values],
                   [v[1] for v in values])
