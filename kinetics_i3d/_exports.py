"""A package's public names, imported when first used (PEP 562).

So `import kinetics_i3d` (or a sub-package) stays cheap, reads no file and
imports no TensorFlow, while `kinetics_i3d.InceptionI3d` and the like work.
A module that moved leaves a file at its old place that hands out the new
one, with a DeprecationWarning (`moved_module`).
"""

import importlib
import sys
from typing import Callable, List, Mapping, Sequence, Tuple
import warnings


def _resolve(package: str, target: str):
  """'module' or 'module:attribute', relative to `package`, to the object."""
  module, _, attribute = target.partition(':')
  value = importlib.import_module(f'{package}.{module}')
  return getattr(value, attribute) if attribute else value


def lazy(package: str, exports: Mapping[str, str],
         submodules: Sequence[str] = ()
         ) -> Tuple[List[str], Callable[[str], object], Callable[[], List[str]]]:
  """`__all__`, `__getattr__` and `__dir__` for a package's `__init__`.

  Args:
    package: the package's `__name__`.
    exports: public name -> 'module:attribute', relative to the package
      ('video.decoding:decode').
    submodules: public modules of the package, by name.

  Returns:
    (__all__, __getattr__, __dir__).
  """
  exports = dict(exports, **{name: name for name in submodules})

  def __getattr__(name: str):  # pylint: disable=invalid-name
    if name in exports:
      return _resolve(package, exports[name])
    raise AttributeError(f'module {package!r} has no attribute {name!r}')

  def __dir__() -> List[str]:  # pylint: disable=invalid-name
    return sorted(set(vars(sys.modules[package])) | set(exports))

  return sorted(exports), __getattr__, __dir__


def moved_module(old: str, new: str):
  """The module `new`, with a DeprecationWarning that `old` moved there.

  A module file left at the old place replaces itself with it:
  `sys.modules[__name__] = _exports.moved_module(__name__, 'new.place')`.
  """
  warnings.warn(f'{old} is deprecated: use {new}', DeprecationWarning,
                stacklevel=3)
  return importlib.import_module(new)
