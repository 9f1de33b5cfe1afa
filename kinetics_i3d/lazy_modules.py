"""Modules imported when first used, so that commands answer at once.

A command's `--help`, a mistyped flag or a missing input should not wait for
TensorFlow (several seconds to import). The commands import their heavy
modules with `load`: the module object exists at once, and its code runs when
one of its attributes is first used, which only the paths that need it do.

  pretrained = lazy_modules.load('kinetics_i3d.pretrained')
  ...
  model = pretrained.load('rgb_imagenet')   # TensorFlow is imported here.
"""

import importlib
import importlib.util
import sys
import types


def load(name: str) -> types.ModuleType:
  """The module `name`, its code run when an attribute is first used.

  A module already imported is returned as it is. The lazy module is
  registered in `sys.modules` and on its parent package, so that a later
  `import` of it anywhere gets the same module.

  Raises:
    ModuleNotFoundError: there is no such module.
  """
  if name in sys.modules:
    return sys.modules[name]
  spec = importlib.util.find_spec(name)
  if spec is None:
    raise ModuleNotFoundError(f'no module named {name!r}', name=name)
  loader = importlib.util.LazyLoader(spec.loader)
  spec.loader = loader
  module = importlib.util.module_from_spec(spec)
  sys.modules[name] = module
  loader.exec_module(module)
  parent, _, child = name.rpartition('.')
  if parent:
    setattr(importlib.import_module(parent), child, module)
  return module
