"""Tests of FVD's embedding and distances against independent computations."""

import os

from absl.testing import absltest
import numpy as np
import scipy.linalg
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import fvd
from kinetics_i3d import fvd_protocols
from kinetics_i3d import fvd_sets
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos


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
    cls.embedder = fvd.Embedder(repo_paths.registry_checkpoint())

  def test_constant_video_gives_the_reference_logits(self):
    # 15 black frames: -1 after the reference's scaling.
    black = np.zeros((1, 15, 64, 48, 3), np.uint8)
    logits = fvd.embed(black, self.embedder).numpy()[0]
    self.assertEqual(logits.shape, (400,))
    np.testing.assert_allclose(logits[:3], [0.74221, 2.82973, 0.39994],
                               atol=1e-4)
    np.testing.assert_allclose(logits[-3:], [-0.38092, 0.65539, -1.40213],
                               atol=1e-4)
    # The check can fail: a grey video moves these logits far more.
    grey = fvd.embed(black + 128, self.embedder).numpy()[0]
    self.assertGreater(np.abs(grey[:3] - logits[:3]).max(), 1e-2)

  def test_embed_runs_inside_a_tf_function(self):
    videos = np.random.default_rng(0).integers(0, 256, (2, 9, 40, 50, 3),
                                               dtype=np.uint8)
    eager = fvd.embed(videos, self.embedder).numpy()
    compiled = tf.function(lambda v: fvd.embed(v, self.embedder))(videos)
    np.testing.assert_allclose(compiled.numpy(), eager, atol=1e-4)

  def test_preprocessing_is_tf1_resize_bilinear_then_scaling(self):
    video = np.random.default_rng(1).integers(0, 256, (1, 2, 30, 41, 3),
                                              dtype=np.uint8)
    out = fvd.preprocess(video).numpy()
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
    self.assertAlmostEqual(fvd.frechet_distance(self.a, self.b), expected,
                           delta=1e-6 * abs(expected))
    self.assertGreater(expected, 1.0)
    self.assertAlmostEqual(fvd.frechet_distance(self.a, self.a), 0.0,
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

    self.assertAlmostEqual(fvd.kernel_distance(self.a, self.b),
                           mmd(self.a, self.b), places=8)
    # Blocks: 60 and 50 in 2 blocks of at most 30: 30+30 and 25+25.
    blocked = (mmd(self.a[:30], self.b[:25]) +
               mmd(self.a[30:], self.b[25:])) / 2
    self.assertAlmostEqual(fvd.kernel_distance(self.a, self.b, 30), blocked,
                           places=8)


def _record(**changes):
  """A statistics record as `fvd_sets` writes it, with some fields changed."""
  record = {
      'protocol': fvd_protocols.Protocol(num_frames=16).record(),
      'weights': {'name': 'rgb_imagenet', 'sha256': 'ab' * 32},
      'precision': 'float32', 'source': 'set',
      'selection': {'usable': 5, 'skipped': 0, 'with_replacement': False},
      'per_seed_counts': [5], 'kinetics_i3d_version': '0'}
  for key, value in changes.items():
    if key in record['protocol']:
      record['protocol'] = dict(record['protocol'], **{key: value})
    else:
      record[key] = value
  return record


class SetsTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.embedder = fvd.Embedder(repo_paths.registry_checkpoint())
    rng = np.random.default_rng(5)
    cls.videos = np.stack([
        synthetic_videos.moving_texture(20, 32, 40, dx=rng.uniform(-2, 2),
                                        seed=i) for i in range(4)])

  def test_statistics_round_trip_and_protocols_refused(self):
    stats = fvd_sets.SetStatistics(
        [fvd.Statistics.of(np.random.default_rng(3).normal(size=(5, 400)))],
        _record())
    path = os.path.join(self.create_tempdir().full_path, 's.npz')
    fvd_sets.save_statistics(path, stats)
    loaded = fvd_sets.open_set(path)
    np.testing.assert_array_equal(loaded.per_seed[0].cov,
                                  stats.per_seed[0].cov)
    np.testing.assert_array_equal(loaded.per_seed[0].activations,
                                  stats.per_seed[0].activations)
    self.assertEqual(loaded.record, stats.record)
    fvd_sets.check_compatible(stats, loaded)
    for changes, named in (
        (dict(num_frames=32), 'protocol num_frames 16 against 32'),
        (dict(seeds=[0, 1], sampling='random'),
         'protocol sampling first against random; protocol seeds None '
         r'against \[0, 1\]'),
        (dict(resize='128x128 area'), 'protocol resize None against 128x128'),
        (dict(precision='bfloat16'), 'precision float32 against bfloat16'),
        (dict(weights={'name': 'rgb_imagenet', 'sha256': 'cd' * 32}),
         'weights .* against ')):
      with self.subTest(named):
        other = fvd_sets.SetStatistics(stats.per_seed, _record(**changes))
        with self.assertRaisesRegex(
            errors.InputError, 'set and set were made under different '
            f'protocols .{named}'):
          fvd_sets.check_compatible(stats, other)
    with self.assertRaises(errors.ExistingOutputError):
      fvd_sets.save_statistics(path, stats)

  def test_first_sampling_is_the_reference_and_seeds_draw_clips(self):
    source = fvd_sets.array_source(self.videos, 'videos')
    first = fvd_sets.embed_set(
        source, fvd_protocols.Protocol(num_frames=9), self.embedder, 3)
    # Today's behaviour, computed here: each video's first 9 frames.
    expected = fvd.embed(self.videos[:, :9], self.embedder).numpy()
    np.testing.assert_allclose(first.per_seed[0].activations, expected,
                               atol=1e-4)
    random = fvd_protocols.Protocol(num_videos=3, num_frames=9,
                                    sampling='random', num_seeds=2)
    once = fvd_sets.embed_set(source, random, self.embedder, 3)
    again = fvd_sets.embed_set(source, random, self.embedder, 3)
    for a, b in zip(once.per_seed, again.per_seed):  # Same seed, same clips.
      np.testing.assert_array_equal(a.activations, b.activations)
    # Another seed, other clips: embeddings far apart.
    self.assertGreater(np.abs(once.per_seed[0].activations -
                              once.per_seed[1].activations).max(), 0.1)
    self.assertEqual(once.record['protocol']['seeds'], [0, 1])
    # Against a noisy set: the same distance for the same seed, another for
    # another seed.
    noisy = np.clip(self.videos + np.random.default_rng(1).normal(
        0, 40, self.videos.shape), 0, 255).astype(np.uint8)
    other = fvd_sets.embed_set(fvd_sets.array_source(noisy, 'noisy'), random,
                               self.embedder, 3)
    distances = fvd_sets.distances(once, other)
    self.assertEqual(distances.fvd, fvd_sets.distances(again, other).fvd)
    self.assertGreater(abs(distances.fvd[0] - distances.fvd[1]),
                       1e-3 * distances.fvd[0])
    summary = distances.summary()
    self.assertAlmostEqual(summary['fvd'], np.mean(distances.fvd))
    self.assertAlmostEqual(summary['fvd_std'], np.std(distances.fvd, ddof=1))
    # The same clips as a tf.data pipeline, without files.
    dataset = tf.data.Dataset.from_tensor_slices(self.videos[:, :9]).batch(3)
    from_data = fvd_sets.statistics_of_clips(
        dataset, self.embedder, fvd_protocols.Protocol(num_frames=9))
    np.testing.assert_allclose(from_data.per_seed[0].activations, expected,
                               atol=1e-4)

  def test_bad_sets(self):
    directory = self.create_tempdir().full_path
    protocol = fvd_protocols.Protocol(num_frames=16)

    def array(name, value):
      path = os.path.join(directory, name)
      np.save(path, value)
      return path

    def select(path):
      video_set = fvd_sets.open_set(path)
      return fvd_protocols.select_clips(video_set.lengths, protocol, 0, path)

    cases = [
        (array('one.npy', np.zeros((1, 16, 8, 8, 3), np.uint8)),
         'has 1 usable video .0 too short.: FVD needs at least 2'),
        (array('short.npy', np.zeros((3, 8, 8, 8, 3), np.uint8)),
         'every video of .*short.npy is shorter than a clip'),
        (array('big.npy', np.full((3, 16, 8, 8, 3), 300.0)),
         'holds values from 300 to 300: FVD takes uint8'),
        (array('gray.npy', np.zeros((3, 16, 8, 8), np.uint8)),
         r'has shape \[3, 16, 8, 8\]; FVD takes \[N, T, H, W, 3\]'),
    ]
    mixed = os.path.join(directory, 'mixed.npz')
    np.savez(mixed, a=np.zeros((2, 16, 8, 8, 3), np.uint8),
             b=np.zeros((2, 16, 9, 9, 3), np.uint8))
    cases.append((mixed, 'holds 2 arrays of mixed sizes'))
    one_video_dir = os.path.join(directory, 'videos')
    os.mkdir(one_video_dir)
    synthetic_videos.write_video(
        os.path.join(one_video_dir, 'a.mkv'),
        synthetic_videos.moving_texture(16, 32, 32))
    cases.append((one_video_dir, 'has 1 usable video'))
    for path, message in cases:
      with self.subTest(os.path.basename(path)):
        with self.assertRaisesRegex(errors.InputError, message):
          select(path)


if __name__ == '__main__':
  absltest.main()
