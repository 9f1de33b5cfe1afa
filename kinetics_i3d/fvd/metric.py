"""Fréchet Video Distance and Kernel Video Distance, as the reference has them.

FVD (Unterthiner et al., "Towards Accurate Generative Models of Video", 2018)
embeds each video with the Kinetics-400 I3D RGB network, as the reference
implementation (google-research `frechet_video_distance`) does with the TF-Hub
module `i3d-kinetics-400`, whose weights the registry checkpoint holds:

1. every frame, as stored (uint8, no frame-rate resampling), is resized to
   224x224 with TF1's `resize_bilinear` (no half-pixel centres, no
   antialiasing) and scaled from [0, 255] to [-1, 1];
2. the embedding is the network's 400 logits (averaged over time);
3. the distance is TF-GAN's `frechet_classifier_distance_from_activations`:
   float64 means and unbiased covariances, and the trace of the square root
   of the covariance product through symmetric square roots (SVD).

KVD, the FVD paper's kernel distance, is TF-GAN's
`kernel_classifier_distance_from_activations` (KID's unbiased MMD with the
polynomial kernel (x.y / d + 1)^3, over blocks of at most 1024 videos).
"""

import dataclasses
import os
from typing import Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from kinetics_i3d import arrays
from kinetics_i3d import errors
from kinetics_i3d import pretrained
from kinetics_i3d.downloads import registry
from kinetics_i3d.models import inference
from kinetics_i3d.models import precision as precision_lib

# The released checkpoint that holds TF-Hub's i3d-kinetics-400 weights.
CHECKPOINT = 'rgb_imagenet'
RESOLUTION = (224, 224)
NUM_CLASSES = 400
# TF-GAN's defaults.
_SQRT_EPS = 1e-10
_KID_BLOCK_SIZE = 1024


def preprocess(videos: arrays.ArrayLike, value_range: Optional[str] = None,
               layout: str = 'NTHWC') -> tf.Tensor:
  """The reference's preprocessing: resize to 224x224, scale to [-1, 1].

  Args:
    videos: [N, T, H, W, 3] frames as stored: uint8, or floats in
      `value_range` (`arrays.video_frames`), in `layout`; a numpy array, or
      a tensor of TensorFlow (inside a `tf.function` too) or of another
      framework.
    value_range: the range of float frames ('0-1', '-1-1' or '0-255');
      None for uint8.
    layout: one of `arrays.LAYOUTS`.

  Returns:
    float32 [N, T, 224, 224, 3].

  Raises:
    ArrayError: videos that do not fit (`arrays.video_frames`).
  """
  return resize_and_scale(arrays.video_frames(videos, value_range,
                                              layout=layout, min_frames=1))


def resize_and_scale(videos: tf.Tensor) -> tf.Tensor:
  """`preprocess` of [N, T, H, W, 3] frames already checked, in [0, 255]."""
  videos = tf.convert_to_tensor(videos)
  shape = tf.shape(videos)
  frames = tf.reshape(videos, tf.concat([[-1], shape[2:]], axis=0))
  resized = tf.raw_ops.ResizeBilinear(
      images=frames, size=RESOLUTION, align_corners=False,
      half_pixel_centers=False)  # TF1's resize_bilinear.
  resized = tf.reshape(resized, tf.concat(
      [shape[:2], RESOLUTION, [3]], axis=0))
  return 2.0 * tf.cast(resized, tf.float32) / 255.0 - 1.0


