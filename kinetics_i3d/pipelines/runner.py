"""Running a Beam pipeline to its end, on any runner.

Beam's DaskRunner (the `beam-dask` extra) runs a pipeline on a
dask.distributed cluster; Beam knows it only by its full name, and it sets a
DoFn up for each bundle (a Dask partition) rather than once per worker, so
the bundles hold several clips by default.
"""

import logging
import os

import apache_beam as beam
from apache_beam.options import pipeline_options

from kinetics_i3d import errors

DASK_RUNNER = 'apache_beam.runners.dask.dask_runner.DaskRunner'
# Clips per bundle on Dask, which sets a DoFn up (loads the network) for
# each bundle: enough to share that cost, few enough to spread a data set.
DASK_PARTITION_SIZE = 8


def name_dask_runner(options: pipeline_options.PipelineOptions,
                     quiet: bool = True) -> None:
  """Where the options name Beam's DaskRunner (by its class name, which
  Beam does not know, or in full): names it in full and, unless they say
  otherwise, cuts the input into bundles of `DASK_PARTITION_SIZE`.

  Args:
    options: Beam's options, changed in place.
    quiet: hide Dask's lines below WARNING (its scheduler's and workers'
      start and stop), here and in the workers a local cluster starts.

  Raises:
    InputError: Dask is not installed.
  """
  if options.view_as(pipeline_options.StandardOptions).runner not in (
      'DaskRunner', DASK_RUNNER):
    return
  try:
    # pylint: disable=g-import-not-at-top
    from apache_beam.runners.dask import dask_runner
    from dask import config as dask_config
    import distributed  # pylint: disable=unused-import
  except ImportError:
    raise errors.InputError(
        '--runner=DaskRunner needs Dask: pip install "kinetics-i3d[beam-dask]"'
    ) from None
  options.view_as(pipeline_options.StandardOptions).runner = DASK_RUNNER
  dask = options.view_as(dask_runner.DaskOptions)
  if not dask.npartitions and not dask.partition_size:
    dask.partition_size = DASK_PARTITION_SIZE
  if quiet:
    logging.getLogger('distributed').setLevel(logging.WARNING)
    dask_config.set({'logging.distributed': 'warning'})
    # Worker processes set their logging up from Dask's configuration as
    # they import it: from the environment they inherit.
    os.environ.setdefault('DASK_LOGGING__DISTRIBUTED', 'warning')


def run(pipeline: beam.Pipeline) -> None:
  """Runs `pipeline` and waits for its end; raises what failed in it.

  Beam's DaskRunner leaves its client of the Dask cluster connected (and,
  without --dask_client_address, the cluster it started running): both are
  closed here.
  """
  result = pipeline.run()
  try:
    result.wait_until_finish()
  finally:
    client = getattr(result, 'client', None)  # DaskRunnerResult's.
    if client is not None:
      client.close()
