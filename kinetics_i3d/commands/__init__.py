"""The command-line tools, one module each, installed as `i3d-*` scripts.

Each module defines its absl flags in `define_flags()` and runs through
`run()` (the console script's entry point), so importing one defines nothing:
any of them can be imported beside another. The scripts at the repository's
root (`evaluate_sample.py`, `classify_video.py`, ...) only call `run()`.
"""

from __future__ import annotations