class Embedder(tf.Module):
  """The Kinetics-400 RGB I3D logits of videos, on the fast inference path."""

  def __init__(self, checkpoint: Optional[str] = None,
               precision: str = 'float32'):
    """Restores the RGB network.

    Args:
      checkpoint: the Kinetics-400 RGB checkpoint (the registry's, converted
        from TF-Hub's i3d-kinetics-400, is the reference's model); when None,
        rgb_imagenet from the user cache, fetched on first use.
      precision: 'float32' or 'bfloat16' (bfloat16 only where the device
        has bfloat16 arithmetic; `self.precision` is the one used).

    Raises:
      MissingFileError, CheckpointError: the checkpoint cannot be used.
    """
    super().__init__(name='fvd_embedder')
    precision_lib.refuse_int8(precision, 'FVD')
    checkpoint = checkpoint or pretrained.checkpoint_path(CHECKPOINT)
    self._predictor = inference.Predictor(
        {'rgb': pretrained.load(CHECKPOINT, checkpoint=checkpoint)}, precision)
    self.precision = self._predictor.precision
    # What statistics record of the weights: the checkpoint's folder name and
    # the sha256 of its data.
    self.weights = {
        'name': os.path.basename(os.path.dirname(os.path.abspath(checkpoint))),
        'sha256': registry.sha256(checkpoint + '.data-00000-of-00001'),
    }

  def __call__(self, videos: arrays.ArrayLike, value_range: Optional[str] = None,
               layout: str = 'NTHWC') -> tf.Tensor:
    """[N, T, H, W, 3] videos to [N, 400] float32 logits.

    Usable inside a `tf.function`.

    Args:
      videos: see `preprocess` (at least 9 frames).
      value_range: see `preprocess`.
      layout: see `preprocess`.

    Raises:
      ArrayError: videos that do not fit (`arrays.video_frames`).
    """
    return self._run(resize_and_scale(
        arrays.video_frames(videos, value_range, layout=layout)))

  def embed_videos(self, videos: Sequence[arrays.ArrayLike],
                   value_range: Optional[str] = None,
                   layout: str = 'NTHWC') -> tf.Tensor:
    """Videos of any frame sizes, each [T, H, W, 3], to [N, 400] logits.

    Args:
      videos: the videos, each as `preprocess` takes them but one video
        (`layout` without N), all of one length.
      value_range: see `preprocess`.
      layout: see `preprocess`.

    Raises:
      ArrayError: a video that does not fit (`arrays.video_frames`).
    """
    if not videos:
      raise errors.ArrayError('the list of videos is empty: give at least one')
    clips = [resize_and_scale(arrays.video_frames(
        v, value_range, layout=layout, batched=False, name=f'video {i}')[None])
             for i, v in enumerate(videos)]
    return self._run(tf.concat(clips, axis=0))

  def logits(self, clips: arrays.ArrayLike) -> tf.Tensor:
    """[N, T, 224, 224, 3] clips, already preprocessed (float, in [-1, 1]),
    to [N, 400] logits.

    Raises:
      ArrayError: clips that do not fit (`arrays.network_clips`).
    """
    return self._run(arrays.network_clips(clips, 'rgb'))

  def _run(self, clips: tf.Tensor) -> tf.Tensor:
    return self._predictor.run({'rgb': clips})['logits']


_default_embedder: Optional[Embedder] = None


def embed(videos: arrays.ArrayLike, embedder: Optional[Embedder] = None,
          value_range: Optional[str] = None,
          layout: str = 'NTHWC') -> tf.Tensor:
  """[N, T, H, W, 3] videos to their [N, 400] FVD embeddings.

  Args:
    videos: the videos, frames as stored (see `preprocess`).
    embedder: the network; the float32 one of the user cache if None (built
      once).
    value_range: the range of float frames (see `preprocess`).
    layout: one of `arrays.LAYOUTS`.

  Returns:
    float32 [N, 400] logits.

  Raises:
    ArrayError: videos that do not fit (`arrays.video_frames`), checked
      before any network is built.
  """
  global _default_embedder
  if embedder is None:
    if _default_embedder is None:
      # Bad videos are refused before the network is restored.
      arrays.video_frames(videos, value_range, layout=layout)
      _default_embedder = Embedder()
    embedder = _default_embedder
  return embedder(videos, value_range, layout)


