"""The variable names and shapes of the release's checkpoints.

`../shared/reference/original-release/checkpoint-indexes/<name>/` holds the
`.index` file of each released checkpoint (names, dtypes, shapes; no
weights), when that folder is beside the repository.
"""

import os
import shutil
import tempfile
from typing import Dict, Optional, Tuple

import tensorflow as tf

from kinetics_i3d.testing import repo_paths


def shapes(name: str) -> Optional[Dict[str, Tuple[int, ...]]]:
  """Shapes by variable name in a released checkpoint, or None if absent.

  Args:
    name: the checkpoint's folder, e.g. 'rgb_imagenet'.
  """
  index = repo_paths.original_release_file(
      f'checkpoint-indexes/{name}/model.ckpt.index')
  if index is None:
    return None
  with tempfile.TemporaryDirectory() as directory:
    shutil.copy(index, os.path.join(directory, 'model.ckpt.index'))
    # An empty data file: the reader needs one to open the index.
    open(os.path.join(directory, 'model.ckpt.data-00000-of-00001'),
         'wb').close()
    reader = tf.train.load_checkpoint(os.path.join(directory, 'model.ckpt'))
    return {k: tuple(v) for k, v in reader.get_variable_to_shape_map().items()}
