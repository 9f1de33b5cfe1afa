"""The project's version, in a module of its own so that any layer can read
it without importing the package's root."""

__version__ = '0.3.0'
