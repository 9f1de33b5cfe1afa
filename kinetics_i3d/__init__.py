"""Everything beyond the model: checkpoints, video, inference, training.

One module per job; see the Layout section of README.md.
"""

import os

# TensorFlow's C++ runtime prints INFO lines at start-up (CPU features, oneDNN)
# that read like problems to a new user: hide them unless the user has chosen a
# level. The scripts import this package before TensorFlow, so it takes effect.
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '1')
