"""Tests of the documentation site: its strict build, and an API reference
that holds the whole public API."""

import glob
import importlib
import inspect
import json
import os
import re
import subprocess
import sys

from absl.testing import absltest

from kinetics_i3d.testing import repo_paths

_DOCS = os.path.join(repo_paths.ROOT, 'docs')
# The packages whose `__all__` is the public API.
_PACKAGES = ('kinetics_i3d', 'kinetics_i3d.datasets', 'kinetics_i3d.downloads',
             'kinetics_i3d.fvd', 'kinetics_i3d.int8', 'kinetics_i3d.models',
             'kinetics_i3d.pipelines', 'kinetics_i3d.training',
             'kinetics_i3d.video')


def _documented_modules():
  """The `::: module` directives of the API pages."""
  names = set()
  for path in glob.glob(os.path.join(_DOCS, 'api', '*.md')):
    with open(path, encoding='utf-8') as f:
      names.update(re.findall(r'^::: ([\w.]+)$', f.read(), re.MULTILINE))
  return names


class ApiReferenceTest(absltest.TestCase):

  def test_every_public_name_is_in_the_reference_with_a_docstring(self):
    documented = _documented_modules()
    for package in _PACKAGES:
      module = importlib.import_module(package)
      self.assertIn(package, documented)
      exports = getattr(module, '_EXPORTS')
      for name in module.__all__:
        with self.subTest(package=package, name=name):
          if name == '__version__':
            continue
          if name in exports:  # 'module:attribute' inside the package
            where, attribute = exports[name].split(':')
            defining = f'{package}.{where}'
            self.assertIn(defining, documented)
            value = getattr(importlib.import_module(defining), attribute)
            if inspect.isclass(value) or inspect.isroutine(value):
              self.assertTrue(inspect.getdoc(value), f'{defining}.{attribute}'
                              ' has no docstring')
          else:  # a sub-module
            self.assertIn(f'{package}.{name}', documented)
            self.assertTrue(
                importlib.import_module(f'{package}.{name}').__doc__)


class StrictBuildTest(absltest.TestCase):

  def test_the_site_builds_strictly_with_navigation_search_and_diagram(self):
    site = self.create_tempdir().full_path
    result = subprocess.run(
        [sys.executable, '-m', 'mkdocs', 'build', '--strict', '--site-dir',
         site], cwd=repo_paths.ROOT, capture_output=True, text=True,
        check=False, env=dict(os.environ, NO_MKDOCS_2_WARNING='1'))
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    with open(os.path.join(site, 'index.html'), encoding='utf-8') as f:
      home = f.read()
    self.assertIn('class="mermaid"', home)
    self.assertIn('href="api/', home)
    with open(os.path.join(site, 'api', 'int8', 'index.html'),
              encoding='utf-8') as f:
      self.assertIn('id="kinetics_i3d.int8.runtime.Int8Predictor"', f.read())
    with open(os.path.join(site, 'search', 'search_index.json'),
              encoding='utf-8') as f:
      locations = {d['location'] for d in json.load(f)['docs']}
    self.assertIn('performance/#int8-for-corpus-scale-work-openvino-and-nncf',
                  locations)


if __name__ == '__main__':
  absltest.main()
