"""A package's public names, imported when first used (PEP 562).

So `import kinetics_i3d` (or a sub-package) stays cheap, reads no file and
imports no TensorFlow, while `kinetics_i3d.InceptionI3d` and the like work.
Names that moved keep working for a release, with a DeprecationWarning.
"""

import importlib
import sys
from typing import Callable, List, Mapping, Tuple
import warnings


def _resolve(target: str):
  """'package.module' or 'package.module:attribute' to the object."""
  module, _, attribute = target.partition(':')
  value = importlib.import_module(module)
  return getattr(value, attribute) if attribute else value


def lazy(package: str, exports: Mapping[str, str],
         deprecated: Mapping[str, str] = None
         ) -> Tuple[Callable[[str], object], Callable[[], List[str]]]:
  """`__getattr__` and `__dir__` for a package's `__init__`.

  Args:
    package: the package's `__name__`.
    exports: public name -> 'module' or 'module:attribute' (absolute).
    deprecated: earlier name -> where it lives now; a DeprecationWarning
      names the new place on each use.

  Returns:
    (__getattr__, __dir__).
  """
  deprecated = dict(deprecated or {})

  def __getattr__(name: str):  # pylint: disable=invalid-name
    if name in exports:
      return _resolve(exports[name])
    if name in deprecated:
      new = deprecated[name].replace(':', '.')
      warnings.warn(f'{package}.{name} is deprecated: use {new}',
                    DeprecationWarning, stacklevel=2)
      return _resolve(deprecated[name])
    raise AttributeError(f'module {package!r} has no attribute {name!r}')

  def __dir__() -> List[str]:  # pylint: disable=invalid-name
    defined = vars(sys.modules[package])
    return sorted(set(defined) | set(exports) | set(deprecated))

  return __getattr__, __dir__


def moved_module(old: str, new: str):
  """The module `new`, with a DeprecationWarning that `old` moved there.

  A module file left at the old place replaces itself with it:
  `sys.modules[__name__] = _exports.moved_module(__name__, 'new.place')`.
  """
  warnings.warn(f'{old} is deprecated: use {new}', DeprecationWarning,
                stacklevel=3)
  return importlib.import_module(new)
