"""Tests for the evaluate_sample.py report."""

from absl.testing import absltest
import numpy as np

from kinetics_i3d import report


class ReportTest(absltest.TestCase):

  def test_original_format(self):
    logits = np.array([1.0, 41.813675, 21.493977, 3.5], np.float32)
    names = ['a', 'playing cricket', 'hurling (sport)', 'b c']
    text = report.format_report(logits, names, top_k=3)
    # Computed independently in float64: softmax and norm.
    p = np.exp(logits.astype(np.float64) - 41.813675)
    p /= p.sum()
    self.assertEqual(
        text.splitlines()[:3],
        ['Norm of logits: %f' % np.sqrt(np.sum(logits.astype(np.float64)**2)),
         '', 'Top classes and probabilities'])
    lines = text.splitlines()[3:]
    self.assertLen(lines, 3)
    self.assertEqual(lines[0], '1.0 41.813675 playing cricket')
    probability, logit, name = lines[1].split(' ', 2)
    self.assertEqual((logit, name), ('21.493977', 'hurling (sport)'))
    self.assertAlmostEqual(float(probability) / p[2], 1.0, places=5)
    self.assertRegex(probability, r'^\d\.\d+e-09$')
    self.assertTrue(lines[2].endswith(' 3.5 b c'))
    self.assertTrue(text.endswith('\n'))

  def test_top_classes(self):
    top = report.top_classes(np.array([0.0, 2.0, 1.0]), ['x', 'y', 'z'], 2)
    self.assertEqual([t['class'] for t in top], ['y', 'z'])


if __name__ == '__main__':
  absltest.main()
