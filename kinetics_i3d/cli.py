"""Running absl scripts that report user errors as one line."""

import functools
import sys
from typing import Callable, Sequence

from kinetics_i3d import errors


def reports_input_errors(
    main: Callable[[Sequence[str]], None]) -> Callable[[Sequence[str]], None]:
  """Wraps an absl `main` so that an `InputError` exits with one line.

  Args:
    main: the script's main function.

  Returns:
    A main function that prints `error: <message>` to stderr and exits with
    status 1 on an `InputError`, and otherwise behaves as `main`.
  """

  @functools.wraps(main)
  def wrapped(argv: Sequence[str]) -> None:
    try:
      main(argv)
    except errors.InputError as error:
      print(f'error: {error}', file=sys.stderr)
      sys.exit(1)

  return wrapped
