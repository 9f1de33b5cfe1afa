"""Data on disk: `.npy` samples, label maps, manifests, batch preprocessing
into `.npy` files, shards of clips and the tf.data pipelines that training
and evaluation read.

  datasets.kinetics_classes(400)          # class names in logit order (or 600)
  clips = datasets.load_clips('ucf101/train', 'rgb')   # shards, .npy folders, CSV
  data = datasets.dataset(clips, 'rgb', batch_size=6, num_frames=64,
                          training=True)              # tf.data of batches
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'kinetics_classes': 'label_maps:kinetics',
    'read_label_map': 'label_maps:read_label_map',
    'load_sample': 'samples:load_sample',
    'load_clips': 'training_data:load',
    'ClipList': 'training_data:ClipList',
    'dataset': 'training_data:dataset',
    'shard_files': 'shards:shard_files',
    'load_manifest': 'manifests:load',
}
_SUBMODULES = ('label_maps', 'manifests', 'samples', 'sequence_examples',
               'shards', 'training_data')
__all__, __getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS,
                                               _SUBMODULES)
