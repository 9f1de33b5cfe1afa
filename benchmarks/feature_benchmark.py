"""Measures feature extraction with the THUMOS14 preset on this machine.

A fixed synthetic video (a moving texture, 320x180 at 30 fps, as THUMOS14's
videos are; --seconds long) goes through `features.video_features` with the
preset's protocol (native frame rate, 16-frame windows every 4 frames, ten
crops), RGB alone and two-stream, in float32, (where the machine runs it)
bfloat16 and (with the int8 extra) int8, side by side. For each: the inputs
alone (decoding, resizing and TV-L1 flow of the whole video), the network
alone on those inputs, and the whole extraction, where the next chunk's
inputs are made beside the network (`video.prefetch`); then video seconds per second, and the network's share
of the wall time (100% when the network never waits for its inputs).
Random weights (int8: quantized by the project's recipe on random inputs):
the speed does not depend on them.

  python benchmarks/feature_benchmark.py [--seconds=4] [--json]
"""

import json
import os
import tempfile
from typing import Dict, List, Sequence, Tuple

from absl import app
from absl import flags

from kinetics_i3d import features
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inference
from kinetics_i3d.int8 import runtime
from kinetics_i3d.models import precision
from kinetics_i3d.testing import int8_models
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


def _rows(video: str, names: Tuple[str, ...], models, protocol,
          workers: int) -> List[Dict[str, object]]:
  """Each precision's run of one set of streams."""
  with optical_flow.TVL1(workers) as engine:
    chunks = []
    inputs = machine.seconds(lambda: chunks.extend(preprocessing.stream_video(
        video, flow='flow' in names, flow_engine=engine, cropped=False,
        fps=None)))
  supported, _ = precision.bfloat16_support()
  rows = []
  for asked in (('float32',) + (('bfloat16',) if supported else ()) +
                (('int8',) if runtime.available() else ())):
    predictor = (int8_models.speed_predictor(models, names)
                 if asked == 'int8' else
                 inference.Predictor({s: models[s] for s in names}, asked))
    # A first run traces the network and warms oneDNN's kernels.
    features.chunk_features(predictor, chunks[:1], protocol)
    network = machine.seconds(
        lambda: features.chunk_features(predictor, chunks, protocol))  # pylint: disable=cell-var-from-loop
    result = []
    total = machine.seconds(lambda: result.append(features.video_features(
        video, names, protocol, predictor=predictor, flow_workers=workers)))  # pylint: disable=cell-var-from-loop
    rows.append({
        'streams': '+'.join(names), 'precision': predictor.precision,
        'rows': len(result[0].features), 'frames': result[0].num_frames,
        'inputs_seconds': inputs, 'network_seconds': network,
        'seconds': total,
        'video_seconds_per_second': result[0].num_frames / _FPS / total,
        'network_share': network / total,
    })
  for row in rows[1:]:
    row['speedup_on_float32'] = rows[0]['seconds'] / row['seconds']
  return rows


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
    rows = []
    for names in (('rgb',), ('rgb', 'flow')):
      rows += _rows(video, names, models, protocol, workers)
  report = {'cpu': machine.cpu_description(), 'cores': workers,
            'video': f'{_SECONDS.value:g} s, 320x180 at {_FPS} fps',
            'protocol': protocol.settings(), 'runs': rows}
  if _JSON.value:
    print(json.dumps(report, indent=2))
    return
  print(f'{report["cpu"]}, {workers} cores; {report["video"]}; THUMOS14 '
        'preset (native fps, window 16, stride 4, ten crops).')
  print('| streams | precision | rows | inputs alone (s) | network alone (s) '
        '| whole (s) | video s/s | network share | vs float32 |')
  print('|---|---|---|---|---|---|---|---|---|')
  for r in rows:
    speedup = r.get('speedup_on_float32')
    print(f'| {r["streams"]} | {r["precision"]} | {r["rows"]} | '
          f'{r["inputs_seconds"]:.1f} | {r["network_seconds"]:.1f} | '
          f'{r["seconds"]:.1f} | {r["video_seconds_per_second"]:.3f} | '
          f'{100 * r["network_share"]:.0f}% | '
          f'{f"{speedup:.2f}x" if speedup else "-"} |')


if __name__ == '__main__':
  app.run(main)
