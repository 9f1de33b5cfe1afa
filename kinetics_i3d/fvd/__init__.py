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
    'Embedder': 'metric:Embedder',
    'embed': 'metric:embed',
    'preprocess': 'metric:preprocess',
    'Statistics': 'metric:Statistics',
    'frechet_distance': 'metric:frechet_distance',
    'frechet_distance_from_statistics':
        'metric:frechet_distance_from_statistics',
    'kernel_distance': 'metric:kernel_distance',
    'distances': 'metric:distances',
    'Protocol': 'protocols:Protocol',
    'PROTOCOLS': 'protocols:PROTOCOLS',
    'open_set': 'sets:open_set',
    'array_source': 'sets:array_source',
    'embed_set': 'sets:embed_set',
    'statistics_of_clips': 'sets:statistics_of_clips',
    'SetStatistics': 'sets:SetStatistics',
    'save_statistics': 'sets:save_statistics',
    'Distances': 'sets:Distances',
}
_SUBMODULES = ('metric', 'protocols', 'sets')
__all__, __getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS,
                                               _SUBMODULES)
