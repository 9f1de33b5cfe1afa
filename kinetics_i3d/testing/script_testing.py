"""Running the repository's scripts as a user does, for end-to-end tests."""

import contextlib
import importlib
import io
import logging
import os
import subprocess
import sys
import tempfile
import threading
from typing import Mapping, Optional, Tuple

from absl import app
from absl import flags

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


def run_in_process(command: str, *args: str) -> subprocess.CompletedProcess:
  """Runs a command's `main` in this process, as its script would run it.

  The command's flags are defined, parsed from `args` and removed afterwards;
  its stdout, stderr and log lines are captured. Cheaper than `run` (no new
  interpreter, TensorFlow imported once), for tests of a command's logic;
  `run` stays for its true end-to-end behaviour. Not for the Beam commands,
  whose flags Beam parses too.

  Args:
    command: the module in `kinetics_i3d.commands`, e.g. 'classify_video'.
    *args: its command line.

  Returns:
    The run, as `run` returns it: returncode, stdout and stderr.
  """
  module = importlib.import_module(f'kinetics_i3d.commands.{command}')
  values = flags.FLAGS
  before = set(values)
  stdout, stderr = io.StringIO(), io.StringIO()
  log = logging.StreamHandler(stderr)
  log.setFormatter(logging.Formatter('%(levelname).1s %(message)s'))
  absl_logger = logging.getLogger('absl')
  absl_logger.addHandler(log)
  code = 0
  try:
    module.define_flags()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(
        stderr):
      try:
        argv = values([f'{command}.py', *args])
        module.main(argv)
      except flags.Error as error:
        print(f'FATAL Flags parsing error: {error}', file=sys.stderr)
        code = 1
      except app.UsageError as error:
        print(f'FATAL Flags parsing error: {error}', file=sys.stderr)
        code = error.exitcode
      except SystemExit as exit_:
        if isinstance(exit_.code, str):
          print(exit_.code, file=sys.stderr)
        code = (exit_.code if isinstance(exit_.code, int) else
                0 if exit_.code is None else 1)
  finally:
    absl_logger.removeHandler(log)
    for name in set(values) - before:
      delattr(values, name)
  return subprocess.CompletedProcess([command, *args], code,
                                     stdout.getvalue(), stderr.getvalue())
