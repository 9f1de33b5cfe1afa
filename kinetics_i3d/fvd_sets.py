"""Deprecated: moved to `kinetics_i3d.fvd.sets`; this name goes in 0.4."""

import sys

from kinetics_i3d import _exports

sys.modules[__name__] = _exports.moved_module(__name__, 'kinetics_i3d.fvd.sets')
