"""Where the commands find the release's files: given, `data/`, or the cache.

A path given on the command line is used as it is. Otherwise a command looks
in `data/` under the current folder, where the repository's
`python fetch_data.py` puts the release as the original did, and then in the
user cache (`downloads.cache`), which is filled on first use; so the
installed commands work from any folder.
"""

import os
from typing import Dict, List, Optional, Sequence

from absl import logging

from kinetics_i3d.datasets import label_maps
from kinetics_i3d.downloads import cache
from kinetics_i3d.models import i3d
from kinetics_i3d.models import streams
from kinetics_i3d.models import weights as weights_lib

LOCAL_DATA = 'data'


def checkpoint(name: str, checkpoint_dir: Optional[str] = None) -> str:
  """The prefix of the released checkpoint `name`.

  Args:
    name: e.g. 'rgb_imagenet'.
    checkpoint_dir: a folder of checkpoint folders given by the user; when
      None, `data/checkpoints` if it holds the checkpoint, else the cache.

  Returns:
    The checkpoint prefix (which exists, unless `checkpoint_dir` was given).

  Raises:
    InputError: not in `data/` nor the cache, and it cannot be fetched.
  """
  if checkpoint_dir:
    return os.path.join(checkpoint_dir, name, cache.CHECKPOINT_FILE)
  local = _local_checkpoint(name)
  return local if local else cache.checkpoint(name)


def _local_checkpoint(name: str) -> Optional[str]:
  """The checkpoint's prefix in `data/checkpoints`, None if it is not there."""
  local = os.path.join(LOCAL_DATA, 'checkpoints', name, cache.CHECKPOINT_FILE)
  return local if os.path.exists(local + '.index') else None


def checkpoint_dir(names: Sequence[str],
                   given: Optional[str] = None) -> Optional[str]:
  """The folder of checkpoint folders to use for `names`, or None (cache).

  Returns:
    `given` when given; else `data/checkpoints`, absolute, when it holds
    every one of `names`; else None, for the user cache.
  """
  if given:
    return given
  if all(_local_checkpoint(name) for name in names):
    return os.path.abspath(os.path.join(LOCAL_DATA, 'checkpoints'))
  return None


def load_models(stream_names: Sequence[str],
                checkpoint_dir: Optional[str] = None,
                imagenet_pretrained: bool = True,
                kinetics600: bool = False) -> Dict[str, i3d.InceptionI3d]:
  """The released models of some streams, restored.

  Args:
    stream_names: 'rgb', 'flow' or both.
    checkpoint_dir: a folder the user gave (see `checkpoint`).
    imagenet_pretrained: the *_imagenet checkpoints, else *_scratch.
    kinetics600: the Kinetics-600 RGB checkpoint.

  Returns:
    The models by stream.

  Raises:
    InputError: a checkpoint cannot be had or does not fit.
  """
  models = {}
  for stream in stream_names:
    name = streams.checkpoint_name(stream, imagenet_pretrained, kinetics600)
    path = checkpoint(name, checkpoint_dir)
    models[stream] = streams.load_model(stream, path,
                                        weights_lib.get(name).num_classes)
    logging.info('%s checkpoint restored from %s', stream.upper(), path)
  return models


def release_file(relative: str, given: Optional[str] = None) -> str:
  """A file of the release (a sample, a label map): given, `data/`, cache.

  Raises:
    InputError: not in `data/` nor the cache, and it cannot be fetched.
  """
  if given:
    return given
  local = os.path.join(LOCAL_DATA, relative)
  if os.path.exists(local):
    return local
  return cache.release_file(relative)


def data_set_classes(given: Optional[str]) -> Optional[List[str]]:
  """The --label_map of the data set commands: a file of class names, one
  per line, or `kinetics400` for the package's list; None when not given."""
  if not given:
    return None
  if given == 'kinetics400':
    return label_maps.kinetics400()
  return label_maps.read_names(given)


def class_names(num_classes: int, given: Optional[str] = None) -> List[str]:
  """The Kinetics-400 or -600 class names, from a given file or the release.

  Raises:
    InputError: the file is missing or lists another number of classes.
  """
  if given:
    return label_maps.read_label_map(given, num_classes)
  if num_classes == 400:
    return label_maps.kinetics400()
  return label_maps.read_label_map(
      release_file(weights_lib.KINETICS600_LABEL_MAP), num_classes)
