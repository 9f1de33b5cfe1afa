"""Errors caused by what a user gave: files, shapes, flags.

Scripts report them as one line and a non-zero exit, without a traceback
(see `kinetics_i3d.cli`).
"""


class InputError(Exception):
  """A user-supplied input cannot be used; the message says why and how."""


class MissingFileError(InputError, FileNotFoundError):
  """A file the user must provide does not exist."""


class ExistingOutputError(InputError, FileExistsError):
  """An output would overwrite an existing file."""
