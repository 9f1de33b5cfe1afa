"""Checking that a training or evaluation data source is there, at once.

`training_data.load` reads class folders, a CSV or TFRecords; this module
only checks, without TensorFlow, that the path it is given names something,
so that `train.py` and `evaluate.py` answer a mistyped path at once.
"""

import glob
import os

from kinetics_i3d import errors


def check_exists(source: str) -> None:
  """Raises MissingFileError if `source` (a path or a glob) names nothing.

  Args:
    source: a folder of class folders, a `.csv` file, or TFRecord files (a
      file, a glob, or a folder of them).
  """
  if '://' in source or os.path.exists(source) or glob.glob(source):
    return
  raise errors.MissingFileError(
      f'no data at {source}: give a folder of class folders, a .csv file or '
      'TFRecord files')
