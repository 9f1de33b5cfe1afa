"""Preprocessing many videos: jobs, outputs on disk, parallel workers.

A job turns one video (or a span of it) into `<name>_rgb.npy` and/or
`<name>_flow.npy`. Outputs are written through temporary files, so a job is
done exactly when its outputs exist: a rerun skips done jobs and redoes
interrupted ones.
"""

import concurrent.futures
import dataclasses
import multiprocessing
import os
import tempfile
from typing import Callable, Iterable, List, Optional, Tuple

import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.video import gifs
from kinetics_i3d.video import preprocessing

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.mpg',
                    '.mpeg', '.gif', '.flv', '.wmv')


@dataclasses.dataclass(frozen=True)
class Job:
  """One video to preprocess.

  Attributes:
    video: the video file.
    rgb_out: where to write the RGB input (.npy), or None.
    flow_out: where to write the Flow input (.npy), or None.
    start_sec: start time, or None for the start of the video.
    end_sec: end time, or None for its end.
  """
  video: str
  rgb_out: Optional[str]
  flow_out: Optional[str]
  start_sec: Optional[float] = None
  end_sec: Optional[float] = None

  @property
  def outputs(self) -> List[str]:
    return [p for p in (self.rgb_out, self.flow_out) if p]

  def done(self) -> bool:
    return all(os.path.exists(p) for p in self.outputs)


def save_npy(path: str, array: np.ndarray, overwrite: bool = False) -> None:
  """Saves `array` at exactly `path`, through a temporary file.

  Raises:
    ExistingOutputError: `path` exists and `overwrite` is False.
  """
  if os.path.exists(path) and not overwrite:
    raise errors.ExistingOutputError(
        f'{path} exists; pass --overwrite to replace it')
  directory = os.path.dirname(os.path.abspath(path))
  os.makedirs(directory, exist_ok=True)
  with tempfile.NamedTemporaryFile(dir=directory, suffix='.npy',
                                   delete=False) as f:
    np.save(f, array)
  os.chmod(f.name, 0o644)
  os.replace(f.name, path)


def gif_path(npy_path: str) -> str:
  return os.path.splitext(npy_path)[0] + '.gif'


def run_job(job: Job, overwrite: bool = False, gif: bool = False,
            flow_workers: int = 1) -> preprocessing.Clip:
  """Preprocesses one video and writes its outputs.

  Args:
    job: the video and its outputs.
    overwrite: replace existing outputs.
    gif: also write the gif visualisation beside each `.npy`.
    flow_workers: processes computing optical flow.

  Returns:
    The clip.

  Raises:
    ExistingOutputError: an output exists and `overwrite` is False (checked
      before any work).
    InputError: the video cannot be used.
  """
  if not overwrite:
    for path in job.outputs + ([gif_path(p) for p in job.outputs]
                               if gif else []):
      if os.path.exists(path):
        raise errors.ExistingOutputError(
            f'{path} exists; pass --overwrite to replace it')
  clip = preprocessing.preprocess_video(
      job.video, rgb=job.rgb_out is not None, flow=job.flow_out is not None,
      start_sec=job.start_sec, end_sec=job.end_sec, flow_workers=flow_workers)
  for path, array, picture in (
      (job.rgb_out, clip.rgb, gifs.rgb_visualisation),
      (job.flow_out, clip.flow, gifs.flow_visualisation)):
    if path:
      save_npy(path, array, overwrite=True)
      if gif:
        gifs.write_gif(gif_path(path), picture(array))
  return clip


def _output_stem(video: str, root: Optional[str], output_dir: str,
                 start_sec: Optional[float]) -> str:
  relative = (os.path.relpath(video, root) if root else os.path.basename(video))
  stem = os.path.join(output_dir, os.path.splitext(relative)[0])
  if start_sec is not None:
    stem += f'_{start_sec:g}'
  return stem


