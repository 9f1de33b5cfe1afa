"""The network's weights and how it runs: the model, checkpoints in the
original format, the released weights and where they are found, folded
inference, precision, SavedModel export and ImageNet inflation.

`kinetics_i3d.pretrained.load` is the one path from a weights name to a
restored network; `restore` and `save` read and write any model's variables
in the release's layouts.
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'InceptionI3d': 'kinetics_i3d.models.i3d:InceptionI3d',
    'VALID_ENDPOINTS': 'kinetics_i3d.models.i3d:VALID_ENDPOINTS',
    'restore': 'kinetics_i3d.models.checkpoints:restore',
    'save': 'kinetics_i3d.models.checkpoints:save',
    'CheckpointError': 'kinetics_i3d.models.checkpoints:CheckpointError',
    'FoldedI3D': 'kinetics_i3d.models.inference:FoldedI3D',
    'Weights': 'kinetics_i3d.models.weights:Weights',
    'WEIGHTS': 'kinetics_i3d.models.weights:WEIGHTS',
    'checkpoints': 'kinetics_i3d.models.checkpoints',
    'export': 'kinetics_i3d.models.export',
    'i3d': 'kinetics_i3d.models.i3d',
    'inference': 'kinetics_i3d.models.inference',
    'inflation': 'kinetics_i3d.models.inflation',
    'locations': 'kinetics_i3d.models.locations',
    'precision': 'kinetics_i3d.models.precision',
    'streams': 'kinetics_i3d.models.streams',
    'weights': 'kinetics_i3d.models.weights',
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS)
