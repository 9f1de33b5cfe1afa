"""Tests of FVD's embedding and distances against independent computations."""

from absl.testing import absltest
import numpy as np
import scipy.linalg
import tensorflow as tf

from kinetics_i3d.fvd import metric
from kinetics_i3d.testing import repo_paths


def _legacy_resize(image, height, width):
  """TF1 resize_bilinear without half-pixel centres, written out in numpy."""
  in_h, in_w = image.shape[:2]
  ys = np.arange(height) * (in_h / height)
  xs = np.arange(width) * (in_w / width)
  y0 = np.floor(ys).astype(int)
  x0 = np.floor(xs).astype(int)
  y1 = np.minimum(y0 + 1, in_h - 1)
  x1 = np.minimum(x0 + 1, in_w - 1)
  wy = (ys - y0)[:, None, None]
  wx = (xs - x0)[None, :, None]
  image = image.astype(np.float64)
  top = image[y0][:, x0] * (1 - wx) + image[y0][:, x1] * wx
  bottom = image[y1][:, x0] * (1 - wx) + image[y1][:, x1] * wx
  return top * (1 - wy) + bottom * wy


class EmbeddingTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.embedder = metric.Embedder(repo_paths.registry_checkpoint())

  def test_constant_video_gives_the_reference_logits(self):
    # 15 black frames: -1 after the reference's scaling.
    black = np.zeros((1, 15, 64, 48, 3), np.uint8)
    logits = metric.embed(black, self.embedder).numpy()[0]
    self.assertEqual(logits.shape, (400,))
    np.testing.assert_allclose(logits[:3], [0.74221, 2.82973, 0.39994],
                               atol=1e-4)
    np.testing.assert_allclose(logits[-3:], [-0.38092, 0.65539, -1.40213],
                               atol=1e-4)
    # The check can fail: a grey video moves these logits far more.
    grey = metric.embed(black + 128, self.embedder).numpy()[0]
    self.assertGreater(np.abs(grey[:3] - logits[:3]).max(), 1e-2)

  def test_embed_runs_inside_a_tf_function(self):
    videos = np.random.default_rng(0).integers(0, 256, (2, 9, 40, 50, 3),
                                               dtype=np.uint8)
    eager = metric.embed(videos, self.embedder).numpy()
    compiled = tf.function(lambda v: metric.embed(v, self.embedder))(videos)
    np.testing.assert_allclose(compiled.numpy(), eager, atol=1e-4)
    # Floats of a stated range, inside the function: [0, 1] read as meant;
    # values outside the range stated fail an assertion with the message.
    in_graph = tf.function(
        lambda v: metric.embed(v, self.embedder, value_range='0-1'))
    np.testing.assert_allclose(
        in_graph(tf.constant(videos / 255, tf.float32)).numpy(), eager,
        atol=1e-3)
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                'videos holds values from 0 to 255, outside '
                                'value_range 0-1: state the range'):
      in_graph(tf.constant(np.where(videos > 128, 255.0, 0.0), tf.float32))

  def test_preprocessing_is_tf1_resize_bilinear_then_scaling(self):
    video = np.random.default_rng(1).integers(0, 256, (1, 2, 30, 41, 3),
                                              dtype=np.uint8)
    out = metric.preprocess(video).numpy()
    self.assertEqual(out.shape, (1, 2, 224, 224, 3))
    for t in range(2):
      expected = 2.0 * _legacy_resize(video[0, t], 224, 224) / 255.0 - 1.0
      np.testing.assert_allclose(out[0, t], expected, atol=1e-5)
    # Half-pixel centres (TF2's default) would differ by far more.
    modern = tf.image.resize(video[0].astype(np.float32), (224, 224)).numpy()
    self.assertGreater(np.abs(2 * modern / 255 - 1 - out[0]).max(), 0.05)


class DistanceTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    rng = np.random.default_rng(2)
    self.a = rng.normal(0, 1, (60, 12))
    self.b = rng.normal(0.3, 1.5, (50, 12)) @ rng.normal(0, 1, (12, 12))

  def test_frechet_distance_against_scipy_sqrtm(self):
    mu_a, mu_b = self.a.mean(0), self.b.mean(0)
    cov_a, cov_b = np.cov(self.a.T), np.cov(self.b.T)
    expected = (np.sum((mu_a - mu_b)**2) + np.trace(cov_a) + np.trace(cov_b) -
                2 * np.trace(scipy.linalg.sqrtm(cov_a @ cov_b)).real)
    self.assertAlmostEqual(metric.frechet_distance(self.a, self.b), expected,
                           delta=1e-6 * abs(expected))
    self.assertGreater(expected, 1.0)
    self.assertAlmostEqual(metric.frechet_distance(self.a, self.a), 0.0,
                           delta=1e-6)

  def test_kernel_distance_against_a_direct_sum(self):
    def k(x, y):
      return (x @ y / x.size + 1.0)**3

    def mmd(a, b):
      m, n = len(a), len(b)
      aa = sum(k(a[i], a[j]) for i in range(m) for j in range(m) if i != j)
      bb = sum(k(b[i], b[j]) for i in range(n) for j in range(n) if i != j)
      ab = sum(k(x, y) for x in a for y in b)
      return aa / (m * (m - 1)) + bb / (n * (n - 1)) - 2 * ab / (m * n)

    self.assertAlmostEqual(metric.kernel_distance(self.a, self.b),
                           mmd(self.a, self.b), places=8)
    # Blocks: 60 and 50 in 2 blocks of at most 30: 30+30 and 25+25.
    blocked = (mmd(self.a[:30], self.b[:25]) +
               mmd(self.a[30:], self.b[25:])) / 2
    self.assertAlmostEqual(metric.kernel_distance(self.a, self.b, 30), blocked,
                           places=8)


if __name__ == '__main__':
  absltest.main()
