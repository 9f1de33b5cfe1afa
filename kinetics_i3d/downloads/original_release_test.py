"""Tests for downloading the original release, against a local server."""

import os

from absl.testing import absltest

from kinetics_i3d.downloads import original_release
from kinetics_i3d.testing import local_server


class FetchTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.remote = self.create_tempdir('remote').full_path
    for relative in original_release.release_files():
      path = os.path.join(self.remote, 'data', relative)
      os.makedirs(os.path.dirname(path), exist_ok=True)
      with open(path, 'w') as f:
        f.write(f'content of {relative}')
    self.blob_ids = {
        relative: original_release.git_blob_id(
            os.path.join(self.remote, 'data', relative))
        for relative in original_release.release_files()
    }
    self.server = local_server.LocalServer(self.remote)
    self.addCleanup(self.server.close)
    self.local = self.create_tempdir('local').full_path

  def _fetch(self, **kwargs):
    return original_release.fetch(self.local, self.server.url,
                                  blob_ids=self.blob_ids, **kwargs)

  def _local_files(self):
    found = []
    for directory, _, files in os.walk(self.local):
      found += [os.path.relpath(os.path.join(directory, f), self.local)
                for f in files]
    return sorted(found)

  def test_downloads_every_file_once(self):
    self.assertLen(original_release.release_files(), 5 * 3 + 4)
    seen = []
    fetched = self._fetch(progress=seen.append)
    self.assertEqual(fetched, original_release.release_files())
    self.assertEqual(seen, fetched)
    self.assertEqual(self._local_files(),
                     sorted(original_release.release_files()))
    with open(os.path.join(self.local, 'checkpoints/flow_imagenet/'
                           'model.ckpt.index')) as f:
      self.assertEqual(f.read(),
                       'content of checkpoints/flow_imagenet/model.ckpt.index')
    self.assertEqual(self._fetch(), [])
    self.assertEqual(set(original_release.verify(self.local, self.blob_ids)
                         .values()), {'ok'})

  def test_keeps_existing_files(self):
    with open(os.path.join(self.local, 'label_map.txt'), 'w') as f:
      f.write('mine')
    fetched = self._fetch()
    self.assertNotIn('label_map.txt', fetched)
    with open(os.path.join(self.local, 'label_map.txt')) as f:
      self.assertEqual(f.read(), 'mine')

  def test_missing_remote_file_stops_with_clear_error(self):
    os.remove(
        os.path.join(self.remote, 'data', 'v_CricketShot_g04_c01_rgb.npy'))
    with self.assertRaisesRegex(original_release.ReleaseUnavailableError,
                                'v_CricketShot_g04_c01_rgb.npy answered 404'):
      self._fetch()
    self.assertNotIn('v_CricketShot_g04_c01_rgb.npy', self._local_files())
    self.assertEqual(len(self._local_files()), 15)  # The checkpoints came.

  def test_corrupted_file_is_not_kept(self):
    with open(os.path.join(self.remote, 'data', 'label_map.txt'), 'a') as f:
      f.write('!')  # One byte more than the release's.
    with self.assertRaisesRegex(
        original_release.CorruptDownloadError,
        r'label_map.txt sent a file that is not the release\'s \(git blob '
        f'[0-9a-f]{{40}}, expected {self.blob_ids["label_map.txt"]}\\); '
        'nothing was kept'):
      self._fetch()
    self.assertNotIn('label_map.txt', self._local_files())
    self.assertLen(self._local_files(), 17)  # The files before it.

  def test_verify(self):
    self._fetch()
    with open(os.path.join(self.local, 'label_map.txt'), 'w') as f:
      f.write('changed')
    os.remove(os.path.join(self.local, 'label_map_600.txt'))
    status = original_release.verify(self.local, self.blob_ids)
    self.assertEqual(status['label_map.txt'], 'differs from the release')
    self.assertEqual(status['label_map_600.txt'], 'missing')
    self.assertEqual(status['checkpoints/rgb_scratch/model.ckpt.index'], 'ok')

  def test_blob_ids_are_git_s(self):
    path = self.create_tempfile(content='hello\n').full_path
    # `printf 'hello\n' | git hash-object --stdin`
    self.assertEqual(original_release.git_blob_id(path),
                     'ce013625030ba8dba906f756967f9e9ca394464a')
    self.assertEqual(set(original_release.BLOB_IDS),
                     set(original_release.release_files()))

  def test_offline_fails_fast_with_clear_message(self):
    self.server.close()
    with self.assertRaisesRegex(original_release.ReleaseUnavailableError,
                                'needs internet access'):
      self._fetch(timeout=5)
    self.assertEqual(self._local_files(), [])


if __name__ == '__main__':
  absltest.main()
