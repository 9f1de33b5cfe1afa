"""Beam's DaskRunner named for Beam, and a pipeline run to its end."""

import logging
import os
from unittest import mock

from absl.testing import absltest
import apache_beam as beam
from apache_beam.options import pipeline_options
from apache_beam.runners.dask import dask_runner

from kinetics_i3d.pipelines import options
from kinetics_i3d.pipelines import runner


class RunnerTest(absltest.TestCase):

  def test_dask_runner_by_its_class_name_with_bundles_of_clips(self):
    chosen = options.beam_options(['--runner=DaskRunner'])
    self.assertEqual(chosen.view_as(pipeline_options.StandardOptions).runner,
                     runner.DASK_RUNNER)
    self.assertEqual(chosen.view_as(dask_runner.DaskOptions).partition_size,
                     runner.DASK_PARTITION_SIZE)
    given = options.beam_options([f'--runner={runner.DASK_RUNNER}',
                                  '--dask_npartitions=3'])
    self.assertEqual(given.view_as(dask_runner.DaskOptions).npartitions, 3)
    self.assertIsNone(given.view_as(dask_runner.DaskOptions).partition_size)
    direct = options.beam_options([])
    self.assertEqual(direct.view_as(pipeline_options.StandardOptions).runner,
                     'DirectRunner')

  @mock.patch.dict(os.environ)
  def test_dask_kept_quiet_here_and_in_the_workers_it_starts(self):
    os.environ.pop('DASK_LOGGING__DISTRIBUTED', None)
    logger = logging.getLogger('distributed')
    self.addCleanup(logger.setLevel, logger.level)
    logger.setLevel(logging.INFO)
    options.beam_options(['--runner=DaskRunner',
                          '--default_sdk_harness_log_level=INFO'])
    self.assertEqual(logger.level, logging.INFO)  # Asked for: kept.
    self.assertNotIn('DASK_LOGGING__DISTRIBUTED', os.environ)
    options.beam_options(['--runner=DaskRunner'])
    self.assertEqual(logger.level, logging.WARNING)
    # Read by the worker processes a local cluster starts, as they import.
    self.assertEqual(os.environ['DASK_LOGGING__DISTRIBUTED'], 'warning')

  def test_a_failure_in_the_pipeline_is_raised(self):
    def fail(_):
      raise ValueError('bad element')

    pipeline = beam.Pipeline(options=pipeline_options.PipelineOptions(
        direct_running_mode='in_memory', direct_num_workers=1))
    _ = pipeline | beam.Create([1]) | beam.Map(fail)
    with self.assertRaisesRegex(ValueError, 'bad element'):
      runner.run(pipeline)


if __name__ == '__main__':
  absltest.main()
