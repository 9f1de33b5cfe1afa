"""The sets of videos FVD compares: folders, arrays and saved statistics.

A set is a folder of video files (the first `num_frames` frames of each, as
stored: no frame-rate resampling), a `.npy`/`.npz` uint8 array
[N, T, H, W, 3], or an `.npz` of statistics saved earlier
(`save_statistics`), which holds the embeddings' mean, covariance and the
embeddings themselves with the settings they were made with.
"""

import dataclasses
import os
from typing import Iterator, List, Tuple, Union
import zipfile

import av
import numpy as np
import tensorflow as tf
import tqdm

from kinetics_i3d import errors
from kinetics_i3d import fvd
from kinetics_i3d.datasets import preprocess_jobs
from kinetics_i3d.video import decoding
from kinetics_i3d.video import preprocessing

_STATISTICS_KEYS = ('mean', 'cov', 'activations', 'num_frames', 'resolution',
                    'precision')


@dataclasses.dataclass
class SetStatistics:
  """A set's embedding statistics and the settings they were made with.

  Attributes:
    statistics: mean, covariance and embeddings.
    num_frames: frames per clip.
    resolution: (height, width) of the source frames, or (0, 0) when they
      differ between videos.
    precision: 'float32' or 'bfloat16'.
  """
  statistics: fvd.Statistics
  num_frames: int
  resolution: Tuple[int, int]
  precision: str

  @property
  def settings(self) -> str:
    height, width = self.resolution
    size = f'{height}x{width}' if height else 'mixed sizes'
    return f'{self.num_frames} frames, {size}, {self.precision}'


def check_compatible(a: SetStatistics, b: SetStatistics) -> None:
  """Raises InputError unless two sets were embedded the same way."""
  if (a.num_frames, a.resolution, a.precision) != (b.num_frames, b.resolution,
                                                   b.precision):
    raise errors.InputError(
        f'the sets were made differently ({a.settings} against {b.settings}): '
        'compare sets of the same frame count, frame size and precision')


def check_new_statistics_file(path: str) -> None:
  """Raises InputError unless statistics can be written at `path`.

  Raises:
    ExistingOutputError: `path` exists.
    InputError: it does not end with `.npz`.
  """
  if os.path.exists(path):
    raise errors.ExistingOutputError(f'{path} exists: remove it or give '
                                     'another --save_stats file')
  if not path.endswith('.npz'):
    raise errors.InputError(f'--save_stats={path}: name an .npz file')


def save_statistics(path: str, stats: SetStatistics) -> None:
  """Writes a set's statistics as an `.npz`.

  Raises:
    ExistingOutputError, InputError: see `check_new_statistics_file`.
  """
  check_new_statistics_file(path)
  np.savez(path, mean=stats.statistics.mean, cov=stats.statistics.cov,
           activations=stats.statistics.activations,
           num_frames=stats.num_frames, resolution=np.array(stats.resolution),
           precision=stats.precision)


def _load_statistics(archive) -> SetStatistics:
  return SetStatistics(
      fvd.Statistics(archive['mean'], archive['cov'], archive['activations']),
      int(archive['num_frames']), tuple(int(x) for x in archive['resolution']),
      str(archive['precision']))


def _check_clip(clip: np.ndarray, source: str, num_frames: int) -> np.ndarray:
  """The first `num_frames` frames of a [T, H, W, 3] clip, checked."""
  if clip.shape[0] < num_frames:
    raise errors.InputError(
        f'{source} has {clip.shape[0]} frames; --num_frames={num_frames} '
        f'needs that many (or lower --num_frames, at least '
        f'{preprocessing.MIN_FRAMES})')
  return clip[:num_frames]


def _read_video(path: str, num_frames: int) -> np.ndarray:
  """The first `num_frames` frames of a video file, as stored (RGB uint8)."""
  frames = []
  with decoding.open_video(path) as container:
    try:
      for frame in container.decode(video=0):
        frames.append(frame.to_ndarray(format='rgb24'))
        if len(frames) == num_frames:
          break
    except av.error.FFmpegError as error:
      raise errors.InputError(f'cannot decode {path}: {error}') from None
  if not frames:
    raise errors.InputError(f'{path} has no video frames')
  return _check_clip(np.stack(frames), path, num_frames)


