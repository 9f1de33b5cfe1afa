"""Size, fidelity and speed of the sharded data sets `prepare_dataset.py` makes.

1. JPEG quality against fidelity: for each --qualities, the registry videos
   (`make registry-data`) go through the pipeline (RGB), and the registry RGB
   checkpoint classifies each clip from its shard (centre crop, as
   `evaluate.py` reads it) and from `preprocess_video`'s float32 `.npy`
   path. Prints the largest logit change, top-1 and top-5 agreement, and RGB
   bytes per second of video.
2. Flow: --flow_sec seconds of each registry video with both streams at
   --quality (RGB) and --flow_quality; bytes per second of video for RGB and
   flow against the `.npy` format (float32 224x224 crops), and the flow's
   quantisation error in the network's units (shard against
   `preprocess_video`'s flow).
3. Throughput with 1 and 2 DirectRunner worker processes on --scaling_clips
   clips of 0.5 s (flow and RGB): clips/s and video-seconds/s.

  python benchmarks/dataset_benchmark.py [--qualities=90,95,96,98]
      [--quality=96] [--flow_quality=90] [--flow_sec=2] [--scaling_clips=8]
      [--parts=fidelity,flow,scaling] [--json]
"""

import json
import os
import tempfile
import time
from typing import Dict, List, Optional, Sequence

from absl import app
from absl import flags
from apache_beam.options import pipeline_options
import numpy as np
import tensorflow as tf

from kinetics_i3d import pretrained
from kinetics_i3d.datasets import manifests
from kinetics_i3d.datasets import sequence_examples
from kinetics_i3d.datasets import training_data
from kinetics_i3d.models import inference
from kinetics_i3d.pipelines import prepare
from kinetics_i3d.testing import machine
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.video import preprocessing

_QUALITIES = flags.DEFINE_list('qualities', ['90', '95', '96', '98'],
                               'JPEG qualities to compare on RGB.')
_QUALITY = flags.DEFINE_integer('quality', 96, 'RGB JPEG quality for the rest.')
_FLOW_QUALITY = flags.DEFINE_integer('flow_quality', 90,
                                     'Flow JPEG quality.')
_FLOW_SEC = flags.DEFINE_integer('flow_sec', 2,
                                 'Seconds of each video made with flow.')
_SCALING_CLIPS = flags.DEFINE_integer('scaling_clips', 8,
                                      'Clips of 0.5 s for the worker scaling.')
_PARTS = flags.DEFINE_list('parts', ['fidelity', 'flow', 'scaling'],
                           'Which measurements to run.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')

_VIDEOS = ('bikes.mp4', 'bigbuckbunny.mp4', 'carphone_pristine.mp4')
_NPY_BYTES_PER_FRAME = {'rgb': 224 * 224 * 3 * 4, 'flow': 224 * 224 * 2 * 4}


def _options(workers: int) -> pipeline_options.PipelineOptions:
  """None: in this process; else that many worker processes."""
  if workers is None:
    return pipeline_options.PipelineOptions(direct_running_mode='in_memory')
  return pipeline_options.PipelineOptions(
      direct_num_workers=workers, direct_running_mode='multi_processing')


def _make(clips: List[manifests.ClipSpec], out: str, streams_made, quality,
          workers: Optional[int] = None) -> float:
  """Runs the pipeline; returns its wall seconds."""
  settings = prepare.Settings(out, streams_made, quality,
                              _FLOW_QUALITY.value, 'opencv',
                              clips_per_shard=64)
  start = time.perf_counter()
  written, failed = prepare.execute(prepare.plan(clips, settings), settings,
                                    _options(workers))
  if failed or written != len(clips):
    raise RuntimeError(f'{failed} clips failed; see {out}/failures.csv')
  return time.perf_counter() - start


