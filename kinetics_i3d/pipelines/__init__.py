"""Apache Beam pipelines over corpora of videos (the `beam` extra).

`prepare`: a manifest of videos to sharded TFRecords of JPEG frames and
quantised flow (MediaPipe's Kinetics layout), on any Beam runner.
`features`: I3D features of every clip of a manifest or of shards, as
TFRecords of `tf.train.Example`s (`read_features` reads one).
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'PrepareClips': 'kinetics_i3d.pipelines.prepare:PrepareClips',
    'ExtractFeatures': 'kinetics_i3d.pipelines.features:ExtractFeatures',
    'read_features': 'kinetics_i3d.pipelines.features:read_features',
    'features': 'kinetics_i3d.pipelines.features',
    'prepare': 'kinetics_i3d.pipelines.prepare',
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS)
