"""Sets of TFRecord shards, read exactly as their writer finished them.

The project writes TFRecords as `<name>-NNNNN-of-MMMMM.tfrecord` (the
prepared data set's splits, the feature records), each shard under a
temporary name until it is whole. A reader takes a set as its name pattern
defines it: all M shards, in order, and nothing else in the folder
(temporaries and foreign files are never read). A missing shard is one error
naming it. A shard that does not read to its end (a record cut short, a
CRC that does not match: damage on disk or in a copy) is named by
`find_damaged`, which readers call when a read fails, with what to do.
"""

import glob
import os
import re
from typing import Dict, List, Optional, Sequence, Tuple

from kinetics_i3d import errors

_SHARD = re.compile(r'^(?P<name>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})'
                    r'\.tfrecord$')


class DamagedShardError(errors.InputError):
  """A shard's records do not read."""


def shard_files(source: str) -> List[str]:
  """The shards of one set, in order: a folder, a glob, a file or a prefix.

  Args:
    source: a folder holding one set (a split), a glob, one shard file, or
      the prefix the shards share ('FEATURES/train' for
      'FEATURES/train-00000-of-00004.tfrecord', ...).

  Returns:
    The M shard files of the set, by index.

  Raises:
    InputError: no shard, shards of several sets, or a shard missing.
  """
  if os.path.isfile(source):
    return [source]
  if os.path.isdir(source):
    candidates = [os.path.join(source, n) for n in os.listdir(source)]
  elif glob.has_magic(source):
    candidates = glob.glob(source)
  else:
    candidates = glob.glob(f'{glob.escape(source)}-*-of-*.tfrecord')
  sets: Dict[Tuple[str, int], Dict[int, str]] = {}
  for path in candidates:
    match = _SHARD.match(os.path.basename(path))
    if match:
      key = (os.path.join(os.path.dirname(path), match['name']),
             int(match['count']))
      sets.setdefault(key, {})[int(match['index'])] = path
  if not sets:
    raise errors.InputError(f'no TFRecord shards (NAME-NNNNN-of-MMMMM.'
                            f'tfrecord) in {source}')
  if len(sets) > 1:
    names = ', '.join(f'{os.path.basename(n)} ({m})' for n, m in sorted(sets))
    raise errors.InputError(f'{source} holds shards of {len(sets)} sets '
                            f'({names}): give one split\'s folder or pattern')
  (name, count), found = sets.popitem()
  missing = [i for i in range(count) if i not in found]
  if missing:
    first = f'{name}-{missing[0]:05d}-of-{count:05d}.tfrecord'
    raise errors.InputError(
        f'{first} is missing ({len(missing)} of the {count} shards): the run '
        'that writes them did not finish; run it again, it makes the missing '
        'ones')
  return [found[i] for i in range(count)]


def read_error(path: str) -> Optional[str]:
  """Why a shard does not read to its end (checking every record's CRCs),
  or None when it does."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  try:
    tf.data.TFRecordDataset(path).reduce(0, lambda count, _: count + 1)
  except (tf.errors.DataLossError, tf.errors.OutOfRangeError) as error:
    return str(error).strip().splitlines()[0].split(' [Op:')[0]
  return None


def find_damaged(
    paths: Sequence[str],
    redo: str = 'prepare_dataset.py --verify rechecks every shard and makes '
    'the damaged ones again') -> Optional[DamagedShardError]:
  """The error naming the first damaged shard, for a read that failed.

  Args:
    paths: the shards that were being read.
    redo: what to do about it.

  Returns:
    The error to raise, or None when every shard reads to its end (the
    failure was elsewhere).
  """
  for path in paths:
    reason = read_error(path)
    if reason:
      return DamagedShardError(f'{path} is damaged ({reason}): {redo}')
  return None