def _load_array(path: str) -> np.ndarray:
  """The [N, T, H, W, 3] array of an `.npy` or `.npz` file, checked."""
  try:
    loaded = np.load(path, mmap_mode='r' if path.endswith('.npy') else None,
                     allow_pickle=False)
  except ValueError as error:
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
  if loaded.ndim != 5 or loaded.shape[-1] != 3:
    raise errors.InputError(
        f'{path} has shape {list(loaded.shape)}; FVD takes [N, T, H, W, 3] '
        'RGB videos')
  if loaded.dtype != np.uint8:
    low, high = float(loaded.min()), float(loaded.max())
    if low < 0 or high > 255:
      raise errors.InputError(
          f'{path} holds values from {low:g} to {high:g}: FVD takes uint8 '
          'frames in [0, 255]')
  return loaded


@dataclasses.dataclass
class VideoSet:
  """Videos to embed: clips in order, with how many there are.

  Attributes:
    source: the folder or array file.
    count: number of videos.
    clips: yields each [num_frames, H, W, 3] clip.
  """
  source: str
  count: int
  clips: Iterator[np.ndarray]


def open_set(path: str,
             num_frames: int) -> Union[VideoSet, SetStatistics]:
  """Opens a set: a folder, an array, or saved statistics.

  Raises:
    MissingFileError: nothing at `path`.
    InputError: it is not a set of at least 2 usable videos.
  """
  if not os.path.exists(path):
    raise errors.MissingFileError(f'no folder or file at {path}')
  if path.endswith('.npz'):
    try:
      with np.load(path, allow_pickle=False) as archive:
        if set(_STATISTICS_KEYS) <= set(archive.files):
          return _load_statistics(archive)
    except (ValueError, OSError, zipfile.BadZipFile) as error:
      raise errors.InputError(f'cannot read {path}: {error}') from None
  if os.path.isdir(path):
    videos = preprocess_jobs.video_files(path)
    _check_count(len(videos), path)
    return VideoSet(path, len(videos),
                    (_read_video(v, num_frames) for v in videos))
  if path.endswith(('.npy', '.npz')):
    array = _load_array(path)
    _check_count(len(array), path)
    _check_clip(array[0], f'{path} (each video)', num_frames)
    return VideoSet(path, len(array),
                    (np.asarray(c[:num_frames]) for c in array))
  raise errors.InputError(
      f'{path} is not a folder of videos, an .npy/.npz array or saved '
      'statistics')


def _check_count(count: int, path: str) -> None:
  if count < 2:
    raise errors.InputError(
        f'{path} holds {count} video{"s" if count != 1 else ""}: FVD needs at '
        'least 2 per set (thousands for a stable value)')


def embed_set(video_set: VideoSet, embedder: fvd.Embedder, num_frames: int,
              batch_size: int = 8, progress: bool = True) -> SetStatistics:
  """Embeds every clip of a set, a batch at a time.

  Args:
    video_set: the videos.
    embedder: the network.
    num_frames: frames per clip.
    batch_size: clips run together.
    progress: show a tqdm bar.

  Returns:
    The set's statistics.
  """
  rows: List[np.ndarray] = []
  batch: List[tf.Tensor] = []
  sizes = set()

  def run():
    rows.append(embedder.logits(tf.stack(batch)).numpy())
    batch.clear()

  for clip in tqdm.tqdm(video_set.clips, total=video_set.count, unit='video',
                        desc=os.path.basename(video_set.source.rstrip('/')),
                        disable=None if progress else True, leave=False):
    sizes.add(clip.shape[1:3])
    batch.append(fvd.preprocess(clip[None])[0])
    if len(batch) == batch_size:
      run()
  if batch:
    run()
  resolution = tuple(sizes.pop()) if len(sizes) == 1 else (0, 0)
  return SetStatistics(fvd.Statistics.of(np.concatenate(rows)), num_frames,
                       resolution, embedder.precision)
