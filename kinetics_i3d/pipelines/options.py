"""Command lines of the Beam scripts: our flags, then Beam's options."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, List, Sequence

from absl import flags

from kinetics_i3d import errors
from kinetics_i3d import lazy_modules

# Heavy (TensorFlow, Beam): imported when a path first uses them.
manifests = lazy_modules.load('kinetics_i3d.datasets.manifests')
runner = lazy_modules.load('kinetics_i3d.pipelines.runner')


def define_manifest_flags() -> None:
  """Defines --manifest, --videos and --split_lists."""
  flags.DEFINE_string(
      'manifest', None, 'A Kinetics CSV; without it, --videos holds class '
      'folders.')
  flags.DEFINE_string('videos', None, 'Folder of the videos.')
  flags.DEFINE_list(
      'split_lists', [], 'Class folders: UCF101-style split lists '
      '(trainlist01.txt, testlist01.txt); without them every video is train.')


def check_manifest_flags() -> None:
  """Checks, before any work, that a local --manifest and --videos exist.

  Raises:
    MissingFileError: one of them is not there.
  """
  values = flags.FLAGS
  if values.manifest and '://' not in values.manifest and not os.path.isfile(
      values.manifest):
    raise errors.MissingFileError(f'no manifest at {values.manifest}')
  if values.videos and '://' not in values.videos and not os.path.isdir(
      values.videos):
    raise errors.MissingFileError(f'no videos folder at {values.videos}')


def manifest_clips() -> List[manifests.ClipSpec]:
  """The clips that --manifest, --videos and --split_lists name."""
  return manifests.load(flags.FLAGS.manifest, flags.FLAGS.videos,
                        flags.FLAGS.split_lists)


def parse_known_flags(argv: Sequence[str]) -> List[str]:
  """Parses the script's absl flags; returns the rest for Beam.

  A flag that is neither the script's nor Beam's, or a flag error, ends the
  run with absl's one-line message and status 1.
  """
  try:
    rest = flags.FLAGS(list(argv), known_only=True)
    unknown = _unknown_beam_flags(rest[1:])
    if unknown:
      raise flags.UnrecognizedFlagError(unknown[0])
  except flags.Error as error:
    print(f'FATAL Flags parsing error: {error}', file=sys.stderr)
    print('Pass --helpshort or --helpfull to see help on flags.',
          file=sys.stderr)
    sys.exit(1)
  return rest


def _unknown_beam_flags(args: Sequence[str]) -> List[str]:
  """The names of the flags in `args` that Beam's options do not know."""
  if not any(arg.startswith('-') for arg in args):
    return []  # Nothing to check: Beam need not be imported.
  # pylint: disable=g-import-not-at-top
  from apache_beam.options import pipeline_options
  dask = False
  if any(arg.lstrip('-').startswith('dask_') for arg in args):
    try:  # Defines the Dask runner's options (--dask_client_address, ...).
      # pylint: disable-next=unused-import
      from apache_beam.runners.dask import dask_runner
      dask = True
    except ImportError:  # `beam_options` says so if the runner is asked for.
      pass
  # pylint: enable=g-import-not-at-top
  known = pipeline_options.PipelineOptions([]).get_all_options()
  given = pipeline_options.PipelineOptions(list(args)).get_all_options(
      retain_unknown_options=True)
  return sorted(name for name in set(given) - set(known)
                if dask or not name.startswith('dask_'))


def beam_options(argv: Sequence[str]) -> Any:
  """Beam's options from the command line's rest.

  Without --runner: Beam's DirectRunner with one worker process per core.
  --runner=DaskRunner (Beam's, named in full for Beam) runs on the Dask
  cluster of --dask_client_address, else on a cluster of this machine's
  cores started for the run (`runner.name_dask_runner`). Beam's own log lines
  below ERROR and Dask's below WARNING (their workers' chatter) are hidden
  unless --default_sdk_harness_log_level asks for them.

  Returns:
    Beam's `PipelineOptions`.

  Raises:
    InputError: --runner=DaskRunner without Dask installed.
  """
  # Beam takes a second to import: only the runs that need it pay.
  # pylint: disable-next=g-import-not-at-top
  from apache_beam.options import pipeline_options
  options = pipeline_options.PipelineOptions(list(argv))
  quiet = not any(arg.startswith('--default_sdk_harness_log_level')
                  for arg in argv)
  runner.name_dask_runner(options, quiet)
  if not any(arg.startswith('--runner') for arg in argv):
    options.view_as(pipeline_options.StandardOptions).runner = 'DirectRunner'
    direct = options.view_as(pipeline_options.DirectOptions)
    direct.direct_num_workers = direct.direct_num_workers or (
        os.cpu_count() or 1)
    if not any(arg.startswith('--direct_running_mode') for arg in argv):
      direct.direct_running_mode = 'multi_processing'
  if quiet:
    options.view_as(pipeline_options.WorkerOptions
                   ).default_sdk_harness_log_level = 'ERROR'
    logging.getLogger('apache_beam').setLevel(logging.ERROR)
  return options

