"""Training and evaluation: the training loop on tf.distribute, learning-rate
schedules, and accuracy over a data set.
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'Trainer': 'trainer:Trainer',
    'TrainConfig': 'trainer:TrainConfig',
    'make_strategy': 'trainer:make_strategy',
}
_SUBMODULES = ('config', 'evaluation', 'schedules', 'trainer')
__all__, __getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS,
                                               _SUBMODULES)