@dataclasses.dataclass
class Statistics:
  """What FVD and KVD need of a set of embeddings.

  Attributes:
    mean: [400] float64.
    cov: [400, 400] float64 unbiased covariance.
    activations: [N, 400] the embeddings (for KVD).
  """
  mean: np.ndarray
  cov: np.ndarray
  activations: np.ndarray

  @classmethod
  def of(cls, activations: np.ndarray) -> 'Statistics':
    activations = np.asarray(activations, np.float64)
    return cls(activations.mean(axis=0), np.cov(activations, rowvar=False),
               activations)

  @property
  def count(self) -> int:
    return len(self.activations)


def _symmetric_sqrt(matrix: np.ndarray) -> np.ndarray:
  """TF-GAN's square root of a symmetric PSD matrix, through its SVD."""
  u, s, vt = np.linalg.svd(matrix)
  s = np.where(s < _SQRT_EPS, s, np.sqrt(s))
  return (u * s) @ vt


def _trace_sqrt_product(sigma: np.ndarray, sigma_v: np.ndarray) -> float:
  """trace(sqrtm(sigma @ sigma_v)) as TF-GAN computes it.

  sqrt(A B) has the eigenvalues of sqrt(sqrt(A) B sqrt(A)), which is
  symmetric, so its trace is found with symmetric square roots only.
  """
  sqrt_sigma = _symmetric_sqrt(sigma)
  return float(np.trace(_symmetric_sqrt(sqrt_sigma @ sigma_v @ sqrt_sigma)))


def frechet_distance_from_statistics(a: Statistics, b: Statistics) -> float:
  """FVD between two sets' statistics."""
  diff = a.mean - b.mean
  return float(np.trace(a.cov) + np.trace(b.cov) -
               2.0 * _trace_sqrt_product(a.cov, b.cov) + diff @ diff)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
  """FVD between two sets of embeddings, [N, D] and [M, D]."""
  return frechet_distance_from_statistics(Statistics.of(a), Statistics.of(b))


def _unbiased_mmd(a: np.ndarray, b: np.ndarray) -> float:
  """KID's unbiased MMD^2 with the kernel (x.y / d + 1)^3."""
  d = a.shape[1]
  k_aa = (a @ a.T / d + 1.0)**3
  k_bb = (b @ b.T / d + 1.0)**3
  k_ab = (a @ b.T / d + 1.0)**3
  m, n = len(a), len(b)
  return float((k_aa.sum() - np.trace(k_aa)) / (m * (m - 1)) +
               (k_bb.sum() - np.trace(k_bb)) / (n * (n - 1)) -
               2.0 * k_ab.mean())


def kernel_distance(a: np.ndarray, b: np.ndarray,
                    max_block_size: int = _KID_BLOCK_SIZE) -> float:
  """KVD between two sets of embeddings, as TF-GAN's KID computes it.

  Both sets are cut into the same number of consecutive blocks (enough for
  blocks of at most `max_block_size`; the larger blocks last), and the
  blocks' unbiased MMDs are averaged.
  """
  a = np.asarray(a, np.float64)
  b = np.asarray(b, np.float64)
  blocks = int(np.ceil(max(len(a), len(b)) / max_block_size))

  def bounds(n: int) -> np.ndarray:
    size, larger = divmod(n, blocks)
    sizes = [size] * (blocks - larger) + [size + 1] * larger
    return np.cumsum([0] + sizes)

  bounds_a, bounds_b = bounds(len(a)), bounds(len(b))
  return float(np.mean([
      _unbiased_mmd(a[bounds_a[i]:bounds_a[i + 1]],
                    b[bounds_b[i]:bounds_b[i + 1]]) for i in range(blocks)
  ]))


def distances(a: Statistics, b: Statistics) -> Tuple[float, float]:
  """(FVD, KVD) between two sets."""
  return (frechet_distance_from_statistics(a, b),
          kernel_distance(a.activations, b.activations))
