"""Command lines of the Beam scripts: our flags, then Beam's options."""

import logging
import os
from typing import List, Sequence

from absl import flags
from apache_beam.options import pipeline_options

from kinetics_i3d.datasets import manifests
from kinetics_i3d.pipelines import runner



def define_manifest_flags() -> None:
  """Defines --manifest, --videos and --split_lists."""
  flags.DEFINE_string(
      'manifest', None, 'A Kinetics CSV; without it, --videos holds class '
      'folders.')
  flags.DEFINE_string('videos', None, 'Folder of the videos.')
  flags.DEFINE_list(
      'split_lists', [], 'Class folders: UCF101-style split lists '
      '(trainlist01.txt, testlist01.txt); without them every video is train.')


def manifest_clips() -> List[manifests.ClipSpec]:
  """The clips that --manifest, --videos and --split_lists name."""
  return manifests.load(flags.FLAGS.manifest, flags.FLAGS.videos,
                        flags.FLAGS.split_lists)


def parse_known_flags(argv: Sequence[str]) -> List[str]:
  """Parses the script's absl flags; returns the rest for Beam."""
  return flags.FLAGS(list(argv), known_only=True)


def beam_options(argv: Sequence[str]) -> pipeline_options.PipelineOptions:
  """Beam's options from the command line's rest.

  Without --runner: Beam's DirectRunner with one worker process per core.
  --runner=DaskRunner (Beam's, named in full for Beam) runs on the Dask
  cluster of --dask_client_address, else on a cluster of this machine's
  cores started for the run (`runner.name_dask_runner`). Beam's own log lines
  below ERROR and Dask's below WARNING (their workers' chatter) are hidden
  unless --default_sdk_harness_log_level asks for them.

  Raises:
    InputError: --runner=DaskRunner without Dask installed.
  """
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

