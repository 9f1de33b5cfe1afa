"""Turns videos into the RGB and Flow inputs of the released I3D models.

One video:

  python preprocess_video.py VIDEO --rgb_out X_rgb.npy --flow_out X_flow.npy \
      [--start_sec S --end_sec E] [--gif] [--overwrite]

writes the .npy files that `evaluate_sample.py --rgb_sample/--flow_sample`
take, streaming: a video of any length goes through in bounded memory. It
says how large the outputs will be, and refuses before writing anything when
the disk has no room for them. Many videos, for preparing a data set:

  python preprocess_video.py --input_dir DIR --output_dir OUT [--workers N]
  python preprocess_video.py --input_list LIST --output_dir OUT

writes `OUT/<name>_rgb.npy` and `OUT/<name>_flow.npy` per video (mirroring
DIR's sub-folders; a LIST line is `VIDEO[,START,END]`), skips videos already
done, keeps going past broken ones and lists them at the end.
See `kinetics_i3d/video/preprocessing.py` for the pipeline.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Optional, Sequence

from absl import app
from absl import flags
from absl import logging
import tqdm

from kinetics_i3d import cli
from kinetics_i3d import outputs
from kinetics_i3d.commands import common_flags
from kinetics_i3d.datasets import preprocess_jobs

FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  flags.DEFINE_string('rgb_out', None, 'RGB output (.npy).')
  flags.DEFINE_string('flow_out', None, 'Flow output (.npy).')
  flags.DEFINE_float('start_sec', None,
                     'Start time in seconds (default: the start).')
  flags.DEFINE_float('end_sec', None,
                     'End time in seconds (default: the end).')
  flags.DEFINE_boolean('gif', False,
                       'Also write the gif visualisation of each output.')
  flags.DEFINE_boolean('overwrite', False,
                       'Replace outputs that exist.')
  flags.DEFINE_string('input_dir', None,
                      'Batch mode: every video under this folder.')
  flags.DEFINE_string(
      'input_list', None, 'Batch mode: a file of VIDEO[,START,END] lines.')
  flags.DEFINE_string('output_dir', None,
                      'Batch mode: where the outputs go.')
  flags.DEFINE_list('streams', ['rgb', 'flow'],
                    'Batch mode: rgb, flow or both.')
  common_flags.define_flow_backend_flag()
  common_flags.define_color_matrix_flag()
  flags.DEFINE_integer(
      'workers', os.cpu_count() or 1,
      'Processes: videos at a time in batch mode, flow workers for one video.')


def _preprocess_one(video: str) -> None:
  if not (FLAGS.rgb_out or FLAGS.flow_out):
    raise app.UsageError('give --rgb_out, --flow_out or both')
  job = preprocess_jobs.Job(video, FLAGS.rgb_out, FLAGS.flow_out,
                            FLAGS.start_sec, FLAGS.end_sec,
                            FLAGS.color_matrix)
  for path in (FLAGS.rgb_out, FLAGS.flow_out):
    if path:  # What a killed run of this command left.
      outputs.remove_temporaries_of(path)
  for path, size in preprocess_jobs.estimated_bytes(job).items():
    print(f'Writing {path}: ' + (
        'size unknown (the video does not declare its duration)'
        if size is None else f'about {preprocess_jobs.human_size(size)}'),
          flush=True)
  written = preprocess_jobs.run_job(job, overwrite=FLAGS.overwrite,
                                    gif=FLAGS.gif, flow_workers=FLAGS.workers,
                                    flow_backend=FLAGS.flow_backend,
                                    progress=True)
  for output in written:
    print(f'Wrote {output.path}: {list(output.shape)} float32 in '
          f'[{output.min:.3f}, {output.max:.3f}]')


def _preprocess_many() -> int:
  streams = tuple(FLAGS.streams)
  if not streams or set(streams) - {'rgb', 'flow'}:
    raise app.UsageError('--streams takes rgb, flow or rgb,flow')
  if FLAGS.input_dir:
    jobs = preprocess_jobs.jobs_from_dir(FLAGS.input_dir, FLAGS.output_dir,
                                         streams)
  else:
    jobs = preprocess_jobs.jobs_from_list(FLAGS.input_list,
                                          FLAGS.output_dir, streams)
  jobs = [dataclasses.replace(job, color_matrix=FLAGS.color_matrix)
          for job in jobs]
  done = sum(job.done() for job in jobs)
  logging.info('%d videos, %d already done', len(jobs), done)
  failures = []
  with tqdm.tqdm(total=len(jobs), initial=done, unit='video') as bar:

    def on_done(job: preprocess_jobs.Job, error: Optional[str]) -> None:
      if error:
        failures.append((job.video, error))
      bar.update(1)

    preprocess_jobs.run_jobs(jobs, FLAGS.workers, on_done,
                             FLAGS.flow_backend)
  print(f'{len(jobs) - len(failures)} of {len(jobs)} videos preprocessed into '
        f'{FLAGS.output_dir}.')
  for video, error in failures:
    print(f'failed: {video}: {error}', file=sys.stderr)
  return 1 if failures else 0


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  videos = argv[1:]
  batch = bool(FLAGS.input_dir or FLAGS.input_list)
  if batch == bool(videos) or len(videos) > 1 or (FLAGS.input_dir and
                                                   FLAGS.input_list):
    raise app.UsageError(
        'give one VIDEO, or --input_dir or --input_list for batch mode')
  if batch:
    if not FLAGS.output_dir:
      raise app.UsageError('batch mode needs --output_dir')
    with outputs.writing(FLAGS.output_dir, 'preprocess_video.py'):
      status = _preprocess_many()
    sys.exit(status)
  _preprocess_one(videos[0])


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
