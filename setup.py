"""Builds the package as pyproject.toml describes it, without the tests.

Everything is declared in pyproject.toml; this file only keeps the `*_test.py`
modules that sit beside the code out of the wheel.
"""

import setuptools
from setuptools.command import build_py


class BuildWithoutTests(build_py.build_py):
  """Leaves the `*_test.py` modules out of the built package."""

  def find_package_modules(self, package, package_dir):
    return [(pkg, module, path)
            for pkg, module, path in super().find_package_modules(
                package, package_dir)
            if not module.endswith('_test')]


setuptools.setup(cmdclass={'build_py': BuildWithoutTests})
