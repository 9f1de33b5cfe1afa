"""Measures feature extraction with the THUMOS14 preset on this machine.

A fixed synthetic video (a moving texture, 320x180 at 30 fps, as THUMOS14's
videos are; --seconds long) goes through `features.video_features` with the
preset's protocol (native frame rate, 16-frame windows every 4 frames, ten
crops), RGB alone and two-stream. The decoding (with the resize and
rescaling) and the TV-L1 flow are also timed on their own, so each run's
time splits into decoding, flow and the network. Random weights: the speed
does not depend on them.

  python benchmarks/feature_benchmark.py [--seconds=4] [--json]
"""

import json
import os
import tempfile
from typing import Dict, Sequence

from absl import app
from absl import flags

from kinetics_i3d import features
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inference
from kinetics_i3d.testing import machine
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import preprocessing

_SECONDS = flags.DEFINE_float('seconds', 4.0, 'Length of the video.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')
_FPS = 30


def _models() -> Dict[str, i3d.InceptionI3d]:
  models = {}
  for stream, channels in (('rgb', 3), ('flow', 2)):
    models[stream] = i3d.InceptionI3d()
    checkpoints.build(models[stream], channels)
  return models


def main(argv: Sequence[str]) -> None:
  del argv
  protocol = features.PRESETS['thumos14'].protocol
  workers = os.cpu_count() or 1
  models = _models()
  with tempfile.TemporaryDirectory() as tmp:
    video = os.path.join(tmp, 'video.mkv')
    frames = synthetic_videos.moving_texture(int(_SECONDS.value * _FPS), 180,
                                             320, dx=1.0, dy=0.5)
    synthetic_videos.write_video(video, frames, fps=_FPS)

    def stream(flow: bool) -> float:
      with optical_flow.TVL1(workers) as engine:
        return machine.seconds(lambda: list(preprocessing.stream_video(
            video, flow=flow, flow_engine=engine, cropped=False, fps=None)))

    decoding = stream(flow=False)
    flow = stream(flow=True) - decoding
    rows = []
    for names in (('rgb',), ('rgb', 'flow')):
      predictor = inference.Predictor({s: models[s] for s in names})
      # A first run traces the network and warms oneDNN's kernels.
      features.video_features(video, names, protocol, predictor=predictor,
                              flow_workers=workers, end_sec=1.0)
      result = []
      total = machine.seconds(lambda: result.append(features.video_features(
          video, names, protocol, predictor=predictor,
          flow_workers=workers)))
      flow_share = flow if 'flow' in names else 0.0
      rows.append({
          'streams': '+'.join(names),
          'rows': len(result[0].features), 'frames': result[0].num_frames,
          'seconds': total,
          'video_frames_per_second': result[0].num_frames / total,
          'decoding_share': decoding / total, 'flow_share': flow_share / total,
          'network_share': (total - decoding - flow_share) / total,
      })
  report = {'cpu': machine.cpu_description(), 'cores': workers,
            'video': f'{_SECONDS.value:g} s, 320x180 at {_FPS} fps',
            'protocol': protocol.settings(), 'runs': rows}
  if _JSON.value:
    print(json.dumps(report, indent=2))
    return
  print(f'{report["cpu"]}, {workers} cores; {report["video"]}; THUMOS14 '
        'preset (native fps, window 16, stride 4, ten crops).')
  print('| streams | rows | video frames/s | decoding | flow | network |')
  print('|---|---|---|---|---|---|')
  for r in rows:
    print(f'| {r["streams"]} | {r["rows"]} | '
          f'{r["video_frames_per_second"]:.2f} | '
          f'{100 * r["decoding_share"]:.0f}% | {100 * r["flow_share"]:.0f}% | '
          f'{100 * r["network_share"]:.0f}% |')


if __name__ == '__main__':
  app.run(main)
