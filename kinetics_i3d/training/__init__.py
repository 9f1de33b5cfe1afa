"""Training and evaluation: the training loop on tf.distribute, learning-rate
schedules, and accuracy over a data set.
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'Trainer': 'kinetics_i3d.training.trainer:Trainer',
    'TrainConfig': 'kinetics_i3d.training.trainer:TrainConfig',
    'make_strategy': 'kinetics_i3d.training.trainer:make_strategy',
    'evaluation': 'kinetics_i3d.training.evaluation',
    'schedules': 'kinetics_i3d.training.schedules',
    'trainer': 'kinetics_i3d.training.trainer',
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS)
