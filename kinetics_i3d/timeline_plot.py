"""A picture of an action timeline: the most probable classes over time."""

import os
from typing import Sequence

import numpy as np

from kinetics_i3d import errors
from kinetics_i3d import outputs
from kinetics_i3d import timeline as timeline_lib

FORMATS = ('.png', '.pdf', '.svg', '.jpg')


def check_output(path: str) -> None:
  """Checks, before any work, that a plot can be written at `path`.

  Raises:
    ExistingOutputError: a file is already there.
    InputError: the extension is not an image format, or the folder is
      missing.
  """
  outputs.check_new(path, 'remove it or give another --plot file')
  if os.path.splitext(path)[1].lower() not in FORMATS:
    raise errors.InputError(
        f'--plot={path}: name a {", ".join(FORMATS)} file')
  folder = os.path.dirname(path) or '.'
  if not os.path.isdir(folder):
    raise errors.InputError(f'--plot={path}: no folder {folder}')


def plot(path: str, timeline: timeline_lib.Timeline,
         class_names: Sequence[str], num_classes: int = 5,
         title: str = '') -> None:
  """Draws each window's probability of the leading classes, as a PNG.

  The classes drawn are the `num_classes` with the highest probability in
  any window; each window is a point at the middle of its time span.

  Args:
    path: the image file to write (its extension picks the format).
    timeline: the windows.
    class_names: names in the order of the logits.
    num_classes: how many classes to draw.
    title: the plot's title (the video's name, say).
  """
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use('Agg')
  from matplotlib import pyplot  # pylint: disable=g-import-not-at-top
  from matplotlib import ticker  # pylint: disable=g-import-not-at-top

  windows = timeline.windows
  logits = np.stack([w.logits for w in windows]).astype(np.float64)
  exponentials = np.exp(logits - logits.max(axis=1, keepdims=True))
  probabilities = exponentials / exponentials.sum(axis=1, keepdims=True)
  leading = np.argsort(probabilities.max(axis=0))[::-1][:num_classes]
  figure, axes = pyplot.subplots(figsize=(10, 4))
  centres = [(w.start_sec + w.end_sec) / 2 for w in windows]
  for index in leading:
    axes.plot(centres, probabilities[:, index], marker='o',
              label=class_names[index])
  if timeline.partial:
    axes.axvline(timeline.error.time_sec, color='red', linestyle='--',
                 label='decoding failed')
  axes.set_xlim(windows[0].start_sec, windows[-1].end_sec)
  axes.set_ylim(0, 1)
  axes.xaxis.set_major_formatter(ticker.FuncFormatter(
      lambda seconds, _: timeline_lib.format_time(seconds)))
  axes.set_xlabel('time (mm:ss.s)')
  axes.set_ylabel('probability')
  axes.set_title(title)
  axes.legend(loc='upper left', bbox_to_anchor=(1.01, 1.0), fontsize='small')
  figure.tight_layout()
  figure.savefig(path, dpi=100)
  pyplot.close(figure)
