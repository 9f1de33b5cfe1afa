"""Where the features pipeline writes its index: beside its shards.

Read without Beam, so that `dataset_features.py` refuses a finished output
at once.
"""

INDEX_SUFFIX = '-clips.csv'


def index_path(output: str) -> str:
  """The index of an output prefix's clips."""
  return output + INDEX_SUFFIX
