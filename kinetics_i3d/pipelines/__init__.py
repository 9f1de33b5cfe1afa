"""Apache Beam pipelines over corpora of videos (the `beam` extra).

`prepare`: a manifest of videos to sharded TFRecords of JPEG frames and
quantised flow (MediaPipe's Kinetics layout), on any Beam runner.
`features`: I3D features of every clip of a manifest or of shards, as
TFRecords of `tf.train.Example`s (`read_features` reads one) and an index of
the clips (`read_index`). Both run on any Beam runner, Beam's DaskRunner
included (`runner`, the `beam-dask` extra); `sharded` and `files` are the
steps and file writing they share.
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'PrepareClips': 'prepare:PrepareClips',
    'FeatureShards': 'features:FeatureShards',
    'ExtractFeatures': 'features:ExtractFeatures',
    'read_features': 'features:read_features',
    'read_index': 'features:read_index',
}
_SUBMODULES = ('features', 'prepare')
__all__, __getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS,
                                               _SUBMODULES)
