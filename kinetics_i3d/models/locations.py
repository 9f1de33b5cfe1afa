"""Where a released checkpoint or release file is found: the one lookup.

In this order: a folder or file the caller gives (a command-line flag); else
a local copy of the release's `data/` folder when the caller names one (the
commands name `data/` under the current folder, where the repository's
`python fetch_data.py` puts the release, as the original did); else the user
cache (`downloads.cache`), which fetches on first use. Library code names no
local folder, so it reads only what it is given and the cache.
"""

import os
from typing import Optional, Sequence

from kinetics_i3d.downloads import cache
from kinetics_i3d.models import cached_weights

# The release's folder under the current folder, where the commands look.
LOCAL_DATA = 'data'


def _local_checkpoint(name: str, data_dir: Optional[str]) -> Optional[str]:
  """The checkpoint's prefix in `data_dir/checkpoints`, None if not there."""
  if not data_dir:
    return None
  local = os.path.join(data_dir, 'checkpoints', name, cache.CHECKPOINT_FILE)
  return local if os.path.exists(local + '.index') else None


def checkpoint(name: str, checkpoint_dir: Optional[str] = None,
               data_dir: Optional[str] = None) -> str:
  """The prefix of the released checkpoint `name`.

  Args:
    name: a released checkpoint, e.g. 'rgb_imagenet'.
    checkpoint_dir: a folder of checkpoint folders the user gave: the
      prefix is `<checkpoint_dir>/<name>/model.ckpt`, whether or not it
      exists (the restore names it if not).
    data_dir: a local copy of the release's `data/` folder, looked in before
      the cache.

  Returns:
    The checkpoint prefix.

  Raises:
    InputError: not given, not in `data_dir` nor the cache, and it cannot
      be fetched.
  """
  if checkpoint_dir:
    return os.path.join(checkpoint_dir, name, cache.CHECKPOINT_FILE)
  return _local_checkpoint(name, data_dir) or cached_weights.checkpoint(name)


def checkpoint_dir(names: Sequence[str], given: Optional[str] = None,
                   data_dir: Optional[str] = None) -> Optional[str]:
  """One folder of checkpoint folders holding all of `names`, or None.

  For workers in other processes, which are handed a folder rather than
  looking themselves.

  Returns:
    `given` when given; else `data_dir/checkpoints`, absolute, when it holds
    every one of `names`; else None, for the user cache.
  """
  if given:
    return given
  if data_dir and all(_local_checkpoint(name, data_dir) for name in names):
    return os.path.abspath(os.path.join(data_dir, 'checkpoints'))
  return None


def release_file(relative: str, given: Optional[str] = None,
                 data_dir: Optional[str] = None) -> str:
  """A file of the release (a sample, a label map).

  Args:
    relative: its path in the release's `data/` folder, e.g.
      'label_map_600.txt'.
    given: a path the user gave, used as it is.
    data_dir: a local copy of the release's `data/` folder, looked in before
      the cache.

  Raises:
    InputError: not in `data_dir` nor the cache, and it cannot be fetched.
  """
  if given:
    return given
  if data_dir and os.path.exists(os.path.join(data_dir, relative)):
    return os.path.join(data_dir, relative)
  return cache.release_file(relative)
