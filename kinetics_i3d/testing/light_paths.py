"""Runs commands and says which heavy modules they imported, for tests.

  python -m kinetics_i3d.testing.light_paths CASES.json RESULTS.json

runs each case of CASES.json, a list of `[command, [args...]]`, in turn in
this process, as its console script does (`kinetics_i3d.commands.COMMAND.
run()` with the case's command line; absl's flags reset between cases), and
writes RESULTS.json: for each case its exit status, stdout, stderr and the
heavy modules (TensorFlow, Beam, matplotlib, ...) imported by then. A command
that answers `--help`, a wrong flag or a missing input without them answers
at once. Cases that import none can share a process: one that imports a heavy
module is seen at that case (once imported, a module stays so for the cases
after it).
"""

import importlib
import json
import os
import sys
import tempfile
import traceback
from typing import Any, Dict, List

from absl import app
from absl import flags

HEAVY = ('tensorflow', 'apache_beam', 'matplotlib', 'sonnet', 'openvino',
         'nncf')


def _exit_status(exit_: SystemExit) -> int:
  """The status a process exiting so would have (a text is printed)."""
  if isinstance(exit_.code, str):
    print(exit_.code, file=sys.stderr)
    return 1
  return 0 if exit_.code is None else exit_.code


def run_case(command: str, args: List[str]) -> Dict[str, Any]:
  """Runs one command line as its console script does; captures what it
  writes to the standard streams (whatever writes them: print, logging,
  C++)."""
  module = importlib.import_module(f'kinetics_i3d.commands.{command}')
  defined = set(flags.FLAGS)
  sys.argv = [command, *args]
  captured = {}
  with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    status = 0
    try:
      module.run()
    except SystemExit as exit_:
      status = _exit_status(exit_)
    except Exception:  # pylint: disable=broad-except
      traceback.print_exc()  # As the interpreter would, then exit 1.
      status = 1
    finally:
      sys.stdout.flush()
      sys.stderr.flush()
      for fd, copy in zip((1, 2), saved):
        os.dup2(copy, fd)
        os.close(copy)
      for name in set(flags.FLAGS) - defined:
        delattr(flags.FLAGS, name)
      flags.FLAGS.unparse_flags()
    for name, stream in (('stdout', out), ('stderr', err)):
      stream.seek(0)
      captured[name] = stream.read().decode(errors='replace')
  return {'status': status, **captured,
          'heavy': [m for m in HEAVY if m in sys.modules]}


def main() -> None:
  cases_path, results_path = sys.argv[1:]
  app.define_help_flags()  # absl defines them once: kept between cases.
  with open(cases_path) as f:
    cases = json.load(f)
  results = [run_case(command, args) for command, args in cases]
  with open(results_path, 'w') as f:
    json.dump(results, f)


if __name__ == '__main__':
  main()
