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
    'kinetics_classes': 'kinetics_i3d.datasets.label_maps:kinetics',
    'read_label_map': 'kinetics_i3d.datasets.label_maps:read_label_map',
    'load_sample': 'kinetics_i3d.datasets.samples:load_sample',
    'load_clips': 'kinetics_i3d.datasets.training_data:load',
    'ClipList': 'kinetics_i3d.datasets.training_data:ClipList',
    'dataset': 'kinetics_i3d.datasets.training_data:dataset',
    'shard_files': 'kinetics_i3d.datasets.shards:shard_files',
    'load_manifest': 'kinetics_i3d.datasets.manifests:load',
    'label_maps': 'kinetics_i3d.datasets.label_maps',
    'manifests': 'kinetics_i3d.datasets.manifests',
    'samples': 'kinetics_i3d.datasets.samples',
    'sequence_examples': 'kinetics_i3d.datasets.sequence_examples',
    'shards': 'kinetics_i3d.datasets.shards',
    'training_data': 'kinetics_i3d.datasets.training_data',
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS)
