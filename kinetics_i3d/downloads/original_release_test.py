"""Tests for downloading the original release, against a local server."""

import functools
import http.server
import os
import threading

from absl.testing import absltest

from kinetics_i3d.downloads import original_release


class _Server:
  """Serves a folder over HTTP on a free loopback port."""

  def __init__(self, directory):
    handler = functools.partial(_QuietHandler, directory=directory)
    self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
    self.thread = threading.Thread(target=self.httpd.serve_forever,
                                   daemon=True)
    self.thread.start()

  def close(self):
    self.httpd.shutdown()
    self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):

  def log_message(self, *args):
    pass


class FetchTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.remote = self.create_tempdir('remote').full_path
    for relative in original_release.release_files():
      path = os.path.join(self.remote, 'data', relative)
      os.makedirs(os.path.dirname(path), exist_ok=True)
      with open(path, 'w') as f:
        f.write(f'content of {relative}')
    self.server = _Server(self.remote)
    self.addCleanup(self.server.close)
    self.local = self.create_tempdir('local').full_path

  def _local_files(self):
    found = []
    for directory, _, files in os.walk(self.local):
      found += [os.path.relpath(os.path.join(directory, f), self.local)
                for f in files]
    return sorted(found)

  def test_downloads_every_file_once(self):
    self.assertLen(original_release.release_files(), 5 * 3 + 4)
    seen = []
    fetched = original_release.fetch(self.local, self.server.url,
                                     progress=seen.append)
    self.assertEqual(fetched, original_release.release_files())
    self.assertEqual(seen, fetched)
    self.assertEqual(self._local_files(),
                     sorted(original_release.release_files()))
    with open(os.path.join(self.local, 'checkpoints/flow_imagenet/'
                           'model.ckpt.index')) as f:
      self.assertEqual(f.read(),
                       'content of checkpoints/flow_imagenet/model.ckpt.index')
    self.assertEqual(original_release.fetch(self.local, self.server.url), [])

  def test_keeps_existing_files(self):
    with open(os.path.join(self.local, 'label_map.txt'), 'w') as f:
      f.write('mine')
    fetched = original_release.fetch(self.local, self.server.url)
    self.assertNotIn('label_map.txt', fetched)
    with open(os.path.join(self.local, 'label_map.txt')) as f:
      self.assertEqual(f.read(), 'mine')

  def test_missing_remote_file_stops_with_clear_error(self):
    os.remove(
        os.path.join(self.remote, 'data', 'v_CricketShot_g04_c01_rgb.npy'))
    with self.assertRaisesRegex(original_release.ReleaseUnavailableError,
                                'v_CricketShot_g04_c01_rgb.npy answered 404'):
      original_release.fetch(self.local, self.server.url)
    self.assertNotIn('v_CricketShot_g04_c01_rgb.npy', self._local_files())
    self.assertEqual(len(self._local_files()), 15)  # The checkpoints came.

  def test_offline_fails_fast_with_clear_message(self):
    self.server.close()
    with self.assertRaisesRegex(original_release.ReleaseUnavailableError,
                                'needs internet access.*--source=registry'):
      original_release.fetch(self.local, self.server.url, timeout=5)
    self.assertEqual(self._local_files(), [])


if __name__ == '__main__':
  absltest.main()
