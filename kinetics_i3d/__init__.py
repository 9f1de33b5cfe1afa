"""I3D beyond the model: weights, video, inference, features, FVD, training.

The public API is what `__all__` lists here and in each sub-package; every
other name may change between releases. Names are imported when first used,
so `import kinetics_i3d` is cheap:

  import kinetics_i3d
  model = kinetics_i3d.pretrained.load('rgb_imagenet')    # a restored network
  run = kinetics_i3d.Predictor(['rgb_imagenet', 'flow_imagenet'])
  kinetics_i3d.video_features('video.mp4')                # window features
  kinetics_i3d.fvd.Embedder(), kinetics_i3d.fvd.frechet_distance(a, b)
  kinetics_i3d.video.decode(path, transform), kinetics_i3d.video.TVL1()
  kinetics_i3d.datasets.kinetics_classes(600)

Importing the package sets two TensorFlow settings that are read when
TensorFlow itself is first imported, unless the user has set them:
`TF_CPP_MIN_LOG_LEVEL=1` (no C++ INFO lines at start-up) and
`TF_ENABLE_ONEDNN_OPTS=1` (oneDNN's kernels, which TensorFlow otherwise turns
on only on CPUs with AVX-512 VNNI, bfloat16 or AMX; on AVX2-only CPUs they run
the network about 2.4x faster than Eigen's). Code that imports TensorFlow
before this package must set `TF_ENABLE_ONEDNN_OPTS=1` itself.
"""

import os

from kinetics_i3d import _exports
from kinetics_i3d.version import __version__

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '1')
os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '1')

_EXPORTS = {
    'InceptionI3d': 'models.i3d:InceptionI3d',
    'VALID_ENDPOINTS': 'models.i3d:VALID_ENDPOINTS',
    'InputError': 'errors:InputError',
    'ArrayError': 'errors:ArrayError',
    'Predictor': 'pretrained:Predictor',
    'video_features': 'features:video_features',
}
_SUBMODULES = ('arrays', 'datasets', 'features', 'fvd', 'int8', 'models',
               'pipelines', 'pretrained', 'training', 'video')
__all__, __getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS,
                                               _SUBMODULES)
__all__ = ['__version__'] + __all__
