"""End-to-end tests of fvd.py on tiny videos and arrays."""

import json
import os

from absl.testing import absltest
import numpy as np

import kinetics_i3d
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing
from kinetics_i3d.testing import synthetic_videos


def _run(*args):
  """As a user runs it: exit status, stdout and stderr of the script."""
  return script_testing.run(
      'fvd.py', f'--checkpoint={repo_paths.registry_checkpoint()}', *args)


def _run_here(*args):
  """The command's logic, in this process (no new interpreter)."""
  return script_testing.run_in_process(
      'fvd', f'--checkpoint={repo_paths.registry_checkpoint()}', *args)


class FvdScriptTest(absltest.TestCase):

  def test_seeds_protocol_record_and_saved_statistics(self):
    directory = self.create_tempdir().full_path
    folder = os.path.join(directory, 'real')
    os.mkdir(folder)
    for i in range(3):
      synthetic_videos.write_video(
          os.path.join(folder, f'{i}.mkv'),
          synthetic_videos.moving_texture(20 if i else 6, 32, 40, dx=i,
                                          seed=i))
    fake = os.path.join(directory, 'fake.npy')
    np.save(fake, np.random.default_rng(0).integers(
        0, 256, (3, 20, 32, 40, 3), dtype=np.uint8))
    stats = [os.path.join(directory, n) for n in ('a.npz', 'b.npz')]
    flags = ('--sampling=random', '--num_videos=3', '--num_frames=9',
             '--frame_stride=2', '--seeds=2', '--resize=24x30',
             '--resize_filter=area')

    result = _run(folder, fake, '--json', f'--save_stats={",".join(stats)}',
                  *flags)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    output = json.loads(result.stdout)
    self.assertEqual(output['protocol'], {
        'name': None, 'num_videos': 3, 'num_frames': 9, 'frame_stride': 2,
        'sampling': 'random', 'seeds': [0, 1], 'resize': '24x30 area'})
    self.assertEqual(output['weights']['name'], 'rgb_imagenet')
    self.assertRegex(output['weights']['sha256'], '^[0-9a-f]{64}$')
    self.assertEqual(output['precision'], 'float32')
    self.assertEqual(output['kinetics_i3d_version'], kinetics_i3d.__version__)
    # The 6-frame video is too short for 17 frames: left out and counted.
    self.assertEqual(output['sets'][0], {
        'source': folder, 'clips': 3, 'usable': 2, 'skipped': 1,
        'with_replacement': True})
    self.assertEqual([s['seed'] for s in output['per_seed']], [0, 1])
    fvds = [s['fvd'] for s in output['per_seed']]
    self.assertAlmostEqual(output['fvd'], np.mean(fvds))
    self.assertAlmostEqual(output['fvd_std'], np.std(fvds, ddof=1))
    self.assertGreater(min(fvds), 1.0)  # Noise is far from textures.

    # The saved statistics give the same distances without the videos...
    again = _run_here(*stats, '--json', *flags)
    self.assertEqual(again.returncode, 0, again.stderr[-3000:])
    self.assertEqual(json.loads(again.stdout)['per_seed'], output['per_seed'])
    # ... and statistics of another protocol are refused, naming it.
    other = os.path.join(directory, 'other.npz')
    result = _run_here(fake, f'--save_stats={other}', '--num_frames=9')
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    result = _run_here(stats[0], other)
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     r'^error: .*a.npz \(statistics of .*real\) and .*other.npz'
                     r' \(statistics of .*fake.npy\) were made under '
                     'different protocols .protocol frame_stride 2 against 1;'
                     ' protocol sampling random against first')

  def test_bad_input_is_one_line_and_writes_nothing(self):
    directory = self.create_tempdir().full_path
    short = os.path.join(directory, 'short.npy')
    np.save(short, np.zeros((3, 8, 16, 16, 3), np.uint8))
    stats = os.path.join(directory, 's.npz')
    # The other messages are tested where they are raised (fvd/protocols_test,
    # fvd/sets_test); these reach the user, before the work and during it.
    for args, message in (
        ([short, '--protocol=fvd2048'], "unknown protocol 'fvd2048'"),
        ([short, '--num_frames=9'],
         'every video of .*short.npy is shorter than a clip')):
      with self.subTest(message):
        result = _run(*args, f'--save_stats={stats}')
        self.assertEqual(result.returncode, 1, result.stderr[-2000:])
        self.assertRegex(script_testing.last_line(result.stderr),
                         f'^error: .*{message}')
        self.assertNotIn('Traceback', result.stderr)
        self.assertEqual(os.listdir(directory), ['short.npy'])


if __name__ == '__main__':
  absltest.main()
