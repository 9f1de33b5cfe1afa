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


class ArrayError(InputError, ValueError):
  """An array handed to the library does not fit what it takes (dtype,
  layout, size or range); the message names what was given and the fix.

  Also a `ValueError`, which the array checks raised before they had a
  class of their own.
  """
  # Exception's own constructor, so that AutoGraph re-raises one raised as
  # a `tf.function` is traced as an ArrayError (it keeps only exception
  # types with that constructor), not as its StagingError.
  __init__ = Exception.__init__


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
