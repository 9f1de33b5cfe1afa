"""Command lines of the Beam scripts: our flags, then Beam's options."""

import dataclasses
import logging
import os
from typing import List, Sequence

from absl import flags
from apache_beam.options import pipeline_options

from kinetics_i3d.datasets import manifests


@dataclasses.dataclass(frozen=True)
class ManifestFlags:
  """The flags that say which clips make the data set."""
  manifest: flags.FlagHolder
  videos: flags.FlagHolder
  split_lists: flags.FlagHolder

  def clips(self) -> List[manifests.ClipSpec]:
    """The clips they name."""
    return manifests.load(self.manifest.value, self.videos.value,
                          self.split_lists.value)


def define_manifest_flags() -> ManifestFlags:
  """Defines --manifest, --videos and --split_lists."""
  return ManifestFlags(
      flags.DEFINE_string(
          'manifest', None, 'A Kinetics CSV; without it, --videos holds '
          'class folders.'),
      flags.DEFINE_string('videos', None, 'Folder of the videos.'),
      flags.DEFINE_list(
          'split_lists', [], 'Class folders: UCF101-style split lists '
          '(trainlist01.txt, testlist01.txt); without them every video is '
          'train.'))


def parse_known_flags(argv: Sequence[str]) -> List[str]:
  """Parses the script's absl flags; returns the rest for Beam."""
  return flags.FLAGS(list(argv), known_only=True)


def beam_options(argv: Sequence[str]) -> pipeline_options.PipelineOptions:
  """Beam's options from the command line's rest.

  Without --runner: Beam's DirectRunner with one worker process per core.
  Beam's own log lines below ERROR (its workers' chatter) are hidden unless
  --default_sdk_harness_log_level asks for them.
  """
  options = pipeline_options.PipelineOptions(list(argv))
  if not any(arg.startswith('--runner') for arg in argv):
    options.view_as(pipeline_options.StandardOptions).runner = 'DirectRunner'
    direct = options.view_as(pipeline_options.DirectOptions)
    direct.direct_num_workers = direct.direct_num_workers or (
        os.cpu_count() or 1)
    if not any(arg.startswith('--direct_running_mode') for arg in argv):
      direct.direct_running_mode = 'multi_processing'
  if not any(arg.startswith('--default_sdk_harness_log_level') for arg in argv):
    options.view_as(pipeline_options.WorkerOptions
                   ).default_sdk_harness_log_level = 'ERROR'
    logging.getLogger('apache_beam').setLevel(logging.ERROR)
  return options
