"""I3D beyond the model: weights, video, inference, features, FVD, training.

`kinetics_i3d.pretrained` gives the released models in one line; the
sub-packages hold one module per job (see the Layout section of README.md).

Importing the package sets two TensorFlow settings that are read when
TensorFlow itself is first imported, unless the user has set them:
`TF_CPP_MIN_LOG_LEVEL=1` (no C++ INFO lines at start-up) and
`TF_ENABLE_ONEDNN_OPTS=1` (oneDNN's kernels, which TensorFlow otherwise turns
on only on CPUs with AVX-512 VNNI, bfloat16 or AMX; on AVX2-only CPUs they run
the network about 2.4x faster than Eigen's). Code that imports TensorFlow
before this package must set `TF_ENABLE_ONEDNN_OPTS=1` itself.
"""

import os

__version__ = '0.2.0'

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '1')
os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '1')
