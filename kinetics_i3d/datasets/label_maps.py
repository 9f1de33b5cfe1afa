"""Kinetics class names, in the order of the checkpoints' logits.

`kinetics(num_classes)` reads both lists: Kinetics-400 from the package's
data, Kinetics-600 from the release's `label_map_600.txt`, which the user
cache fetches with the Kinetics-600 checkpoint (so wherever that model
loads, its class names do too).
"""

import ast
import importlib.resources
from typing import List, Optional
import zipfile

from kinetics_i3d import errors
from kinetics_i3d.models import locations
from kinetics_i3d.models import weights as weights_lib

# The Kinetics-400 label map inside the package.
KINETICS400_RESOURCE = 'resources/label_map.txt'
TORCHVISION_META = 'torchvision/models/_meta.py'
TORCHVISION_CATEGORIES = '_KINETICS400_CATEGORIES'


def read_names(path: str) -> List[str]:
  """The class names of a label map: one per line, blank lines skipped.

  Raises:
    MissingFileError: there is no file at `path`.
  """
  try:
    with open(path, encoding='utf-8') as f:
      return [line.strip() for line in f if line.strip()]
  except FileNotFoundError:
    raise errors.MissingFileError(
        f'no label map at {path}: `i3d-fetch --source=original` downloads '
        'the release\'s label maps (needs internet)') from None


def kinetics400() -> List[str]:
  """The 400 Kinetics-400 classes, in the order of the checkpoints' logits.

  The package's copy of the release's `label_map.txt` (the list torchvision
  ships, identical to the release's; see `kinetics400_from_torchvision_wheel`).
  """
  text = importlib.resources.files('kinetics_i3d').joinpath(
      KINETICS400_RESOURCE).read_text(encoding='utf-8')
  return [line.strip() for line in text.splitlines() if line.strip()]


def kinetics(num_classes: int, data_dir: Optional[str] = None) -> List[str]:
  """The Kinetics-400 or Kinetics-600 classes, in the checkpoints' order.

  Args:
    num_classes: 400 or 600.
    data_dir: a local copy of the release's `data/` folder, looked in for
      the Kinetics-600 list before the user cache.

  Raises:
    InputError: another class count, or the Kinetics-600 list is neither in
      `data_dir` nor cached, and the release is out of reach.
  """
  if num_classes == 400:
    return kinetics400()
  if num_classes != 600:
    raise errors.InputError(f'Kinetics has 400 or 600 classes, not '
                            f'{num_classes}: give the label map of your data')
  return read_label_map(
      locations.release_file(weights_lib.KINETICS600_LABEL_MAP,
                             data_dir=data_dir), num_classes)


def read_label_map(path: str, num_classes: int) -> List[str]:
  """Reads a label map that must list `num_classes` classes.

  Args:
    path: the label map file.
    num_classes: how many classes it must list.

  Returns:
    The class names.

  Raises:
    MissingFileError: there is no file at `path`.
    InputError: it does not list `num_classes` names.
  """
  names = read_names(path)
  if len(names) != num_classes:
    raise errors.InputError(f'label map {path} lists {len(names)} classes; the '
                            f'model has {num_classes}')
  return names


def kinetics400_from_torchvision_wheel(wheel_path: str) -> List[str]:
  """Reads the Kinetics-400 class names from a torchvision wheel.

  torchvision lists them, in the order of the I3D checkpoints' logits, as
  `_KINETICS400_CATEGORIES` in `torchvision/models/_meta.py`. The file is read
  as Python literals, never executed.

  Args:
    wheel_path: a torchvision wheel (e.g. from `pip download --no-deps
      torchvision==0.29.1`).

  Returns:
    The 400 class names.

  Raises:
    InputError: the wheel has no such list of 400 names.
  """
  with zipfile.ZipFile(wheel_path) as wheel:
    source = wheel.read(TORCHVISION_META).decode('utf-8')
  for node in ast.parse(source).body:
    if (isinstance(node, ast.Assign) and len(node.targets) == 1 and
        getattr(node.targets[0], 'id', None) == TORCHVISION_CATEGORIES):
      names = ast.literal_eval(node.value)
      if len(names) == 400:
        return list(names)
  raise errors.InputError(
      f'{wheel_path} has no list of 400 {TORCHVISION_CATEGORIES}')
