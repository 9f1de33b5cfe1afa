"""Downloads DeepMind's original kinetics-i3d release into `data/`.

The release holds five checkpoints, the cricket sample inputs and both label
maps, at the same paths as in the original repository. Files already present
are kept; each download goes to a temporary file first and is kept only when
its git blob id (the SHA-1 of `b"blob <size>\\0" + content`, which names the
file in the release's git history) is the release's, so an interrupted or
corrupted download leaves nothing behind.
"""

import hashlib
import os
import shutil
from typing import Callable, Dict, List, Mapping, Optional, Sequence
import urllib.error
import urllib.request

from kinetics_i3d import errors
from kinetics_i3d import outputs

BASE_URL = 'https://raw.githubusercontent.com/deepmind/kinetics-i3d/master/'

CHECKPOINT_NAMES = ('rgb_scratch', 'rgb_imagenet', 'flow_scratch',
                    'flow_imagenet', 'rgb_scratch_kin600')
SAMPLE_FILES = ('v_CricketShot_g04_c01_rgb.npy',
                'v_CricketShot_g04_c01_flow.npy')
LABEL_MAP_FILES = ('label_map.txt', 'label_map_600.txt')


# The git blob id of every file of the release, by path under `data/`.
BLOB_IDS = {
    'checkpoints/flow_imagenet/checkpoint':
        'b1d98a470052b65ddfb29656d5b1b8dff29b169e',
    'checkpoints/flow_imagenet/model.ckpt.data-00000-of-00001':
        'bf56831f663abc3de0d35f193030b73a3df7fb61',
    'checkpoints/flow_imagenet/model.ckpt.index':
        '8217f9450d851d24782aaf1af01c5c3b35b81a35',
    'checkpoints/flow_scratch/checkpoint':
        '4441936dd6ed920127c129e15b311959c1e9f8c6',
    'checkpoints/flow_scratch/model.ckpt.data-00000-of-00001':
        '1d6a0b68f32544af11111342857e47e30d13afa9',
    'checkpoints/flow_scratch/model.ckpt.index':
        '193bc425100f3978c793da66bd9eb54baea8dc6a',
    'checkpoints/rgb_imagenet/checkpoint':
        '4ca69b22d0b129450e6fd8532e297795daa08ae1',
    'checkpoints/rgb_imagenet/model.ckpt.data-00000-of-00001':
        '2958652e0c9c48a65010c0ebda5c9cfd4edc7c18',
    'checkpoints/rgb_imagenet/model.ckpt.index':
        '5ab1058b8f4f89a896c01f67c0a4c96a31548af7',
    'checkpoints/rgb_scratch/checkpoint':
        'd0c807cae5dd117942f2673f28503c5ebfd431b7',
    'checkpoints/rgb_scratch/model.ckpt.data-00000-of-00001':
        'fa7df95674dbf3579e7fccd954e51e706b4734c1',
    'checkpoints/rgb_scratch/model.ckpt.index':
        '84dd4518e982d9ca6ce1ff02e95fca2e8cbb1f73',
    'checkpoints/rgb_scratch_kin600/checkpoint':
        'febd7d546081c498d644978b31e8c836a8931736',
    'checkpoints/rgb_scratch_kin600/model.ckpt.data-00000-of-00001':
        '6392a74c3180e706cabada39d8f40a50a48642e5',
    'checkpoints/rgb_scratch_kin600/model.ckpt.index':
        'd378d8f01215fe92a29cd170f040c284070e9cd5',
    'label_map.txt': 'cdaafcb1415eee46483561e78cb4747cce76a933',
    'label_map_600.txt': '639e9c91fa8a941ea57942872fae55628d590b42',
    'v_CricketShot_g04_c01_flow.npy':
        'ee00e78e6f380caa5463de878d7c85ad7a01e668',
    'v_CricketShot_g04_c01_rgb.npy':
        'd756c5020a6e0fb56a99b210e32f5865da712bba',
}


class ReleaseUnavailableError(errors.InputError):
  """The original release cannot be reached."""


class CorruptDownloadError(errors.InputError):
  """A file came down, but not as the release holds it."""


