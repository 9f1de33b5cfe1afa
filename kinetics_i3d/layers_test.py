"""The package's order of layers, enforced: no cycles, no upward imports.

Every module of `kinetics_i3d` (tests aside) has a layer, by its first name
below the package (`LAYERS`), and imports only from its own layer or the
ones below. Imports are read with `ast`: module-level and inside functions,
`from kinetics_i3d import x` (a module or a name of one), the strings of
`lazy_modules.load('...')`, and the `'module:name'` targets of a package's
lazy `_exports`. No two modules may import each other, directly or through
others, in any layer. docs/development.md shows the same table
(`render`), checked here.
"""

import ast
import collections
import os
from typing import Dict, Iterator, List, Set, Tuple

from absl.testing import absltest

from kinetics_i3d.testing import repo_paths

PACKAGE = 'kinetics_i3d'
# (the layer, what it holds): bottom first. '' is the package's own
# `__init__`, which names everything (lazily) and so sits on top; `testing`
# serves the tests alone, above the product.
LAYERS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ('base', ('errors', 'outputs', '_exports', 'lazy_modules', 'version',
              'arrays', 'cli', 'resources')),
    ('video, downloads', ('video', 'downloads')),
    ('models', ('models',)),
    ('datasets', ('datasets',)),
    ('int8', ('int8',)),
    ('pretrained, features, timeline', ('pretrained', 'features',
                                        'feature_protocols', 'timeline',
                                        'timeline_plot', 'report')),
    ('fvd, pipelines, training', ('fvd', 'fvd_sets', 'pipelines',
                                  'training')),
    ('commands', ('commands',)),
    ('the package', ('',)),
    ('testing', ('testing',)),
)
_DOCS = os.path.join(repo_paths.ROOT, 'docs', 'development.md')
_BEGIN, _END = '<!-- layers: begin -->', '<!-- layers: end -->'


def modules() -> Dict[str, str]:
  """Every module of the package but the tests, by name: its file."""
  found = {}
  root = os.path.join(repo_paths.ROOT, PACKAGE)
  for folder, _, files in os.walk(root):
    for name in files:
      if name.endswith('.py') and not name.endswith('_test.py'):
        path = os.path.join(folder, name)
        dotted = os.path.relpath(path, repo_paths.ROOT)[:-3].replace(
            os.sep, '.')
        found[dotted[:-len('.__init__')] if dotted.endswith('.__init__')
              else dotted] = path
  return found


def layer(module: str) -> int:
  """The index in `LAYERS` of a module of the package."""
  first = module.split('.')[1] if '.' in module else ''
  for index, (_, members) in enumerate(LAYERS):
    if first in members:
      return index
  raise KeyError(f'{module} has no layer: add {first!r} to LAYERS')


def _strings(node: ast.AST) -> Iterator[str]:
  for child in ast.walk(node):
    if isinstance(child, ast.Constant) and isinstance(child.value, str):
      yield child.value


def _imported(module: str, path: str, known: Set[str]) -> Iterator[str]:
  """The package's modules that `module` imports, in any of the ways the
  module docstring lists."""
  with open(path) as f:
    tree = ast.parse(f.read(), path)
  package = module if path.endswith('__init__.py') else module.rpartition(
      '.')[0]
  # Module-level names bound to a value (a package's table of exports).
  assigned = {target.id: node.value for node in tree.body
              if isinstance(node, ast.Assign) for target in node.targets
              if isinstance(target, ast.Name)}
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
      base = node.module or ''
      if node.level:
        parts = package.split('.')[:len(package.split('.')) - node.level + 1]
        base = '.'.join(parts + ([base] if base else []))
      for alias in node.names:
        candidate = f'{base}.{alias.name}'
        yield candidate if candidate in known else base
    elif isinstance(node, ast.Call):
      function = node.func
      name = getattr(function, 'attr', getattr(function, 'id', ''))
      if name == 'load' and node.args:
        yield from _strings(node.args[0])  # lazy_modules.load('...')
      elif name == 'lazy':  # _exports.lazy(__name__, exports, submodules)
        for argument in node.args[1:]:
          for target in _strings(assigned.get(getattr(argument, 'id', None),
                                              argument)):
            yield f'{package}.{target.partition(":")[0]}'


def imports() -> Dict[str, Set[str]]:
  """Each module's imports of other modules of the package."""
  known = modules()
  edges = collections.defaultdict(set)
  for module, path in known.items():
    for target in _imported(module, path, known):
      if target in known and target != module:
        edges[module].add(target)
  return edges


def cycles(edges: Dict[str, Set[str]]) -> List[List[str]]:
  """The groups of modules that import each other (Tarjan's components of
  more than one module)."""
  index, low, stack, on_stack, found = {}, {}, [], set(), []

  def visit(node: str) -> None:
    index[node] = low[node] = len(index)
    stack.append(node)
    on_stack.add(node)
    for target in sorted(edges.get(node, ())):
      if target not in index:
        visit(target)
        low[node] = min(low[node], low[target])
      elif target in on_stack:
        low[node] = min(low[node], index[target])
    if low[node] == index[node]:
      group = []
      while True:
        member = stack.pop()
        on_stack.discard(member)
        group.append(member)
        if member == node:
          break
      if len(group) > 1:
        found.append(sorted(group))

  for node in sorted(edges):
    if node not in index:
      visit(node)
  return found


def render() -> str:
  """The table of layers as docs/development.md shows it, top first."""
  counts = collections.Counter(layer(m) for m in modules())
  rows = ['| layer | holds | modules |', '|---|---|---|']
  for index in reversed(range(len(LAYERS))):
    name, members = LAYERS[index]
    holds = ', '.join(f'`{m}`' if m else f'`{PACKAGE}/__init__`'
                      for m in members)
    rows.append(f'| {index}: {name} | {holds} | {counts[index]} |')
  return '\n'.join(rows)


class LayersTest(absltest.TestCase):

  def test_every_module_has_a_layer(self):
    for module in modules():
      layer(module)

  def test_no_module_imports_from_a_layer_above_its_own(self):
    upward = sorted(f'{m} ({LAYERS[layer(m)][0]}) imports {t} '
                    f'({LAYERS[layer(t)][0]})'
                    for m, targets in imports().items() for t in targets
                    if layer(t) > layer(m))
    self.assertEmpty(upward, 'move each piece to the layer of its job')

  def test_no_cycles(self):
    self.assertEmpty(cycles(imports()), 'split the module that does two jobs')

  def test_the_reading_of_imports_can_fail(self):
    # A lazily loaded name, an import inside a function and a package's
    # lazy export each count.
    edges = imports()
    self.assertIn('kinetics_i3d.models.calibration',
                  edges['kinetics_i3d.models.precision'])  # lazy_modules
    self.assertIn('kinetics_i3d.datasets.manifests',
                  edges['kinetics_i3d.int8.calibration_set'])  # in a function
    self.assertIn('kinetics_i3d.models.i3d', edges['kinetics_i3d'])  # export
    self.assertEqual(cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}),
                     [['a', 'b', 'c']])

  def test_the_documentation_shows_the_order(self):
    with open(_DOCS) as f:
      text = f.read()
    shown = text[text.index(_BEGIN) + len(_BEGIN):text.index(_END)].strip()
    self.assertEqual(shown, render(), f'paste this into {_DOCS} between '
                     f'{_BEGIN} and {_END}:\n{render()}')


if __name__ == '__main__':
  absltest.main()
