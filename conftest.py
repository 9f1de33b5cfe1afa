"""pytest set-up for the whole suite.

`kinetics_i3d` is imported before any test module, so that its TensorFlow
settings (oneDNN's kernels on every CPU) hold for test modules that import
TensorFlow before it. absl flags are parsed (with their defaults) for
absltest. The tests, and the scripts they run, get an empty user cache of
their own and a release address where nothing answers, so no test reads a
developer's cache or downloads the release; tests of fetching set their own.
"""

import os
import tempfile

from absl import flags

# TensorFlow imports all of Keras 3 as it starts (2 to 3 s of each of the
# suite's TensorFlow processes here, most of it scikit-learn and matplotlib,
# which Keras imports because they are installed). Nothing in the project
# uses Keras: with TF_USE_LEGACY_KERAS set and no tf_keras installed,
# TensorFlow skips that import, in the tests and the scripts they run (any
# use of tf.keras would then fail them). setup_test's installed-wheel runs
# start TensorFlow as users do, with Keras.
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

import kinetics_i3d  # pylint: disable=unused-import,g-import-not-at-top

flags.FLAGS.mark_as_parsed()

if 'PYTEST_XDIST_WORKER' in os.environ:
  # One test process per core: one TensorFlow thread each, and one OpenCV
  # thread (TV-L1 on two threads took a fifth more processor time), rather
  # than each process's threads contending for every core.
  os.environ.setdefault('TF_NUM_INTRAOP_THREADS', '1')
  os.environ.setdefault('TF_NUM_INTEROP_THREADS', '1')
  os.environ.setdefault('OPENCV_FOR_THREADS_NUM', '1')

_CACHE = tempfile.TemporaryDirectory(prefix='kinetics_i3d_cache_')
os.environ['KINETICS_I3D_HOME'] = _CACHE.name
os.environ['KINETICS_I3D_RELEASE_URL'] = 'http://127.0.0.1:9/'  # Discard port.

# The longest test classes first: pytest-xdist hands classes out in the order
# they are collected, so both processes then finish about together rather
# than one waiting for the other's last long class.
_LONGEST_FIRST = (
    'evaluate_sample_test.py', 'prepare_dataset_test.py', 'fvd_test.py',
    'kinetics_i3d/pipelines/features_test.py', 'classify_video_test.py',
    'evaluate_test.py', 'kinetics_i3d/int8/quantize_test.py',
    'kinetics_i3d/models/inference_test.py', 'export_saved_model_test.py',
    'kinetics_i3d/timeline_test.py', 'extract_features_test.py',
    'kinetics_i3d/features_test.py', 'setup_test.py',
    'preprocess_video_test.py', 'kinetics_i3d/training/trainer_test.py')


def pytest_collection_modifyitems(items):
  def rank(item):
    path = item.nodeid.split('::')[0]
    return (_LONGEST_FIRST.index(path) if path in _LONGEST_FIRST else
            len(_LONGEST_FIRST))
  items.sort(key=rank)
