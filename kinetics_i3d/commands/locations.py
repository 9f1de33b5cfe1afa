"""What the commands read of the release: checkpoints, samples, class names.

A path given on the command line is used as it is. Otherwise a command looks
in `data/` under the current folder, where the repository's
`python fetch_data.py` puts the release as the original did, and then in the
user cache, filled on first use; so the installed commands work from any
folder. The lookup itself is `models.locations`; the networks are built by
`pretrained.load`.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from absl import logging

from kinetics_i3d import lazy_modules
from kinetics_i3d.datasets import label_maps
from kinetics_i3d.models import locations
from kinetics_i3d.models import streams

# Heavy (TensorFlow, Beam): imported when a path first uses them.
i3d = lazy_modules.load('kinetics_i3d.models.i3d')
pretrained = lazy_modules.load('kinetics_i3d.pretrained')


def checkpoint(name: str, checkpoint_dir: Optional[str] = None) -> str:
  """The prefix of the released checkpoint `name` (see `models.locations`).

  Raises:
    InputError: not in `data/` nor the cache, and it cannot be fetched.
  """
  return locations.checkpoint(name, checkpoint_dir, locations.LOCAL_DATA)


def checkpoint_dir(names: Sequence[str],
                   given: Optional[str] = None) -> Optional[str]:
  """The folder of checkpoint folders for `names`: given, `data/checkpoints`
  when it holds them all, else None (each worker's user cache)."""
  return locations.checkpoint_dir(names, given, locations.LOCAL_DATA)


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
    models[stream] = pretrained.load(name, checkpoint=path)
    logging.info('%s checkpoint restored from %s', stream.upper(), path)
  return models


def release_file(relative: str, given: Optional[str] = None) -> str:
  """A file of the release (a sample, a label map): given, `data/`, cache.

  Raises:
    InputError: not in `data/` nor the cache, and it cannot be fetched.
  """
  return locations.release_file(relative, given, locations.LOCAL_DATA)


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
  return label_maps.kinetics(num_classes, locations.LOCAL_DATA)
