"""Running a command as a user does, killed at a chosen point or on a full disk.

`run_killed` runs a repository script in a child process that kills itself
with SIGKILL (no cleanup, as a preempted machine or the OOM killer does) at
the Nth call of a function: the function is replaced, in the child only, by
one that kills the process just before or just after the original runs.
`run_with_file_limit` runs a script whose files may not grow beyond a size
(RLIMIT_FSIZE, writes then fail as on a full disk).

  python -m kinetics_i3d.testing.crashes MODULE:ATTRIBUTE N before|after \
      SCRIPT ARGS...
"""

import importlib
import os
import resource
import runpy
import signal
import subprocess
import sys
from typing import Callable, Mapping, Optional

from kinetics_i3d.testing import repo_paths


def replace(target: str, wrap: Callable[[Callable], Callable]) -> None:
  """Replaces `target` ('module:Attribute.name') by `wrap(target)`."""
  module_name, attribute = target.split(':')
  owner = importlib.import_module(module_name)
  *path, name = attribute.split('.')
  for part in path:
    owner = getattr(owner, part)
  setattr(owner, name, wrap(getattr(owner, name)))


def kill_self() -> None:
  """SIGKILLs this process: no cleanup, as a preempted machine."""
  os.kill(os.getpid(), signal.SIGKILL)


def _arm(target: str, call: int, when: str) -> None:
  """Replaces `target` by a wrapper that kills at its `call`th call."""
  calls = [0]

  def wrap(original):
    def wrapper(*args, **kwargs):
      calls[0] += 1
      if calls[0] == call and when == 'before':
        kill_self()
      result = original(*args, **kwargs)
      if calls[0] == call and when == 'after':
        kill_self()
      return result
    return wrapper

  replace(target, wrap)


def run_killed(script: str, *args: str, target: Optional[str],
               call: int = 1, when: str = 'before', prelude: str = '',
               env: Optional[Mapping[str, str]] = None,
               timeout: float = 600) -> subprocess.CompletedProcess:
  """Runs a repository script that SIGKILLs itself at a chosen call.

  Args:
    script: the script, relative to the repository's root.
    *args: its arguments.
    target: 'module:Attribute.name' of the function to kill in; None runs
      the script to its end (with the prelude).
    call: the call (from 1) that kills.
    when: 'before' or 'after' that call runs.
    prelude: Python run in the child first (to set test data up).
    env: the child's environment.
    timeout: seconds.

  Returns:
    The finished process; its return code is -9 when it was killed.
  """
  command = [sys.executable, '-c',
             f'{prelude}\nimport sys\n'
             'from kinetics_i3d.testing import crashes\n'
             'crashes.main(sys.argv[1:])',
             target or '-', str(call), when, script, *args]
  return subprocess.run(command, cwd=repo_paths.ROOT, capture_output=True,
                        text=True, check=False, timeout=timeout, env=env)


def run_with_file_limit(script: str, *args: str, limit_bytes: int,
                        timeout: float = 600) -> subprocess.CompletedProcess:
  """Runs a repository script whose files may not grow past `limit_bytes`.

  Writes beyond the limit fail with EFBIG ('File too large'), as writes to a
  full disk fail with ENOSPC.
  """

  def limit():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

  return subprocess.run([sys.executable, script, *args], cwd=repo_paths.ROOT,
                        capture_output=True, text=True, check=False,
                        timeout=timeout, preexec_fn=limit)


def temporaries(directory: str):
  """Every file or folder under `directory` whose name marks a temporary."""
  return [os.path.join(root, n) for root, folders, files in os.walk(directory)
          for n in folders + files if '.tmp-' in n or n.startswith(
              'beam-temp-')]


def main(argv) -> None:
  """Arms the kill, then runs the script as `__main__`."""
  target, call, when, script, *args = argv
  if target != '-':
    _arm(target, int(call), when)
  sys.argv = [script, *args]
  runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
  main(sys.argv[1:])