def _make_job(video: str, root: Optional[str], output_dir: str,
              streams: Tuple[str, ...], start_sec=None, end_sec=None) -> Job:
  stem = _output_stem(video, root, output_dir, start_sec)
  return Job(video,
             f'{stem}_rgb.npy' if 'rgb' in streams else None,
             f'{stem}_flow.npy' if 'flow' in streams else None,
             start_sec, end_sec)


def jobs_from_dir(input_dir: str, output_dir: str,
                  streams: Tuple[str, ...]) -> List[Job]:
  """A job per video file under `input_dir`, mirroring its sub-folders.

  Raises:
    MissingFileError: `input_dir` does not exist.
    InputError: it holds no video files.
  """
  if not os.path.isdir(input_dir):
    raise errors.MissingFileError(f'no folder at {input_dir}')
  videos = sorted(
      os.path.join(d, f) for d, _, files in os.walk(input_dir) for f in files
      if f.lower().endswith(VIDEO_EXTENSIONS))
  if not videos:
    raise errors.InputError(f'{input_dir} holds no video files '
                            f'({", ".join(VIDEO_EXTENSIONS)})')
  return [_make_job(v, input_dir, output_dir, streams) for v in videos]


def jobs_from_list(list_path: str, output_dir: str,
                   streams: Tuple[str, ...]) -> List[Job]:
  """Jobs from a list file: `VIDEO[,START,END]` per line.

  Relative video paths are relative to the list file. Fields may be separated
  by commas or white space; lines starting with # are skipped.

  Raises:
    MissingFileError: no file at `list_path`.
    InputError: a line is malformed.
  """
  if not os.path.isfile(list_path):
    raise errors.MissingFileError(f'no list file at {list_path}')
  base = os.path.dirname(os.path.abspath(list_path))
  jobs = []
  with open(list_path, encoding='utf-8') as f:
    for number, line in enumerate(f, 1):
      line = line.strip()
      if not line or line.startswith('#'):
        continue
      fields = line.replace(',', ' ').split()
      if len(fields) not in (1, 3):
        raise errors.InputError(
            f'{list_path}:{number}: expected VIDEO or VIDEO,START,END')
      try:
        times = [float(x) for x in fields[1:]] or [None, None]
      except ValueError:
        raise errors.InputError(
            f'{list_path}:{number}: start and end must be seconds') from None
      video = os.path.join(base, fields[0])
      jobs.append(_make_job(video, None, output_dir, streams, *times))
  if not jobs:
    raise errors.InputError(f'{list_path} lists no videos')
  return jobs


def _run_in_worker(job: Job) -> Tuple[Job, Optional[str]]:
  """Runs a job; returns it with its error message, or None."""
  try:
    run_job(job)
    return job, None
  except errors.InputError as error:
    return job, str(error)
  except Exception as error:  # pylint: disable=broad-except
    # A video that breaks the decoder or OpenCV must not stop the batch; it
    # is reported with the others at the end.
    return job, f'{type(error).__name__}: {error}'


def _init_worker() -> None:
  import cv2  # pylint: disable=g-import-not-at-top
  cv2.setNumThreads(1)


def run_jobs(jobs: Iterable[Job],
             workers: int,
             on_done: Callable[[Job, Optional[str]], None]) -> None:
  """Runs the jobs not yet done, `workers` videos at a time.

  Each worker process handles one video at a time with one OpenCV thread, so
  the cores stay busy with optical flow, the slow part.

  Args:
    jobs: the jobs; done ones are skipped (not passed to `on_done`).
    workers: worker processes.
    on_done: called in this process with each job and its error message (None
      on success), as jobs finish.
  """
  pending = [job for job in jobs if not job.done()]
  if not pending:
    return
  context = multiprocessing.get_context('spawn')
  with concurrent.futures.ProcessPoolExecutor(
      max(1, workers), mp_context=context,
      initializer=_init_worker) as pool:
    futures = [pool.submit(_run_in_worker, job) for job in pending]
    for future in concurrent.futures.as_completed(futures):
      on_done(*future.result())
