"""Whole files on any Beam file system, for pipelines run on a cluster.

A pipeline's workers may run on other machines: they reach the output only
through Beam's `FileSystems` (a local or shared folder, `gs://`, `s3://`,
`hdfs://`, whichever Beam's installed extras provide), never through `os`.
Each file is written under a temporary name (`outputs.temporary_name`,
which readers skip) and renamed when complete, so a retried bundle rewrites
the same file and a reader never sees one half-written; `remove_temporaries`
clears what killed attempts left. TFRecord files get TensorFlow's framing
(length, masked CRC32C of the length, data, masked CRC32C of the data).
"""

import contextlib
import csv
import io
import os
import shutil
import struct
import tempfile
from typing import BinaryIO, Dict, Iterable, Iterator, List, Sequence

from apache_beam.io import filesystem
from apache_beam.io import filesystems
import google_crc32c

from kinetics_i3d import outputs

_FileSystems = filesystems.FileSystems
_MASK_DELTA = 0xa282ead8


def _masked_crc(data: bytes) -> bytes:
  crc = google_crc32c.value(data)
  masked = (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xffffffff
  return struct.pack('<I', masked)


def tfrecord_frame(record: bytes) -> bytes:
  """One record as a TFRecord file holds it."""
  length = struct.pack('<Q', len(record))
  return length + _masked_crc(length) + record + _masked_crc(record)


@contextlib.contextmanager
def written_whole(path: str) -> Iterator[BinaryIO]:
  """A binary file to write `path` through; renamed to `path` when the
  block ends, left under its temporary name when it fails."""
  temporary = outputs.temporary_name(path)
  with _FileSystems.create(
      temporary, compression_type=filesystem.CompressionTypes.UNCOMPRESSED
  ) as f:
    yield f
  try:
    _FileSystems.rename([temporary], [path])
  except filesystem.BeamIOError:
    if not _FileSystems.exists(path):
      raise
    # A retried bundle's file, on a system whose rename does not replace.
    _FileSystems.delete([path])
    _FileSystems.rename([temporary], [path])


def write_tfrecords(path: str, records: Iterable[bytes]) -> None:
  """Writes a TFRecord file whole (an empty one for no records)."""
  with written_whole(path) as f:
    for record in records:
      f.write(tfrecord_frame(record))


def write_csv(path: str, header: Sequence[str],
              rows: Iterable[Sequence[str]]) -> None:
  """Writes a CSV file whole."""
  text = io.StringIO()
  writer = csv.writer(text)
  writer.writerow(header)
  writer.writerows(rows)
  with written_whole(path) as f:
    f.write(text.getvalue().encode())


def _read_text(path: str) -> str:
  with _FileSystems.open(
      path, compression_type=filesystem.CompressionTypes.UNCOMPRESSED) as f:
    return f.read().decode('utf-8')


def read_csv(path: str) -> List[Dict[str, str]]:
  """The rows of a CSV file, or none when it is not there."""
  if not _FileSystems.exists(path):
    return []
  return list(csv.DictReader(io.StringIO(_read_text(path))))


def read_lines(path: str) -> List[str]:
  """The non-blank lines of a text file, stripped."""
  return [line.strip() for line in _read_text(path).splitlines()
          if line.strip()]


@contextlib.contextmanager
def local_copy(path: str) -> Iterator[str]:
  """A local path for a file on any Beam file system (a temporary copy of
  a remote one, removed after the block)."""
  if os.path.exists(path):
    yield path
    return
  with tempfile.NamedTemporaryFile(suffix=os.path.splitext(path)[1]) as copy:
    with _FileSystems.open(
        path, compression_type=filesystem.CompressionTypes.UNCOMPRESSED
    ) as source:
      shutil.copyfileobj(source, copy)
    copy.flush()
    yield copy.name


def exists(path: str) -> bool:
  return _FileSystems.exists(path)


def remove_temporaries(patterns: Sequence[str]) -> List[str]:
  """Removes the temporaries that match any of the glob `patterns` (each
  naming files, e.g. 'OUT/*/*'); returns them."""
  found = [m.path for result in _FileSystems.match(list(patterns))
           for m in result.metadata_list if outputs.is_temporary(m.path)]
  if found:
    _FileSystems.delete(found)
  return sorted(found)
