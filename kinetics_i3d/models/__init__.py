"""The network's weights and how it runs: the model, checkpoints in the
original format, the released weights and where they are found, folded
inference, the arithmetic measured per machine, SavedModel export and
ImageNet inflation.

`kinetics_i3d.pretrained.load` is the one path from a weights name to a
restored network; `restore` and `save` read and write any model's variables
in the release's layouts.
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'InceptionI3d': 'i3d:InceptionI3d',
    'VALID_ENDPOINTS': 'i3d:VALID_ENDPOINTS',
    'restore': 'checkpoints:restore',
    'save': 'checkpoints:save',
    'CheckpointError': 'checkpoints:CheckpointError',
    'FoldedI3D': 'inference:FoldedI3D',
    'Weights': 'weights:Weights',
    'WEIGHTS': 'weights:WEIGHTS',
}
_SUBMODULES = ('calibration', 'checkpoints', 'endpoints', 'export', 'i3d',
               'inference', 'inflation', 'locations', 'precision', 'streams',
               'weights')
__all__, __getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS,
                                               _SUBMODULES)
