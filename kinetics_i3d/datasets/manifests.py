"""Which clips make a data set: Kinetics CSVs and folders of class folders.

A manifest resolves to `ClipSpec`s: one video (or a cut of one), its label
and its split. Two kinds are read:

- the official Kinetics CSVs (`label,youtube_id,time_start,time_end,split`,
  optionally `is_cc`; the same for Kinetics-400/600/700; test CSVs may have
  no label), with a folder holding either trimmed clips named
  `<youtube_id>_<time_start:06d>_<time_end:06d>.<ext>` (as the public
  Kinetics mirrors name them, in any sub-folder) or whole videos
  `<youtube_id>.<ext>`, cut at the CSV's times;
- a folder of class folders (UCF101, HMDB51), optionally with split lists in
  UCF101's format (`trainlist01.txt`: `Class/video.avi 1`; `testlist01.txt`:
  `Class/video.avi`); the split is the list's name before `list`.

Paths may be local or any file system Apache Beam knows (`gs://...`).
"""

import csv
import dataclasses
import io
import os
import posixpath
import re
from typing import Dict, List, Optional, Sequence

from apache_beam.io import filesystems

from kinetics_i3d import errors
from kinetics_i3d.video import decoding

_KINETICS_COLUMNS = ('youtube_id', 'time_start', 'time_end', 'split')


@dataclasses.dataclass(frozen=True)
class ClipSpec:
  """One clip of a data set.

  Attributes:
    media_id: unique name of the clip (`<youtube_id>_<start>_<end>` for
      Kinetics, the video's name for class folders).
    video: path of the video file.
    label: class name ('' when the manifest has none).
    split: 'train', 'val', 'test', ...
    start_sec: where the clip starts in `video` (None: at its start).
    end_sec: where it ends (None: at its end).
    clip_start_sec: the clip's start in its source video, for the record.
    clip_end_sec: the clip's end in its source video (None: unknown).
  """
  media_id: str
  video: str
  label: str
  split: str
  start_sec: Optional[float] = None
  end_sec: Optional[float] = None
  clip_start_sec: float = 0.0
  clip_end_sec: Optional[float] = None

  @property
  def segment_sec(self) -> Optional[float]:
    """How long `video` should last when it is the downloaded segment
    itself (no start_sec), else None."""
    if self.start_sec is not None or self.clip_end_sec is None:
      return None
    return self.clip_end_sec - self.clip_start_sec


def _read_text(path: str) -> str:
  try:
    with filesystems.FileSystems.open(path) as f:
      return f.read().decode('utf-8')
  except (IOError, OSError) as error:
    raise errors.MissingFileError(f'cannot read {path}: {error}') from None


def _list_videos(folder: str) -> List[str]:
  """Every video file under `folder`, recursively."""
  pattern = posixpath.join(folder.rstrip('/'), '**')
  try:
    matches = filesystems.FileSystems.match([pattern])[0].metadata_list
  except (IOError, OSError) as error:
    raise errors.InputError(f'cannot list {folder}: {error}') from None
  return sorted(m.path for m in matches
                if m.path.lower().endswith(decoding.VIDEO_EXTENSIONS))


def _stem(path: str) -> str:
  return os.path.splitext(os.path.basename(path))[0]


def kinetics_media_id(youtube_id: str, start: int, end: int) -> str:
  """`<youtube_id>_<start:06d>_<end:06d>`, the public mirrors' file stem."""
  return f'{youtube_id}_{start:06d}_{end:06d}'