def _stream_bytes(out: str) -> Dict[str, Dict[str, float]]:
  """Per media id: JPEG bytes of each stream and the number of frames."""
  sizes = {}
  for name in tf.io.gfile.glob(os.path.join(out, 'train', '*.tfrecord')):
    for record in tf.data.TFRecordDataset(name):
      example = tf.train.SequenceExample.FromString(record.numpy())
      lists = example.feature_lists.feature_list
      media_id = example.context.feature['clip/media_id'].bytes_list.value[0]
      entry = sizes.setdefault(media_id.decode(), {})
      for stream in ('rgb', 'flow'):
        key = sequence_examples.encoded_key(stream)
        frames = [f.bytes_list.value[0] for f in lists[key].feature]
        if frames:
          entry[stream] = sum(len(f) for f in frames)
          entry['frames'] = len(frames)
  return sizes


def _shard_clips(out: str, stream: str) -> List[np.ndarray]:
  """Every clip of OUT/train as `evaluate.py` reads it, in media-id order."""
  data = training_data.dataset(training_data.load(f'{out}/train', stream),
                               stream, 1, 0, training=False)
  return [clip.numpy() for clip, _ in data]


def _whole_clips(root: str) -> List[manifests.ClipSpec]:
  videos = os.path.join(root, 'videos', 'registry')
  os.makedirs(videos, exist_ok=True)
  for name in _VIDEOS:
    os.symlink(repo_paths.registry_video(name), os.path.join(videos, name))
  return manifests.from_class_folders(os.path.join(root, 'videos'))


def _fidelity(root: str) -> List[Dict]:
  clips = _whole_clips(root)
  model = pretrained.load('rgb_imagenet',
                          checkpoint=repo_paths.registry_checkpoint())
  predictor = inference.Predictor({'rgb': model})
  reference = [
      predictor({'rgb': preprocessing.preprocess_video(c.video,
                                                       flow=False).rgb})
      ['logits'][0] for c in sorted(clips, key=lambda c: c.media_id)
  ]
  rows = []
  for quality in map(int, _QUALITIES.value):
    out = os.path.join(root, f'q{quality}')
    _make(clips, out, ('rgb',), quality)
    logits = [predictor({'rgb': c})['logits'][0]
              for c in _shard_clips(out, 'rgb')]
    sizes = _stream_bytes(out)
    seconds = sum(s['frames'] for s in sizes.values()) / 25
    rows.append({
        'quality': quality,
        'max_logit_change': float(max(np.abs(a - b).max()
                                      for a, b in zip(logits, reference))),
        'top1_agree': sum(int(np.argmax(a) == np.argmax(b))
                          for a, b in zip(logits, reference)),
        'top5_agree': sum(int(set(np.argsort(a)[-5:]) ==
                              set(np.argsort(b)[-5:]))
                          for a, b in zip(logits, reference)),
        'clips': len(logits),
        'rgb_bytes_per_video_sec': sum(s['rgb'] for s in sizes.values()) /
                                   seconds,
    })
  return rows


def _flow_sizes(root: str) -> Dict:
  clips = [manifests.ClipSpec(c.media_id, c.video, c.label, c.split, 0.0,
                              float(_FLOW_SEC.value), 0.0,
                              float(_FLOW_SEC.value))
           for c in _whole_clips(os.path.join(root, 'flow'))]
  out = os.path.join(root, 'flow', 'out')
  seconds = _make(clips, out, ('rgb', 'flow'), _QUALITY.value,
                  workers=os.cpu_count() or 1)
  sizes = _stream_bytes(out)
  frames = sum(s['frames'] for s in sizes.values())
  shard_flow = np.concatenate([c[0] for c in _shard_clips(out, 'flow')])
  npy_flow = np.concatenate([
      preprocessing.preprocess_video(c.video, rgb=False, end_sec=c.end_sec,
                                     flow_workers=os.cpu_count() or 1).flow[0]
      for c in sorted(clips, key=lambda c: c.media_id)])
  per_sec = {s: sum(v[s] for v in sizes.values()) / (frames / 25)
             for s in ('rgb', 'flow')}
  npy_per_sec = {s: b * 25 for s, b in _NPY_BYTES_PER_FRAME.items()}
  return {
      'quality': _QUALITY.value, 'video_seconds': frames / 25,
      'wall_seconds': seconds,
      'bytes_per_video_sec': per_sec,
      'npy_bytes_per_video_sec': npy_per_sec,
      'together_bytes_per_video_sec': sum(per_sec.values()),
      'smaller_than_npy': sum(npy_per_sec.values()) / sum(per_sec.values()),
      'flow_mean_abs_error_network_units': float(
          np.abs(shard_flow - npy_flow).mean()),
  }


