"""Reading a finished Beam pipeline's counters."""

import apache_beam as beam


def total(result: beam.runners.runner.PipelineResult, namespace: str,
          name: str) -> int:
  """A counter's value over all workers (committed, else attempted)."""
  query = result.metrics().query(
      beam.metrics.MetricsFilter().with_namespace(namespace).with_name(name))
  return sum(c.committed if c.committed is not None else c.attempted
             for c in query['counters'])
