"""Running the repository's scripts as a user does, for end-to-end tests."""

import subprocess
import sys
from typing import Mapping, Optional

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