def from_kinetics_csv(csv_path: str, videos_dir: str) -> List[ClipSpec]:
  """The clips of a Kinetics CSV whose videos are in `videos_dir`.

  Rows whose video is not there are kept with an empty `video`, so that the
  pipeline records them as failures.

  Raises:
    InputError: the CSV lacks a Kinetics column or has a bad time.
  """
  rows = list(csv.DictReader(io.StringIO(_read_text(csv_path))))
  missing = [c for c in _KINETICS_COLUMNS if rows and c not in rows[0]]
  if not rows or missing:
    raise errors.InputError(
        f'{csv_path} is not a Kinetics CSV: it needs the columns '
        f'label,{",".join(_KINETICS_COLUMNS)} (missing: {", ".join(missing)})')
  videos: Dict[str, str] = {}
  for path in _list_videos(videos_dir):
    videos.setdefault(_stem(path), path)
  clips = []
  for number, row in enumerate(rows, start=2):
    try:
      start, end = int(float(row['time_start'])), int(float(row['time_end']))
    except ValueError:
      raise errors.InputError(f'{csv_path}:{number}: time_start and time_end '
                              'must be seconds') from None
    youtube_id = row['youtube_id']
    media_id = kinetics_media_id(youtube_id, start, end)
    label = (row.get('label') or '').strip()
    split = row['split'].strip()
    if media_id in videos:  # A trimmed clip: all of it.
      clips.append(ClipSpec(media_id, videos[media_id], label, split,
                            clip_start_sec=start, clip_end_sec=end))
    else:  # The whole video, cut here; '' if absent.
      clips.append(ClipSpec(media_id, videos.get(youtube_id, ''), label, split,
                            start, end, start, end))
  return clips


def _split_name(list_path: str) -> str:
  """`trainlist01.txt` -> 'train'."""
  name = _stem(list_path)
  match = re.match(r'(.+?)list\d*$', name)
  return match.group(1) if match else name


def from_class_folders(videos_dir: str,
                       split_lists: Sequence[str] = ()) -> List[ClipSpec]:
  """The videos of `videos_dir/<class>/`, in the splits the lists give.

  Without split lists every video is in 'train'.

  Raises:
    InputError: no videos, or a list names a video that is not there.
  """
  root = videos_dir.rstrip('/')
  videos = {}
  for path in _list_videos(root):
    relative = path[len(root):].lstrip('/')
    if '/' in relative:
      videos[relative] = path
  if not videos:
    raise errors.InputError(f'no videos in class folders under {videos_dir}')
  if not split_lists:
    return [ClipSpec(_stem(r), p, r.split('/')[0], 'train')
            for r, p in sorted(videos.items())]
  clips = []
  for list_path in split_lists:
    split = _split_name(list_path)
    for number, line in enumerate(_read_text(list_path).splitlines(), 1):
      if not line.strip():
        continue
      relative = line.split()[0].replace('\\', '/')
      if relative not in videos:
        raise errors.InputError(f'{list_path}:{number}: {relative} is not in '
                                f'{videos_dir}')
      clips.append(ClipSpec(_stem(relative), videos[relative],
                            relative.split('/')[0], split))
  return clips


def check_unique(clips: Sequence[ClipSpec]) -> None:
  """Raises InputError when two clips share a media id."""
  seen = set()
  for clip in clips:
    if clip.media_id in seen:
      raise errors.InputError(f'the manifest lists {clip.media_id} twice')
    seen.add(clip.media_id)


def load(manifest: Optional[str], videos_dir: str,
         split_lists: Sequence[str] = ()) -> List[ClipSpec]:
  """A Kinetics CSV's clips if `manifest`, else class folders' videos.

  Raises:
    InputError: the manifest does not read, or lists a clip twice.
  """
  clips = (from_kinetics_csv(manifest, videos_dir) if manifest else
           from_class_folders(videos_dir, split_lists))
  check_unique(clips)
  return clips


def label_names(clips: Sequence[ClipSpec],
                label_map: Optional[Sequence[str]] = None) -> List[str]:
  """The class names in index order: `label_map`, else the sorted labels.

  Raises:
    InputError: a clip's label is not in `label_map`.
  """
  labels = sorted({c.label for c in clips if c.label})
  if label_map is None:
    return labels
  unknown = sorted(set(labels) - set(label_map))
  if unknown:
    raise errors.InputError(
        f'{len(unknown)} labels are not in the label map, e.g. {unknown[0]!r}:'
        ' give the label map of this data set (--label_map)')
  return list(label_map)
