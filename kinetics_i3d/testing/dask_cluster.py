"""A dask.distributed cluster of worker processes here, whose workers can be
killed mid-bundle, for running the Beam pipelines on Beam's DaskRunner.

`LocalWorkers` starts a scheduler and worker processes (each restarted by
its nanny when it dies, as on a cluster) that preload this module:
`dask_setup` wraps each of `KILL_TARGETS` so that it SIGKILLs its worker
(no cleanup) when the target has been armed (`arm`) and this worker is the
first to take the arming, an atomic rename, so one arming kills once. The
file it leaves (`fired`) holds the killed process's id.
"""

import os
from typing import Callable, List, Optional

from kinetics_i3d.testing import crashes

KILL_TARGETS = (
    # Mid-bundle in prepare: the clip decoded and resized, before it is
    # encoded.
    'kinetics_i3d.datasets.sequence_examples:ClipBuilder.example',
    # Mid-bundle in the features pipeline: the network set up, before it
    # runs on the clip.
    'kinetics_i3d.features:chunk_features',
)
_KILL_DIR = 'KINETICS_I3D_TEST_KILL_DIR'


def _armed(kill_dir: str, target: str) -> str:
  return os.path.join(kill_dir, target.replace(':', '~') + '.armed')


def _fired(kill_dir: str, target: str) -> str:
  return os.path.join(kill_dir, target.replace(':', '~') + '.fired')


def arm(kill_dir: str, target: str) -> None:
  """Makes the next call of `target` in any worker kill that worker."""
  with open(_armed(kill_dir, target), 'w'):
    pass


def fired(kill_dir: str, target: str) -> Optional[int]:
  """The process id the arming of `target` killed, or None."""
  try:
    with open(_fired(kill_dir, target)) as f:
      return int(f.read())
  except FileNotFoundError:
    return None


def _killing(kill_dir: str, target: str) -> Callable[[Callable], Callable]:
  def wrap(original):
    def wrapper(*args, **kwargs):
      try:
        os.rename(_armed(kill_dir, target), _fired(kill_dir, target))
      except FileNotFoundError:  # Not armed, or another worker took it.
        return original(*args, **kwargs)
      with open(_fired(kill_dir, target), 'w') as f:
        f.write(str(os.getpid()))
      crashes.kill_self()
    return wrapper
  return wrap


def dask_setup(worker) -> None:  # pylint: disable=unused-argument
  """Dask's preload hook, run in each worker process as it starts."""
  kill_dir = os.environ.get(_KILL_DIR)
  if kill_dir:
    for target in KILL_TARGETS:
      crashes.replace(target, _killing(kill_dir, target))


class LocalWorkers:
  """A scheduler and `workers` processes of one thread each.

  Attributes:
    address: the scheduler's, for --dask_client_address.
    client: a client of it, for the test's own questions.
  """

  def __init__(self, workers: int, kill_dir: str):
    from dask import distributed  # pylint: disable=g-import-not-at-top
    self._distributed = distributed
    self._cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True,
        dashboard_address=None, preload=[__name__],
        env={_KILL_DIR: kill_dir})
    self.address = self._cluster.scheduler_address
    self.client = distributed.Client(self.address, set_as_default=False)

  def task_workers(self, run: Callable[[], None], function: str
                  ) -> List[str]:
    """Runs `run`; returns the workers that ran its tasks of `function`
    (named in their keys), one per task."""
    with self._distributed.get_task_stream(self.client) as tasks:
      run()
    return [task['worker'] for task in tasks.data
            if function in str(task['key'])]

  def close(self) -> None:
    """Closes the client and the cluster."""
    self.client.close()
    self._cluster.close()