def _scaling(root: str) -> Dict:
  video = repo_paths.registry_video('carphone_pristine.mp4')
  clips = [manifests.ClipSpec(f'carphone_{i}', video, 'x', 'train', i / 2,
                              (i + 1) / 2, i / 2, (i + 1) / 2)
           for i in range(_SCALING_CLIPS.value)]
  result = {}
  for workers in (1, 2):
    seconds = _make(clips, os.path.join(root, f'scaling{workers}'),
                    ('rgb', 'flow'), _QUALITY.value, workers)
    result[workers] = {'seconds': seconds,
                       'clips_per_sec': len(clips) / seconds,
                       'video_sec_per_sec': len(clips) / 2 / seconds}
  result['speedup'] = result[1]['seconds'] / result[2]['seconds']
  return result


def main(argv: Sequence[str]) -> None:
  del argv
  with tempfile.TemporaryDirectory() as root:
    parts = {'fidelity': lambda: _fidelity(os.path.join(root, 'fidelity')),
             'flow': lambda: _flow_sizes(root),
             'scaling': lambda: _scaling(root)}
    report = {'cpu': machine.cpu_name(), 'cores': os.cpu_count()}
    report.update({p: parts[p]() for p in _PARTS.value})
  if _JSON.value:
    print(json.dumps(report, indent=1))
    return
  print(f'{report["cpu"]}, {report["cores"]} cores')
  for row in report.get('fidelity', []):
    print(f'RGB through JPEG quality {row["quality"]} shards vs the .npy path '
          f'(registry checkpoint, {row["clips"]} registry videos): max '
          f'|dlogit| {row["max_logit_change"]:.3f}, top-1 same '
          f'{row["top1_agree"]}/{row["clips"]}, top-5 same '
          f'{row["top5_agree"]}/{row["clips"]}, RGB '
          f'{row["rgb_bytes_per_video_sec"] / 1e6:.3f} MB per video-s')
  if 'flow' in report:
    f = report['flow']
    print(f'Both streams at RGB quality {f["quality"]}, flow '
          f'{_FLOW_QUALITY.value} ({f["video_seconds"]:.0f} video-s): RGB '
          f'{f["bytes_per_video_sec"]["rgb"] / 1e6:.3f} + flow '
          f'{f["bytes_per_video_sec"]["flow"] / 1e6:.3f} = '
          f'{f["together_bytes_per_video_sec"] / 1e6:.3f} MB per video-s; '
          f'.npy {sum(f["npy_bytes_per_video_sec"].values()) / 1e6:.1f} MB '
          f'({f["smaller_than_npy"]:.1f}x larger); flow quantisation error '
          f'{f["flow_mean_abs_error_network_units"]:.4f} network units')
  if 'scaling' in report:
    s = report['scaling']
    print(f'{_SCALING_CLIPS.value} clips of 0.5 s with flow: 1 worker '
          f'{s[1]["seconds"]:.1f} s ({s[1]["clips_per_sec"]:.3f} clips/s), 2 '
          f'workers {s[2]["seconds"]:.1f} s ({s[2]["clips_per_sec"]:.3f} '
          f'clips/s): {s["speedup"]:.2f}x')

if __name__ == '__main__':
  app.run(main)
