"""Running the commands: flags defined at run time, user errors as one line."""

import functools
import sys
from typing import Callable, List, Optional, Sequence

from absl import app

from kinetics_i3d import errors
from kinetics_i3d import outputs

Main = Callable[[Sequence[str]], None]


def reports_input_errors(main: Main) -> Main:
  """Wraps an absl `main` so that an `InputError` exits with one line.

  Args:
    main: the script's main function.

  Returns:
    A main function that prints `error: <message>` to stderr and exits with
    status 1 on an `InputError` (or a disk that is full), and otherwise
    behaves as `main`.
  """

  @functools.wraps(main)
  def wrapped(argv: Sequence[str]) -> None:
    try:
      main(argv)
    except errors.InputError as error:
      print(f'error: {error}', file=sys.stderr)
      sys.exit(1)
    except OSError as error:
      if not outputs.disk_full(error):
        raise
      print(f'error: {outputs.disk_full_error(error.filename or "an output")}',
            file=sys.stderr)
      sys.exit(1)

  return wrapped


def run(main: Main,
        define_flags: Callable[[], None],
        usage: str,
        flags_parser: Optional[Callable[[List[str]], List[str]]] = None
       ) -> None:
  """Defines a command's flags, then runs its `main` under absl.

  Commands define their flags here rather than at import, so that any of
  them can be imported beside any other (and beside research code).

  Args:
    main: the command's main function.
    define_flags: defines its flags on `absl.flags.FLAGS`.
    usage: what `--help` prints above the flags (the command module's
      docstring; absl reads it from `__main__`, which for a console script
      is a generated file without one).
    flags_parser: parses the command line (absl's own when None).
  """
  sys.modules['__main__'].__doc__ = usage
  define_flags()
  if flags_parser is None:
    app.run(main)
  else:
    app.run(main, flags_parser=flags_parser)
