"""Tests of FVD's sets: clips drawn by seed, statistics saved and compared."""

import dataclasses
import os

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d.fvd import metric
from kinetics_i3d.fvd import protocols
from kinetics_i3d.fvd import sets
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos


def _record(**changes):
  """A statistics record as `sets` writes it, with some fields changed."""
  record = {
      'protocol': protocols.Protocol(num_frames=16).record(),
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
    cls.embedder = metric.Embedder(repo_paths.registry_checkpoint())
    rng = np.random.default_rng(5)
    cls.videos = np.stack([
        synthetic_videos.moving_texture(20, 32, 40, dx=rng.uniform(-2, 2),
                                        seed=i) for i in range(4)])

  def test_statistics_round_trip_and_protocols_refused(self):
    stats = sets.SetStatistics(
        [metric.Statistics.of(np.random.default_rng(3).normal(size=(5, 400)))],
        _record())
    path = os.path.join(self.create_tempdir().full_path, 's.npz')
    sets.save_statistics(path, stats)
    loaded = sets.open_set(path)
    np.testing.assert_array_equal(loaded.per_seed[0].cov,
                                  stats.per_seed[0].cov)
    np.testing.assert_array_equal(loaded.per_seed[0].activations,
                                  stats.per_seed[0].activations)
    self.assertEqual(loaded.record, stats.record)
    sets.check_compatible(stats, loaded)
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
        other = sets.SetStatistics(stats.per_seed, _record(**changes))
        with self.assertRaisesRegex(
            errors.InputError, 'set and set were made under different '
            f'protocols .{named}'):
          sets.check_compatible(stats, other)
    with self.assertRaises(errors.ExistingOutputError):
      sets.save_statistics(path, stats)

  def test_float_sets_of_a_stated_range_are_the_uint8_set(self):
    folder = self.create_tempdir().full_path
    protocol = protocols.Protocol(num_frames=9)
    exact = self.videos[:2, :9].astype(np.float64)
    paths = {}
    for name, videos in (('uint8', self.videos[:2, :9]),
                         ('unit', exact / 255),
                         ('signed_ncthw', (exact / 127.5 - 1).transpose(
                             0, 4, 1, 2, 3))):
      paths[name] = os.path.join(folder, f'{name}.npy')
      np.save(paths[name], videos.astype(np.float32) if name != 'uint8' else
              videos)
    reference = sets.embed_set(sets.open_set(paths['uint8']), protocol,
                               self.embedder, 2).per_seed[0].activations
    for name, value_range, layout in (('unit', '0-1', 'NTHWC'),
                                      ('signed_ncthw', '-1-1', 'NCTHW')):
      with self.subTest(name):
        stats = sets.embed_set(sets.open_set(paths[name], value_range, layout),
                               protocol, self.embedder, 2)
        # The frames differ from the uint8 ones by float32 round-off (a few
        # 2^-24 of 255); through the network that stays below 1e-3 of
        # logits of order 10.
        np.testing.assert_allclose(stats.per_seed[0].activations, reference,
                                   atol=1e-3)
    with self.assertRaisesRegex(errors.ArrayError,
                                r'unit.npy holds float32 values from 0\.\d+ '
                                r'to 0\.\d+, and floats need their range'):
      sets.open_set(paths['unit'])

  def test_first_sampling_is_the_reference_and_seeds_draw_clips(self):
    source = sets.array_source(self.videos, 'videos')
    first = sets.embed_set(
        source, protocols.Protocol(num_frames=9), self.embedder, 3)
    # Today's behaviour, computed here: each video's first 9 frames.
    expected = metric.embed(self.videos[:, :9], self.embedder).numpy()
    np.testing.assert_allclose(first.per_seed[0].activations, expected,
                               atol=1e-4)
    random = protocols.Protocol(num_videos=3, num_frames=9,
                                sampling='random', num_seeds=2)
    once = sets.embed_set(source, random, self.embedder, 3)
    # Same seed, same clips: seed 0 alone.
    again = sets.embed_set(source, dataclasses.replace(random, num_seeds=1),
                           self.embedder, 3)
    np.testing.assert_array_equal(once.per_seed[0].activations,
                                  again.per_seed[0].activations)
    # Another seed, other clips: embeddings far apart.
    self.assertGreater(np.abs(once.per_seed[0].activations -
                              once.per_seed[1].activations).max(), 0.1)
    self.assertEqual(once.record['protocol']['seeds'], [0, 1])
    # Against a noisy set: another distance for another seed.
    noisy = np.clip(self.videos + np.random.default_rng(1).normal(
        0, 40, self.videos.shape), 0, 255).astype(np.uint8)
    other = sets.embed_set(sets.array_source(noisy, 'noisy'), random,
                           self.embedder, 3)
    distances = sets.distances(once, other)
    self.assertGreater(abs(distances.fvd[0] - distances.fvd[1]),
                       1e-3 * distances.fvd[0])
    summary = distances.summary()
    self.assertAlmostEqual(summary['fvd'], np.mean(distances.fvd))
    self.assertAlmostEqual(summary['fvd_std'], np.std(distances.fvd, ddof=1))
    # The same clips as a tf.data pipeline, without files.
    dataset = tf.data.Dataset.from_tensor_slices(self.videos[:, :9]).batch(3)
    from_data = sets.statistics_of_clips(
        dataset, self.embedder, protocols.Protocol(num_frames=9))
    np.testing.assert_allclose(from_data.per_seed[0].activations, expected,
                               atol=1e-4)

  def test_bad_sets(self):
    directory = self.create_tempdir().full_path
    protocol = protocols.Protocol(num_frames=16)

    def array(name, value):
      path = os.path.join(directory, name)
      np.save(path, value)
      return path

    def select(path):
      video_set = sets.open_set(path)
      return protocols.select_clips(video_set.lengths, protocol, 0, path)

    cases = [
        (array('one.npy', np.zeros((1, 16, 8, 8, 3), np.uint8)),
         'has 1 usable video .0 too short.: FVD needs at least 2'),
        (array('short.npy', np.zeros((3, 8, 8, 8, 3), np.uint8)),
         'every video of .*short.npy is shorter than a clip'),
        (array('big.npy', np.full((3, 16, 8, 8, 3), 300.0)),
         'big.npy holds float64 values from 300 to 300, and floats need '
         'their range stated'),
        (array('gray.npy', np.zeros((3, 16, 8, 8), np.uint8)),
         r'has shape \[3, 16, 8, 8\], 4 axes'),
    ]
    empty = os.path.join(directory, 'empty.npy')
    open(empty, 'wb').close()
    cases.append((empty, 'empty.npy is not one array of videos'))
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
