"""Runs a command and says which heavy modules it imported, for tests.

  python -m kinetics_i3d.testing.light_paths COMMAND [ARGS...]

runs `kinetics_i3d.commands.COMMAND` as its console script does, then, however
it ends, prints `heavy modules: [...]` as the last line of stderr: those of
TensorFlow, Beam and matplotlib that it imported. A command that answers
`--help`, a wrong flag or a missing input without them answers at once.
"""

import importlib
import sys

HEAVY = ('tensorflow', 'apache_beam', 'matplotlib', 'sonnet', 'openvino',
         'nncf')
MARKER = 'heavy modules:'


def main() -> None:
  name = sys.argv[1]
  sys.argv = [name] + sys.argv[2:]
  try:
    importlib.import_module(f'kinetics_i3d.commands.{name}').run()
  finally:
    print(MARKER, ','.join(m for m in HEAVY if m in sys.modules),
          file=sys.stderr, flush=True)


if __name__ == '__main__':
  main()
