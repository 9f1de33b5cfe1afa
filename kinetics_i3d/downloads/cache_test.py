"""Tests of where the user cache is."""

import os
from unittest import mock

from absl.testing import absltest

from kinetics_i3d.downloads import cache


class HomeTest(absltest.TestCase):

  def test_home_follows_the_environment(self):
    with mock.patch.dict(os.environ, {cache.HOME_ENV: '/x/given'}):
      self.assertEqual(cache.home(), '/x/given')
    with mock.patch.dict(os.environ, {cache.HOME_ENV: '',
                                      'XDG_CACHE_HOME': '/x/cache'}):
      self.assertEqual(cache.home(), '/x/cache/kinetics_i3d')
    with mock.patch.dict(os.environ, {cache.HOME_ENV: '', 'XDG_CACHE_HOME': '',
                                      'HOME': '/x/home'}):
      self.assertEqual(cache.home(), '/x/home/.cache/kinetics_i3d')


if __name__ == '__main__':
  absltest.main()
