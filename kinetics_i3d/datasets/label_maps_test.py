"""Tests for the label maps."""

import os
import zipfile

from absl.testing import absltest

from kinetics_i3d import errors
from kinetics_i3d.datasets import label_maps
from kinetics_i3d.testing import repo_paths


class ShippedLabelMapTest(absltest.TestCase):

  def test_400_distinct_classes(self):
    names = label_maps.kinetics400()
    self.assertEqual(names, label_maps.read_label_map(repo_paths.LABEL_MAP,
                                                      400))
    self.assertLen(set(names), 400)
    self.assertEqual(names[0], 'abseiling')
    self.assertEqual(names[-1], 'zumba')

  def test_same_order_as_original_release(self):
    original = repo_paths.original_release_file('label_map.txt')
    if original is None:
      self.skipTest('../shared/reference/original-release is absent')
    self.assertEqual(label_maps.kinetics400(),
                     label_maps.read_label_map(original, 400))


class ReadTest(absltest.TestCase):

  def test_missing(self):
    with self.assertRaisesRegex(
        errors.MissingFileError,
        'no label map at .*i3d-fetch --source=original'):
      label_maps.read_label_map('/nonexistent/label_map_600.txt', 600)

  def test_wrong_count(self):
    path = self.create_tempfile(content='a\nb\n').full_path
    with self.assertRaisesRegex(errors.InputError, 'lists 2 classes; the '
                                'model has 400'):
      label_maps.read_label_map(path, 400)


class TorchvisionTest(absltest.TestCase):

  def _wheel(self, source):
    path = os.path.join(self.create_tempdir().full_path, 'tv.whl')
    with zipfile.ZipFile(path, 'w') as wheel:
      wheel.writestr(label_maps.TORCHVISION_META, source)
    return path

  def test_reads_the_literal_without_running_it(self):
    names = [f'class {i}' for i in range(400)]
    source = ('import os\nos.system("false")\n'
              f'_KINETICS400_CATEGORIES = {names!r}\n')
    self.assertEqual(
        label_maps.kinetics400_from_torchvision_wheel(self._wheel(source)),
        names)

  def test_no_list(self):
    with self.assertRaisesRegex(errors.InputError, 'no list of 400'):
      label_maps.kinetics400_from_torchvision_wheel(self._wheel('x = 1\n'))


if __name__ == '__main__':
  absltest.main()
