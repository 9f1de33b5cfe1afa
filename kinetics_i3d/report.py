"""The text report of `evaluate_sample.py`: logit norm and top classes."""

from typing import List, Sequence

import numpy as np
import tensorflow as tf


def top_classes(logits: np.ndarray, class_names: Sequence[str],
                top_k: int = 20) -> List[dict]:
  """The `top_k` classes by softmax probability.

  Args:
    logits: [num_classes] logits of one clip.
    class_names: the names of the classes, in the order of the logits.
    top_k: how many classes to return.

  Returns:
    Dicts with 'class', 'probability' and 'logit' (numpy float32), most
    probable first.
  """
  logits = np.asarray(logits, np.float32)
  probabilities = tf.nn.softmax(logits).numpy()
  order = np.argsort(probabilities)[::-1][:top_k]
  return [{
      'class': class_names[i],
      'probability': probabilities[i],
      'logit': logits[i]
  } for i in order]


def format_report(logits: np.ndarray, class_names: Sequence[str],
                  top_k: int = 20) -> str:
  """The original's output for one clip.

  `Norm of logits: %f`, a blank line, `Top classes and probabilities`, then
  one line `probability logit class` per class, numbers printed as numpy
  prints float32.

  Args:
    logits: [num_classes] logits of one clip.
    class_names: class names in the order of the logits.
    top_k: how many classes to list.

  Returns:
    The report, ending with a newline.
  """
  lines = [
      'Norm of logits: %f' % np.linalg.norm(np.asarray(logits, np.float32)),
      '', 'Top classes and probabilities'
  ]
  for entry in top_classes(logits, class_names, top_k):
    lines.append(' '.join(
        [str(entry['probability']), str(entry['logit']), entry['class']]))
  return '\n'.join(lines) + '\n'
