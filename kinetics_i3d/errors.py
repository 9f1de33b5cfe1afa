"""Errors caused by what a user gave: files, shapes, flags.

Scripts report them as one line and a non-zero exit, without a traceback
(see `kinetics_i3d.cli`).
"""

from typing import Mapping, TypeVar

T = TypeVar('T')


class InputError(Exception):
  """A user-supplied input cannot be used; the message says why and how."""


class MissingFileError(InputError, FileNotFoundError):
  """A file the user must provide does not exist."""


class ExistingOutputError(InputError, FileExistsError):
  """An output would overwrite an existing file."""


def named(table: Mapping[str, T], name: str, kind: str) -> T:
  """`table[name]`, for names a user gives (a preset, a protocol).

  Raises:
    InputError: there is no such name; the message lists the names.
  """
  if name not in table:
    raise InputError(f'unknown {kind} {name!r}: the {kind}s are '
                     f'{", ".join(table)}')
  return table[name]
