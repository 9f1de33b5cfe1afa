"""Running the repository's scripts as a user does, for end-to-end tests."""

import os
import subprocess
import sys
import tempfile
import threading
from typing import Mapping, Optional, Tuple

from kinetics_i3d.testing import repo_paths


def command(script: str, *args: str) -> list:
  """The command line running `script` with this interpreter."""
  return [sys.executable, script, *args]


def run(script: str, *args: str, env: Optional[Mapping[str, str]] = None,
        timeout: float = 600) -> subprocess.CompletedProcess:
  """Runs a top-level script from the repository root; captures its output."""
  return subprocess.run(command(script, *args), cwd=repo_paths.ROOT,
                        capture_output=True, text=True, check=False,
                        timeout=timeout, env=env)


def last_line(text: str) -> str:
  """The last non-empty line, where scripts put their one-line errors."""
  return text.strip().splitlines()[-1]


def run_measuring_memory(
    script: str, *args: str,
    timeout: float = 600) -> Tuple[subprocess.CompletedProcess, int]:
  """Runs a script as `run` does; also returns its peak resident memory.

  Returns:
    The finished process (stdout and stderr as text; killed after `timeout`
    seconds) and its peak resident set size in bytes, as the kernel accounts
    it for that process alone.
  """
  with tempfile.TemporaryFile('w+') as out, tempfile.TemporaryFile('w+') as err:
    process = subprocess.Popen(command(script, *args), cwd=repo_paths.ROOT,
                               stdout=out, stderr=err, text=True)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
      _, status, usage = os.wait4(process.pid, 0)
    finally:
      timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    result = subprocess.CompletedProcess(process.args, process.returncode,
                                         out.read(), err.read())
  return result, usage.ru_maxrss * 1024  # Linux reports kilobytes.
