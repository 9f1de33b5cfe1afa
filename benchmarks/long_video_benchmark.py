"""Measures memory and time of classifying long videos, streamed.

Writes synthetic 160x120 25 fps h264 videos (a moving texture) of
--minutes, then runs `classify_video.py --json` on each in a fresh process,
RGB in float32 and bfloat16, and joint (RGB + TV-L1 flow, a random Flow
checkpoint beside the RGB one) on a --joint_sec clip. For each run: wall
seconds, seconds per second of video and the process's peak resident
memory. Beside the streamed 1-minute RGB run, today's whole-clip path
(`preprocess_video` then one forward pass over every frame) is run the same
way, for the ratio of their speeds.

  python benchmarks/long_video_benchmark.py [--minutes=1,5,20]
      [--joint_sec=60] [--json]

Needs `make registry-data` (the RGB checkpoint).
"""

import json
import os
import sys
import tempfile
import time
from typing import Dict, List, Sequence

from absl import app
from absl import flags
import numpy as np

from kinetics_i3d import pretrained
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inference
from kinetics_i3d.testing import machine
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.video import preprocessing

_MINUTES = flags.DEFINE_list('minutes', ['1', '5', '20'],
                             'Lengths of the RGB videos, in minutes.')
_JOINT_SEC = flags.DEFINE_integer('joint_sec', 60,
                                  'Length of the joint (flow) video; 0 skips.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')
_WHOLE_CLIP = flags.DEFINE_string(
    'whole_clip', None, 'Internal: run the whole-clip path on this video.')


def _write_video(path: str, seconds: int) -> None:
  """A texture drifting half a pixel per frame, 160x120, h264."""
  loop = synthetic_videos.moving_texture(250, 120, 160, dx=0.5, dy=0.25)
  loop = np.concatenate([loop, loop[::-1]])  # Seamless back and forth.
  frames = np.resize(loop, (seconds * 25,) + loop.shape[1:])
  synthetic_videos.write_video(path, frames, fps=25, codec='libx264')


def _whole_clip(video: str) -> None:
  """Today's path before streaming: every frame in memory, one pass."""
  clip = preprocessing.preprocess_video(video, flow=False)
  model = pretrained.load('rgb_imagenet',
                          checkpoint=repo_paths.registry_checkpoint())
  logits = inference.Predictor({'rgb': model})({'rgb': clip.rgb})['logits']
  print(json.dumps({'frames': clip.rgb.shape[1],
                    'top': int(np.argmax(logits[0]))}))


def _flow_checkpoints(directory: str) -> str:
  """A checkpoint folder with the RGB checkpoint and a random Flow one."""
  rgb = os.path.dirname(repo_paths.registry_checkpoint())
  os.makedirs(directory)
  os.symlink(rgb, os.path.join(directory, 'rgb_imagenet'))
  model = i3d.InceptionI3d()
  checkpoints.build(model, 2)
  checkpoints.save(model, os.path.join(directory, 'flow_imagenet',
                                       'model.ckpt'), 'Flow')
  return directory


def _run(name: str, seconds: float, *args: str) -> Dict[str, object]:
  start = time.perf_counter()
  result, peak = script_testing.run_measuring_memory(*args, timeout=36000)
  wall = time.perf_counter() - start
  if result.returncode:
    sys.exit(f'{name} failed: {result.stderr.strip().splitlines()[-1]}')
  return {'run': name, 'video_sec': seconds, 'wall_sec': round(wall, 1),
          'sec_per_video_sec': round(wall / seconds, 4),
          'peak_rss_gb': round(peak / 1e9, 3)}


def main(argv: Sequence[str]) -> None:
  del argv
  if _WHOLE_CLIP.value:
    _whole_clip(_WHOLE_CLIP.value)
    return
  checkpoint = repo_paths.registry_checkpoint()
  rows: List[Dict[str, object]] = []
  with tempfile.TemporaryDirectory() as tmp:
    for minutes in sorted(int(m) for m in _MINUTES.value if m):
      video = os.path.join(tmp, f'{minutes}min.mp4')
      _write_video(video, minutes * 60)
      for precision in ('float32', 'bfloat16'):
        rows.append(_run(
            f'rgb {precision} {minutes} min', minutes * 60,
            'classify_video.py', video, '--eval_type=rgb', '--json',
            f'--precision={precision}',
            f'--checkpoint_dir={os.path.dirname(os.path.dirname(checkpoint))}'))
      if minutes == 1:
        rows.append(_run('rgb float32 1 min, whole clip (before streaming)',
                         60, 'benchmarks/long_video_benchmark.py',
                         f'--whole_clip={video}'))
    if _JOINT_SEC.value:
      video = os.path.join(tmp, 'joint.mp4')
      _write_video(video, _JOINT_SEC.value)
      directory = _flow_checkpoints(os.path.join(tmp, 'checkpoints'))
      rows.append(_run(f'joint float32 {_JOINT_SEC.value} s', _JOINT_SEC.value,
                       'classify_video.py', video, '--eval_type=joint',
                       '--json', f'--checkpoint_dir={directory}'))
  summary = {'cpu': machine.cpu_name(), 'cores': os.cpu_count(), 'runs': rows}
  streamed = [r for r in rows if r['run'] == 'rgb float32 1 min']
  whole = [r for r in rows if 'whole clip' in r['run']]
  if streamed and whole:
    summary['streamed_over_whole_clip_time'] = round(
        streamed[0]['wall_sec'] / whole[0]['wall_sec'], 3)
  if _JSON.value:
    print(json.dumps(summary, indent=2))
    return
  print(f'{summary["cpu"]}, {summary["cores"]} cores')
  print(f'{"run":50s} {"video s":>8s} {"wall s":>8s} {"s/video s":>10s} '
        f'{"peak GB":>8s}')
  for r in rows:
    print(f'{r["run"]:50s} {r["video_sec"]:8.0f} {r["wall_sec"]:8.1f} '
          f'{r["sec_per_video_sec"]:10.4f} {r["peak_rss_gb"]:8.3f}')
  if 'streamed_over_whole_clip_time' in summary:
    print(f'streamed / whole-clip time (1 min RGB): '
          f'{summary["streamed_over_whole_clip_time"]}')


if __name__ == '__main__':
  app.run(main)
