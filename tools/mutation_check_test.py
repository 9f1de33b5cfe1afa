"""The planted bugs still apply to the code and name tests that exist."""

import os
import re

from absl.testing import absltest

from kinetics_i3d.testing import repo_paths
from tools import mutation_check


class MutationsTest(absltest.TestCase):

  def test_every_mutation_applies_once(self):
    for mutation in mutation_check.MUTATIONS:
      with open(os.path.join(repo_paths.ROOT, mutation.path)) as f:
        text = f.read()
      self.assertNotEqual(mutation_check.apply(mutation, text), text)

  def test_every_named_test_exists(self):
    for mutation in mutation_check.MUTATIONS:
      for selector in mutation.tests:
        path, *names = selector.split('::')
        with open(os.path.join(repo_paths.ROOT, path)) as f:
          text = f.read()
        for name in names:
          self.assertRegex(text, rf'(class|def) {re.escape(name)}\b',
                           selector)

  def test_names_are_unique(self):
    names = [m.name for m in mutation_check.MUTATIONS]
    self.assertEqual(len(names), len(set(names)))

  def test_refuses_text_found_twice(self):
    mutation = mutation_check.MUTATIONS[0]
    with self.assertRaisesRegex(ValueError, 'occurs 2 times'):
      mutation_check.apply(mutation, mutation.old * 2)


if __name__ == '__main__':
  absltest.main()
