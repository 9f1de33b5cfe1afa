"""Tests for the learning-rate schedules."""

from absl.testing import absltest
import numpy as np

from kinetics_i3d.training import schedules


def _rates(schedule, steps):
  return [float(schedule(s)) for s in steps]


class SchedulesTest(absltest.TestCase):

  def test_rgb_schedule_of_the_paper(self):
    np.testing.assert_allclose(
        _rates(schedules.make('rgb'),
               [0, 96_999, 97_000, 107_999, 108_000, 114_999]),
        [0.1, 0.1, 0.01, 0.01, 0.001, 0.001], rtol=1e-6)

  def test_flow_schedule_of_the_paper(self):
    np.testing.assert_allclose(
        _rates(schedules.make('flow'),
               [0, 97_000, 104_499, 104_500, 114_999, 115_000, 139_999,
                140_000, 150_000, 154_999]),
        [0.1, 0.01, 0.01, 0.001, 0.001, 0.1, 0.1, 0.01, 0.001, 0.001],
        rtol=1e-6)

  def test_fine_tuning_schedules(self):
    self.assertEqual(_rates(schedules.make('constant', 0.003), [0, 10**6]),
                     [np.float32(0.003)] * 2)
    cosine = schedules.make('cosine', 0.01, train_steps=100)
    np.testing.assert_allclose(_rates(cosine, [0, 50, 100, 200]),
                               [0.01, 0.005, 0.0, 0.0], atol=1e-8)
    custom = schedules.make('piecewise', boundaries=[10, 20],
                            values=[1.0, 0.5, 0.25])
    self.assertEqual(_rates(custom, [9, 10, 19, 20]), [1.0, 0.5, 0.5, 0.25])

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, 'one more value'):
      schedules.make('piecewise', boundaries=[1], values=[1.0])
    with self.assertRaisesRegex(ValueError, 'unknown schedule'):
      schedules.make('linear')


if __name__ == '__main__':
  absltest.main()
