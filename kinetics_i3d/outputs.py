"""Writing outputs so that a killed or failed job leaves nothing a reader takes.

Every file the project writes goes under a temporary name (its own name, then
`.tmp-` and a random suffix) and is renamed when whole, so a reader never
sees half a file: a name without `.tmp-` is complete. A job that writes into
a folder first removes the temporaries a killed run left there, holding a
lock on the folder (`.lock`, released by the system when its process ends,
however it ends), so two runs never interleave and the second is refused with
one line. A full disk (or a file-size limit) ends with one error naming the
file, its temporary removed.
"""

import contextlib
import errno
import glob
import os
import shutil
from typing import Iterator, List
import uuid

import filelock

from kinetics_i3d import errors

TEMPORARY_MARK = '.tmp-'
LOCK_FILE = '.lock'
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_DISK_FULL_TEXT = ('No space left', 'File too large', 'Disk quota')


class DiskFullError(errors.InputError):
  """An output could not be written for want of room."""


class BusyError(errors.InputError):
  """Another run is writing the same folder."""


def temporary_name(path: str) -> str:
  """A temporary name beside `path`, which readers of the folder skip."""
  return f'{path}{TEMPORARY_MARK}{uuid.uuid4().hex[:12]}'


def is_temporary(path: str) -> bool:
  return TEMPORARY_MARK in os.path.basename(path)


def disk_full(error: BaseException) -> bool:
  """Whether `error`, raised writing a file, means there was no room."""
  if isinstance(error, OSError) and error.errno in _DISK_FULL:
    return True
  return any(text in str(error) for text in _DISK_FULL_TEXT)


def disk_full_error(path: str) -> DiskFullError:
  return DiskFullError(f'no room to write {path} (the disk, quota or file '
                       'size limit is full): free some space or write '
                       'elsewhere, then run again; nothing was left half-'
                       'written')


def exists(path: str) -> bool:
  """Whether anything is at `path`: a local path, or a `scheme://` one
  (`gs://...`) through `tf.io.gfile` (TensorFlow is imported only then)."""
  if '://' in path:
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    return tf.io.gfile.exists(path)
  return os.path.lexists(path)


OVERWRITE_FIX = 'pass --overwrite to replace it'


def check_new(path: str, fix: str = OVERWRITE_FIX, overwrite: bool = False,
              checkpoint: bool = False) -> None:
  """The one check that an output does not exist yet.

  Args:
    path: the output, local or remote (`exists`).
    fix: what the user does about it, for the message.
    overwrite: the output may be replaced: nothing is checked.
    checkpoint: `path` is a checkpoint prefix (its `.index` is looked for).

  Raises:
    ExistingOutputError: `'<path> exists: <fix>'`, or for a checkpoint
      `'a checkpoint exists at <path>: <fix>'`.
  """
  if overwrite:
    return
  if checkpoint and exists(path + '.index'):
    raise errors.ExistingOutputError(
        f'a checkpoint exists at {path}: {fix}')
  if not checkpoint and exists(path):
    raise errors.ExistingOutputError(f'{path} exists: {fix}')


def check_absent(path: str, flag: str) -> None:
  """`check_new` of a file that --`flag` names and that is never replaced."""
  check_new(path, f'give another --{flag} or remove it')


def remove(path: str) -> None:
  """Removes a file or folder if it is there."""
  if os.path.isdir(path):
    shutil.rmtree(path, ignore_errors=True)
  elif os.path.lexists(path):
    os.remove(path)


@contextlib.contextmanager
def atomic(path: str) -> Iterator[str]:
  """Yields a temporary path to write; renames it to `path` when the block
  ends, or removes it if the block fails.

  Raises:
    DiskFullError: the block failed for want of room.
  """
  directory = os.path.dirname(os.path.abspath(path))
  os.makedirs(directory, exist_ok=True)
  temporary = temporary_name(path)
  try:
    yield temporary
    os.replace(temporary, path)
  except BaseException as error:
    remove(temporary)
    if disk_full(error):
      raise disk_full_error(path) from None
    raise


def remove_temporaries_of(path: str) -> List[str]:
  """Removes the temporaries a killed run left of one output, `path`."""
  stale = glob.glob(f'{glob.escape(path)}{TEMPORARY_MARK}*')
  for name in stale:
    remove(name)
  return stale


def remove_temporaries(directory: str) -> List[str]:
  """Removes the temporaries under `directory` (at any depth).

  Returns:
    What was removed.
  """
  removed = []
  for root, folders, files in os.walk(directory):
    for name in [n for n in folders + files if TEMPORARY_MARK in n]:
      remove(os.path.join(root, name))
      removed.append(os.path.join(root, name))
    folders[:] = [f for f in folders if TEMPORARY_MARK not in f]
  return removed


@contextlib.contextmanager
def writing(directory: str, job: str,
            wait: bool = False) -> Iterator[List[str]]:
  """Holds the folder's lock, having removed its stale temporaries.

  Args:
    directory: the output folder (created if needed).
    job: the command's name, for the message.
    wait: wait for another run to release the lock, rather than refuse.

  Yields:
    The temporaries removed (a killed run's).

  Raises:
    BusyError: another run holds the lock (and `wait` is False).
  """
  os.makedirs(directory, exist_ok=True)
  lock = filelock.FileLock(os.path.join(directory, LOCK_FILE))
  try:
    lock.acquire(timeout=-1 if wait else 0)
  except filelock.Timeout:
    raise BusyError(f'another {job} run is writing {directory} (it holds '
                    f'{lock.lock_file}): wait for it to end') from None
  try:
    yield remove_temporaries(directory)
  finally:
    lock.release()
