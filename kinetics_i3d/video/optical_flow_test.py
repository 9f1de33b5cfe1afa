"""Tests of the flow backends' choice (the flow itself: preprocessing_test,
tvl1_tensorflow_test)."""

import subprocess
import sys
import textwrap
from unittest import mock

from absl.testing import absltest

from kinetics_i3d.video import optical_flow

# Prints the backend `auto` stands for, and whether TensorFlow got imported.
_RESOLVE = textwrap.dedent("""
    import sys
    from kinetics_i3d.video import optical_flow
    optical_flow.GPU_DRIVER_FILES = (sys.argv[1],)
    print(optical_flow.resolve_backend('auto'), 'tensorflow' in sys.modules)
    """)


def _resolve_auto(driver_file: str):
  """`auto`'s backend in a fresh process where the GPU driver's files are
  `driver_file`; and whether it imported TensorFlow."""
  result = subprocess.run([sys.executable, '-c', _RESOLVE, driver_file],
                          capture_output=True, text=True, check=True)
  backend, imported = result.stdout.split()
  return backend, imported == 'True'


class ResolveBackendTest(absltest.TestCase):

  def test_auto_without_a_gpu_driver_is_opencv_without_tensorflow(self):
    self.assertEqual(_resolve_auto('/nonexistent/driver'), ('opencv', False))

  def test_a_driver_is_seen_by_its_files(self):
    # On Linux; elsewhere TensorFlow is always asked.
    for files, loaded in (((__file__,), True),
                          (('/nonexistent/*', '/nonexistent/kfd'), False)):
      with mock.patch.object(optical_flow, 'GPU_DRIVER_FILES', files):
        self.assertEqual(optical_flow._gpu_driver_loaded(), loaded)

  def test_auto_once_tensorflow_is_imported_asks_it(self):
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    with mock.patch.object(optical_flow, 'GPU_DRIVER_FILES', ()):
      self.assertEqual(optical_flow.resolve_backend('auto'),
                       'tensorflow' if tf.config.list_physical_devices('GPU')
                       else 'opencv')

  def test_named_backends_and_unknown_ones(self):
    self.assertEqual(optical_flow.resolve_backend('opencv'), 'opencv')
    self.assertEqual(optical_flow.resolve_backend('tensorflow'), 'tensorflow')
    with self.assertRaisesRegex(ValueError, "unknown flow backend 'cuda'"):
      optical_flow.resolve_backend('cuda')


if __name__ == '__main__':
  absltest.main()
