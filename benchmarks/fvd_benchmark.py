"""Measures FVD's embedding: clips per second, decoding beside the network.

A fixed, seeded folder of --num_videos synthetic videos (smooth moving
textures, 64x64, 160 frames, lossless FFV1) is embedded with the registry
checkpoint under StyleGAN-V's sampling (random videos, random offsets) at 16
and 128 frames per clip, the batch size chosen as `fvd.py` chooses it (128
frames' worth on a CPU). For each: the time to decode the clips alone, to run
the network on decoded clips alone, and the whole embedding with the decoding
in worker threads beside the network; clips and video seconds (at the
videos' 25 fps) per second of the whole, the network's share of the wall time
(100% when it never waits for clips) and how much of the decoding the overlap
hid. bfloat16 is measured where the machine runs it, side by side with
float32 (its speed-up, and the change it makes to FVD against a noisy copy
of the set).
Last, on H.264 videos encoded as datasets usually are (a keyframe every 25
frames, B-frames), the decoding of random 16-frame clips from each video's
start against from the keyframe before each clip, as the sets' reader does.

  python benchmarks/fvd_benchmark.py [--num_videos=32] [--json]

Needs `make registry-data` (the RGB checkpoint).
"""

import json
import os
import tempfile
from typing import Dict, Sequence

from absl import app
from absl import flags
import numpy as np

from kinetics_i3d.fvd import metric
from kinetics_i3d.fvd import protocols
from kinetics_i3d.fvd import sets
from kinetics_i3d.models import precision
from kinetics_i3d.testing import machine
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.video import frame_access

_NUM_VIDEOS = flags.DEFINE_integer('num_videos', 32, 'Videos (and clips).')
_WORKERS = flags.DEFINE_integer('workers', 2, 'Decoding threads.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')
_FRAMES = 160
_VIDEO_FPS = 25.0


def _folder(directory: str, noisy: bool) -> str:
  folder = os.path.join(directory, 'noisy' if noisy else 'clean')
  os.makedirs(folder)
  rng = np.random.default_rng(0)
  for i in range(_NUM_VIDEOS.value):
    frames = synthetic_videos.moving_texture(
        _FRAMES, 64, 64, dx=rng.uniform(-2, 2), dy=rng.uniform(-2, 2), seed=i)
    if noisy:
      frames = np.clip(frames + rng.normal(0, 20, frames.shape), 0,
                       255).astype(np.uint8)
    synthetic_videos.write_video(os.path.join(folder, f'{i}.mkv'), frames)
  return folder


def _seek_gain(directory: str) -> Dict[str, float]:
  """Seconds to decode random clips from the videos' start and by seeking."""
  paths = []
  rng = np.random.default_rng(1)
  for i in range(8):
    paths.append(os.path.join(directory, f'h264_{i}.mp4'))
    synthetic_videos.write_video(
        paths[-1], synthetic_videos.moving_texture(
            250, 240, 320, dx=rng.uniform(-2, 2), dy=rng.uniform(-2, 2),
            seed=i), codec='libx264', gop_size=25)
  indexes = [frame_access.index_frames(p) for p in paths]
  protocol = protocols.Protocol(64, 16, 1, 'random')
  clips = protocols.select_clips([i.num_frames for i in indexes], protocol,
                                 0, 'videos').clips
  from_start = [frame_access.FrameIndex(i.num_frames, None) for i in indexes]

  def decode(index_list):
    return [frame_access.read_frames(paths[c.video], index_list[c.video],
                                     c.first, 16) for c in clips]

  return {'from_start_seconds': machine.seconds(lambda: decode(from_start)),
          'from_keyframe_seconds': machine.seconds(lambda: decode(indexes))}


