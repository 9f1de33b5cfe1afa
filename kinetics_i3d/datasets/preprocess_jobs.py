"""Preprocessing many videos: jobs, outputs on disk, parallel workers.

A job turns one video (or a span of it) into `<name>_rgb.npy` and/or
`<name>_flow.npy`, streaming the video into them chunk by chunk. Outputs are
written through temporary files, so a job is done exactly when its outputs
exist: a rerun skips done jobs and redoes interrupted ones.
"""

import collections
import concurrent.futures
import contextlib
import dataclasses
import multiprocessing
import os
import shutil
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Tuple

import numpy as np

from kinetics_i3d import errors
from kinetics_i3d.datasets import npy_writer
from kinetics_i3d.video import decoding
from kinetics_i3d.video import gifs
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import display
from kinetics_i3d.video import preprocessing
from kinetics_i3d.video import progress as progress_lib


@dataclasses.dataclass(frozen=True)
class Job:
  """One video to preprocess.

  Attributes:
    video: the video file.
    rgb_out: where to write the RGB input (.npy), or None.
    flow_out: where to write the Flow input (.npy), or None.
    start_sec: start time, or None for the start of the video.
    end_sec: end time, or None for its end.
    color_matrix: the colour policy, one of `display.COLOR_MATRICES`.
  """
  video: str
  rgb_out: Optional[str]
  flow_out: Optional[str]
  start_sec: Optional[float] = None
  end_sec: Optional[float] = None
  color_matrix: str = display.DEFAULT_COLOR_MATRIX

  @property
  def outputs(self) -> List[str]:
    return [p for p in (self.rgb_out, self.flow_out) if p]

  def done(self) -> bool:
    return all(os.path.exists(p) for p in self.outputs)


@dataclasses.dataclass
class Output:
  """An array a job wrote.

  Attributes:
    path: the `.npy` file.
    shape: its shape.
    min: its smallest value.
    max: its largest value.
  """
  path: str
  shape: Tuple[int, ...]
  min: float
  max: float


def gif_path(npy_path: str) -> str:
  return os.path.splitext(npy_path)[0] + '.gif'


def estimated_bytes(job: Job) -> Dict[str, Optional[int]]:
  """The size of each output, from the duration the video declares.

  Returns:
    Bytes by output path; None where the container declares no duration.

  Raises:
    MissingFileError, InputError: the video cannot be opened.
  """
  duration = decoding.declared_duration(job.video)
  if duration is None:
    return {path: None for path in job.outputs}
  end = duration if job.end_sec is None else min(duration, job.end_sec)
  frames = max(0, round((end - (job.start_sec or 0.0)) * decoding.FPS))
  if job.flow_out:
    frames = max(0, frames - 1)  # The first frame only starts the flow.
  frame_bytes = preprocessing.CROP_SIZE**2 * 4 * frames
  return {path: frame_bytes * channels + npy_writer.HEADER_BYTES
          for path, channels in ((job.rgb_out, 3), (job.flow_out, 2)) if path}


def check_disk_space(sizes: Mapping[str, Optional[int]]) -> None:
  """Refuses outputs that would not fit on their disks, before any is written.

  Raises:
    InputError: a disk has less free space than the outputs going there.
  """
  needed = collections.defaultdict(int)
  folders = {}
  for path, size in sizes.items():
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(folder):
      folder = os.path.dirname(folder)
    device = os.stat(folder).st_dev
    needed[device] += size or 0
    folders.setdefault(device, folder)
  for device, size in needed.items():
    free = shutil.disk_usage(folders[device]).free
    if size > free:
      raise errors.InputError(
          f'the outputs need {human_size(size)} but {folders[device]} has '
          f'{human_size(free)} free: free some space, write them elsewhere or '
          f'take a shorter span (--start_sec, --end_sec)')


def human_size(size: int) -> str:
  """`12 MB`, `3.45 GB`."""
  return f'{size / 1e9:.2f} GB' if size >= 1e9 else f'{size / 1e6:.0f} MB'


