"""Fréchet Video Distance: the reference's embedding and distances (`metric`),
the protocols papers use to choose their clips (`protocols`), and the sets
compared, with their statistics and provenance (`sets`).

  embedder = fvd.Embedder()                       # rgb_imagenet from the cache
  fvd.frechet_distance(fvd.embed(real), fvd.embed(fake))   # uint8 videos
  a = fvd.embed_set(fvd.open_set('real/'), fvd.PROTOCOLS['fvd2048_16f'], embedder)
  fvd.sets.distances(a, b).summary()              # FVD and KVD per seed

The metric's names are those of the earlier `kinetics_i3d.fvd` module (so
`fvd.distances` is still `metric.distances`, of two `Statistics`);
`kinetics_i3d.fvd_sets` moved here as `kinetics_i3d.fvd.sets`.
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'Embedder': 'kinetics_i3d.fvd.metric:Embedder',
    'embed': 'kinetics_i3d.fvd.metric:embed',
    'preprocess': 'kinetics_i3d.fvd.metric:preprocess',
    'Statistics': 'kinetics_i3d.fvd.metric:Statistics',
    'frechet_distance': 'kinetics_i3d.fvd.metric:frechet_distance',
    'frechet_distance_from_statistics':
        'kinetics_i3d.fvd.metric:frechet_distance_from_statistics',
    'kernel_distance': 'kinetics_i3d.fvd.metric:kernel_distance',
    'distances': 'kinetics_i3d.fvd.metric:distances',
    'Protocol': 'kinetics_i3d.fvd.protocols:Protocol',
    'PROTOCOLS': 'kinetics_i3d.fvd.protocols:PROTOCOLS',
    'open_set': 'kinetics_i3d.fvd.sets:open_set',
    'array_source': 'kinetics_i3d.fvd.sets:array_source',
    'embed_set': 'kinetics_i3d.fvd.sets:embed_set',
    'statistics_of_clips': 'kinetics_i3d.fvd.sets:statistics_of_clips',
    'SetStatistics': 'kinetics_i3d.fvd.sets:SetStatistics',
    'save_statistics': 'kinetics_i3d.fvd.sets:save_statistics',
    'Distances': 'kinetics_i3d.fvd.sets:Distances',
    'metric': 'kinetics_i3d.fvd.metric',
    'protocols': 'kinetics_i3d.fvd.protocols',
    'sets': 'kinetics_i3d.fvd.sets',
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS)