def _measure(videos: sets.VideoSource, noisy: sets.VideoSource,
             embedder: metric.Embedder, frames: int) -> Dict[str, float]:
  protocol = protocols.Protocol(_NUM_VIDEOS.value, frames, 1, 'random')
  batch = max(1, 128 // frames)
  clips = protocols.select_clips(videos.lengths, protocol, 0, 'videos')
  decoded = []
  decode = machine.seconds(lambda: decoded.extend(
      videos.clip(c, protocol) for c in clips.clips))
  sets.statistics_of_clips(  # Warm-up: the trace and oneDNN's kernels.
      np.stack(decoded[:batch + 1]), embedder, protocol, batch_size=batch)
  network = machine.seconds(lambda: sets.statistics_of_clips(
      np.stack(decoded), embedder, protocol, batch_size=batch))
  result = []
  whole = machine.seconds(lambda: result.append(sets.embed_set(
      videos, protocol, embedder, batch, _WORKERS.value)))
  other = sets.embed_set(noisy, protocol, embedder, batch,
                         _WORKERS.value)
  distances = sets.distances(result[0], other)
  return {'frames': frames, 'batch_size': batch, 'clips': len(clips.clips),
          'decode_seconds': decode, 'network_seconds': network,
          'pipelined_seconds': whole,
          'clips_per_second': len(clips.clips) / whole,
          'video_seconds_per_second': len(clips.clips) * frames / _VIDEO_FPS /
                                      whole,
          'network_share': network / whole,
          'decoding_hidden': (decode + network - whole) / decode,
          'fvd': distances.fvd[0]}


def main(argv: Sequence[str]) -> None:
  del argv
  rows = []
  with tempfile.TemporaryDirectory() as directory:
    videos = sets.open_set(_folder(directory, noisy=False))
    noisy = sets.open_set(_folder(directory, noisy=True))
    asked = ['float32'] + (['bfloat16'] if precision.bfloat16_support()[0]
                           else [])
    for name in asked:
      embedder = metric.Embedder(repo_paths.registry_checkpoint(), name)
      for frames in (16, 128):
        rows.append({'precision': embedder.precision,
                     **_measure(videos, noisy, embedder, frames)})
    seek = _seek_gain(directory)
  for row in rows:
    if row['precision'] == 'bfloat16':
      (float32,) = [r for r in rows if r['precision'] == 'float32' and
                    r['frames'] == row['frames']]
      row['speedup_on_float32'] = (float32['pipelined_seconds'] /
                                   row['pipelined_seconds'])
  summary = {'cpu': machine.cpu_description(), 'cores': os.cpu_count(),
             'videos': f'{_NUM_VIDEOS.value} of {_FRAMES} frames, 64x64',
             'decoding_threads': _WORKERS.value, 'runs': rows,
             'h264_clip_decoding': seek}
  if _JSON.value:
    print(json.dumps(summary, indent=2))
    return
  print(f'{summary["cpu"]}, {summary["cores"]} cores; {summary["videos"]}; '
        f'{_WORKERS.value} decoding threads.')
  print('| precision | frames | batch | clips/s | video s/s | decode alone '
        '(s) | network alone (s) | pipelined (s) | network share | decoding '
        'hidden | vs float32 | FVD vs noisy |')
  print('|---|---|---|---|---|---|---|---|---|---|---|---|')
  for r in rows:
    speedup = r.get('speedup_on_float32')
    print(f'| {r["precision"]} | {r["frames"]} | {r["batch_size"]} | '
          f'{r["clips_per_second"]:.2f} | '
          f'{r["video_seconds_per_second"]:.2f} | {r["decode_seconds"]:.1f} | '
          f'{r["network_seconds"]:.1f} | {r["pipelined_seconds"]:.1f} | '
          f'{100 * r["network_share"]:.0f}% | '
          f'{100 * r["decoding_hidden"]:.0f}% | '
          f'{f"{speedup:.2f}x" if speedup else "-"} | {r["fvd"]:.2f} |')
  print(f'64 random 16-frame clips of 8 H.264 videos (250 frames, 320x240, a '
        f'keyframe every 25): decoded from each video\'s start in '
        f'{seek["from_start_seconds"]:.2f} s, from the keyframe before each '
        f'clip in {seek["from_keyframe_seconds"]:.2f} s '
        f'({seek["from_start_seconds"] / seek["from_keyframe_seconds"]:.1f}x).')


if __name__ == '__main__':
  app.run(main)
