"""Apache Beam pipelines over corpora of videos (the `beam` extra).

`prepare`: a manifest of videos to sharded TFRecords of JPEG frames and
quantised flow (MediaPipe's Kinetics layout), on any Beam runner.
`features`: I3D features of every clip of a manifest or of shards, as
TFRecords of `tf.train.Example`s (`read_features` reads one).
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'PrepareClips': 'prepare:PrepareClips',
    'ExtractFeatures': 'features:ExtractFeatures',
    'read_features': 'features:read_features',
}
_SUBMODULES = ('features', 'prepare')
__all__, __getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS,
                                               _SUBMODULES)
