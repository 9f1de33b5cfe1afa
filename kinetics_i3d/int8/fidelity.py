"""How far an int8 network's outputs are from float32's, on the same clips.

Measured every time a model is quantized, on held-out clips (never the
calibration ones):

- the features' cosine similarity (each clip's Mixed_5c averaged over space
  and time, 1024-d), its mean and worst;
- top-1 agreement: the share of clips whose highest logit is the same class;
- top-5 agreement: the share of float32's five highest classes that are
  among int8's five highest, averaged over the clips;
- the largest difference of a logit, beside the largest logit norm.

Goals (`GOALS`): a mean feature cosine of at least 0.995 and a top-1
agreement of at least 98%.
"""

import dataclasses
from typing import Any, Dict, Mapping

import numpy as np

# What a model should reach on held-out clips to be used without a remark.
GOALS = {'mean_feature_cosine': 0.995, 'top1_agreement': 0.98}


@dataclasses.dataclass(frozen=True)
class Fidelity:
  """An int8 model's outputs against float32's on held-out clips.

  Attributes:
    clips: how many held-out clips were compared.
    mean_feature_cosine: mean cosine similarity of the features.
    worst_feature_cosine: the lowest one.
    top1_agreement: share of clips with the same top class.
    top5_agreement: mean share of float32's top 5 among int8's top 5.
    max_logit_difference: the largest absolute difference of a logit.
    max_logit_norm: the largest float32 logit vector norm (the scale).
  """
  clips: int
  mean_feature_cosine: float
  worst_feature_cosine: float
  top1_agreement: float
  top5_agreement: float
  max_logit_difference: float
  max_logit_norm: float

  def shortfalls(self) -> Dict[str, float]:
    """The goals this model misses, with the value it reached."""
    return {name: getattr(self, name) for name, goal in GOALS.items()
            if getattr(self, name) < goal}

  def to_json(self) -> Dict[str, Any]:
    return dataclasses.asdict(self)

  @classmethod
  def from_json(cls, values: Mapping[str, Any]) -> 'Fidelity':
    return cls(**{f.name: values[f.name] for f in dataclasses.fields(cls)})

  def summary(self) -> str:
    """One line: the figures and the goals."""
    return (f'on {self.clips} held-out clips: feature cosine mean '
            f'{self.mean_feature_cosine:.4f} '
            f'(goal {GOALS["mean_feature_cosine"]}), worst '
            f'{self.worst_feature_cosine:.4f}; top-1 agreement '
            f'{100 * self.top1_agreement:.1f}% (goal '
            f'{100 * GOALS["top1_agreement"]:.0f}%), top-5 '
            f'{100 * self.top5_agreement:.1f}%; largest logit difference '
            f'{self.max_logit_difference:.2f} at logit norms up to '
            f'{self.max_logit_norm:.1f}')


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
  a = a.astype(np.float64)
  b = b.astype(np.float64)
  norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
  return np.sum(a * b, axis=1) / np.maximum(norms, np.finfo(np.float64).tiny)


def _top(logits: np.ndarray, k: int) -> np.ndarray:
  return np.argsort(-logits, axis=1, kind='stable')[:, :k]


def compare(reference_logits: np.ndarray, reference_features: np.ndarray,
            logits: np.ndarray, features: np.ndarray) -> Fidelity:
  """Compares outputs clip by clip.

  Args:
    reference_logits: float32's [clips, classes].
    reference_features: float32's [clips, 1024].
    logits: the int8 network's [clips, classes].
    features: the int8 network's [clips, 1024].

  Returns:
    The `Fidelity`.

  Raises:
    ValueError: no clips, or shapes that differ.
  """
  if not len(reference_logits):
    raise ValueError('no clips to compare')
  if (reference_logits.shape != logits.shape or
      reference_features.shape != features.shape):
    raise ValueError('the outputs to compare differ in shape: '
                     f'{reference_logits.shape} {logits.shape}, '
                     f'{reference_features.shape} {features.shape}')
  cosines = _cosines(reference_features, features)
  top5_reference, top5 = _top(reference_logits, 5), _top(logits, 5)
  overlap = [len(set(a) & set(b)) / 5 for a, b in zip(top5_reference, top5)]
  return Fidelity(
      clips=len(logits),
      mean_feature_cosine=float(cosines.mean()),
      worst_feature_cosine=float(cosines.min()),
      top1_agreement=float(np.mean(top5_reference[:, 0] == top5[:, 0])),
      top5_agreement=float(np.mean(overlap)),
      max_logit_difference=float(np.abs(reference_logits - logits).max()),
      max_logit_norm=float(np.linalg.norm(reference_logits, axis=1).max()))