def git_blob_id(path: str) -> str:
  """The git blob id of a file: SHA-1 of `blob <size>\\0` and its content."""
  digest = hashlib.sha1(b'blob %d\0' % os.path.getsize(path))
  with open(path, 'rb') as f:
    for block in iter(lambda: f.read(1 << 20), b''):
      digest.update(block)
  return digest.hexdigest()


def verify(data_dir: str,
           blob_ids: Mapping[str, str] = BLOB_IDS) -> Dict[str, str]:
  """Checks the release's files present in `data_dir` against their ids.

  Args:
    data_dir: the project's `data/` directory.
    blob_ids: the expected git blob id by relative path.

  Returns:
    'ok', 'missing' or 'differs from the release' by relative path.
  """
  status = {}
  for relative in release_files():
    path = os.path.join(data_dir, relative)
    if not os.path.exists(path):
      status[relative] = 'missing'
    elif git_blob_id(path) == blob_ids[relative]:
      status[relative] = 'ok'
    else:
      status[relative] = 'differs from the release'
  return status


def checkpoint_files(name: str) -> List[str]:
  """The files of one released checkpoint, relative to `data/`.

  The index comes last: it is what readers look for, so a checkpoint whose
  index is there has all its files.
  """
  return [
      f'checkpoints/{name}/model.ckpt.data-00000-of-00001',
      f'checkpoints/{name}/checkpoint',
      f'checkpoints/{name}/model.ckpt.index',
  ]


def release_files() -> List[str]:
  """Paths of the release's files, relative to `data/`."""
  files = []
  for name in CHECKPOINT_NAMES:
    files += checkpoint_files(name)
  return files + list(SAMPLE_FILES) + list(LABEL_MAP_FILES)


def _download(url: str, destination: str, blob_id: str,
              timeout: float) -> None:
  """Downloads `url` to `destination`, keeping it only if its id matches.

  Raises:
    CorruptDownloadError: the file's git blob id is not `blob_id`.
  """
  with urllib.request.urlopen(url, timeout=timeout) as response, (
      outputs.atomic(destination)) as temporary:
    with open(temporary, 'wb') as f:
      shutil.copyfileobj(response, f)
    received = git_blob_id(temporary)
    if received != blob_id:
      raise CorruptDownloadError(
          f'{url} sent a file that is not the release\'s (git blob '
          f'{received}, expected {blob_id}); nothing was kept: fetch it again')


def fetch(data_dir: str,
          base_url: str = BASE_URL,
          timeout: float = 30.0,
          progress: Optional[Callable[[str], None]] = None,
          blob_ids: Mapping[str, str] = BLOB_IDS,
          files: Optional[Sequence[str]] = None) -> List[str]:
  """Downloads the files of the release that `data_dir` lacks.

  Args:
    data_dir: the project's `data/` directory.
    base_url: where the repository's files are served; its `data/` folder is
      appended.
    timeout: seconds to wait for the server at each request.
    progress: called with each relative path before it is downloaded.
    blob_ids: the expected git blob id by relative path.
    files: the relative paths to fetch (those of `release_files()`); all of
      them when None.

  Returns:
    The relative paths downloaded.

  Raises:
    ReleaseUnavailableError: the server cannot be reached or a file is missing
      there; what was downloaded before stays.
    CorruptDownloadError: a file is not the release's (it is not kept).
  """
  fetched = []
  for relative in release_files() if files is None else files:
    destination = os.path.join(data_dir, relative)
    if os.path.exists(destination):
      continue
    url = f'{base_url}data/{relative}'
    if progress:
      progress(relative)
    try:
      _download(url, destination, blob_ids[relative], timeout)
    except urllib.error.HTTPError as error:
      raise ReleaseUnavailableError(
          f'{url} answered {error.code} {error.reason}') from None
    except (urllib.error.URLError, OSError) as error:
      reason = getattr(error, 'reason', error)
      raise ReleaseUnavailableError(
          f'cannot download {url} ({reason}): the original release needs '
          'internet access') from None
    fetched.append(relative)
  return fetched