def run_job(job: Job, overwrite: bool = False, gif: bool = False,
            flow_workers: int = 1, flow_backend: str = 'opencv',
            progress: bool = False) -> List[Output]:
  """Preprocesses one video and writes its outputs, streaming.

  The frames go to the outputs chunk by chunk, so memory does not grow with
  the video's length; the outputs appear only when complete.

  Args:
    job: the video and its outputs.
    overwrite: replace existing outputs.
    gif: also write the gif visualisation beside each `.npy` (it holds the
      whole clip in 8 bits: for short clips).
    flow_workers: processes computing optical flow (OpenCV).
    flow_backend: one of `optical_flow.BACKENDS`.
    progress: show a progress bar in seconds of video.

  Returns:
    The outputs written.

  Raises:
    ExistingOutputError: an output exists and `overwrite` is False (checked
      before any work).
    InputError: the video cannot be used, or the disk has no room for the
      outputs (checked before any work).
  """
  for path in job.outputs + ([gif_path(p) for p in job.outputs]
                             if gif else []):
    npy_writer.check_new_output(path, overwrite)
  check_disk_space(estimated_bytes(job))
  paths = {'rgb': job.rgb_out, 'flow': job.flow_out}
  with contextlib.ExitStack() as stack:
    engine = stack.enter_context(optical_flow.flow_engine(
        flow_backend, flow_workers if job.flow_out else 1))
    chunks = preprocessing.stream_video(
        job.video, rgb=job.rgb_out is not None, flow=job.flow_out is not None,
        start_sec=job.start_sec, end_sec=job.end_sec, flow_engine=engine,
        color_matrix=job.color_matrix)
    if progress:
      chunks = progress_lib.in_video_seconds(chunks, job.video, job.start_sec,
                                             job.end_sec)
    writers = {
        stream: stack.enter_context(npy_writer.NpyWriter(path, overwrite=True))
        for stream, path in paths.items() if path
    }
    for chunk in chunks:
      for stream, writer in writers.items():
        writer.write(getattr(chunk, stream))
  outputs = [Output(w.path, w.shape, w.min, w.max) for w in writers.values()]
  if gif:
    for stream, path in paths.items():
      if path:
        picture = (gifs.rgb_visualisation if stream == 'rgb' else
                   gifs.flow_visualisation)
        gifs.write_gif(gif_path(path), picture(np.load(path, mmap_mode='r')))
  return outputs


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


def video_files(folder: str) -> List[str]:
  """The video files under `folder` (any depth), sorted, by extension."""
  return sorted(
      os.path.join(d, f) for d, _, files in os.walk(folder) for f in files
      if f.lower().endswith(decoding.VIDEO_EXTENSIONS))


def jobs_from_dir(input_dir: str, output_dir: str,
                  streams: Tuple[str, ...]) -> List[Job]:
  """A job per video file under `input_dir`, mirroring its sub-folders.

  Raises:
    MissingFileError: `input_dir` does not exist.
    InputError: it holds no video files.
  """
  if not os.path.isdir(input_dir):
    raise errors.MissingFileError(f'no folder at {input_dir}')
  videos = video_files(input_dir)
  if not videos:
    raise errors.InputError(f'{input_dir} holds no video files '
                            f'({", ".join(decoding.VIDEO_EXTENSIONS)})')
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


def _run_in_worker(job: Job,
                   flow_backend: str = 'opencv') -> Tuple[Job, Optional[str]]:
  """Runs a job; returns it with its error message, or None."""
  try:
    run_job(job, flow_backend=flow_backend)
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
             on_done: Callable[[Job, Optional[str]], None],
             flow_backend: str = 'opencv') -> None:
  """Runs the jobs not yet done, `workers` videos at a time.

  With OpenCV flow, each worker process handles one video at a time with one
  OpenCV thread, so the cores stay busy with optical flow, the slow part.
  With TensorFlow flow the videos are done one after the other in this
  process, whose TensorFlow has the GPU (or every core) to itself.

  Args:
    jobs: the jobs; done ones are skipped (not passed to `on_done`).
    workers: worker processes (OpenCV flow).
    on_done: called in this process with each job and its error message (None
      on success), as jobs finish.
    flow_backend: one of `optical_flow.BACKENDS`.
  """
  pending = [job for job in jobs if not job.done()]
  if not pending:
    return
  if (any(job.flow_out for job in pending) and
      optical_flow.resolve_backend(flow_backend) == 'tensorflow'):
    for job in pending:
      on_done(*_run_in_worker(job, 'tensorflow'))
    return
  context = multiprocessing.get_context('spawn')
  with concurrent.futures.ProcessPoolExecutor(
      max(1, workers), mp_context=context,
      initializer=_init_worker) as pool:
    futures = [pool.submit(_run_in_worker, job) for job in pending]
    for future in concurrent.futures.as_completed(futures):
      on_done(*future.result())
