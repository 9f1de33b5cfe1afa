"""End-to-end tests of fvd.py on tiny videos and arrays."""

import json
import os

from absl.testing import absltest
import numpy as np

from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing
from kinetics_i3d.testing import synthetic_videos


def _run(*args):
  return script_testing.run(
      'fvd.py', f'--checkpoint={repo_paths.registry_checkpoint()}', *args)


class FvdScriptTest(absltest.TestCase):

  def test_folder_against_array_then_saved_statistics(self):
    directory = self.create_tempdir().full_path
    folder = os.path.join(directory, 'real')
    os.mkdir(folder)
    for i in range(3):
      synthetic_videos.write_video(
          os.path.join(folder, f'{i}.mkv'),
          synthetic_videos.moving_texture(20, 32, 40, dx=i, seed=i))
    fake = os.path.join(directory, 'fake.npy')
    np.save(fake, np.random.default_rng(0).integers(
        0, 256, (3, 16, 32, 40, 3), dtype=np.uint8))
    stats = [os.path.join(directory, n) for n in ('a.npz', 'b.npz')]

    result = _run(folder, fake, '--json', f'--save_stats={",".join(stats)}')
    self.assertEqual(result.returncode, 0, result.stderr)
    output = json.loads(result.stdout)
    self.assertEqual(output['num_videos'], [3, 3])
    self.assertEqual(output['num_frames'], 16)
    self.assertGreater(output['fvd'], 1.0)  # Noise is far from textures.

    # The saved statistics give the same distances without the videos.
    again = _run(*stats, '--json')
    self.assertEqual(again.returncode, 0, again.stderr)
    self.assertAlmostEqual(json.loads(again.stdout)['fvd'], output['fvd'],
                           places=6)
    self.assertAlmostEqual(json.loads(again.stdout)['kvd'], output['kvd'],
                           places=6)

    # (Statistics made with other settings are refused: fvd_sets' tests.)


if __name__ == '__main__':
  absltest.main()
