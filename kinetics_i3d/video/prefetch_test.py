"""Tests of making chunks in a thread ahead of their consumer."""

import threading

from absl.testing import absltest

from kinetics_i3d import errors
from kinetics_i3d.video import prefetch


class AheadTest(absltest.TestCase):

  def test_items_in_order_made_beside_the_consumer(self):
    made = []
    second_made = threading.Event()

    def items():
      for i in range(4):
        made.append(i)
        if i == 1:
          second_made.set()
        yield i

    consumed = []
    for item in prefetch.ahead(items(), depth=1):
      if item == 0:
        # While the consumer holds item 0 ("runs the network"), item 1 is
        # made; made only on demand, this would wait in vain.
        self.assertTrue(second_made.wait(10))
      # Never more than `depth` waiting, plus one the producer holds.
      self.assertLessEqual(len(made), item + 3)
      consumed.append(item)
    self.assertEqual(consumed, [0, 1, 2, 3])

  def test_an_error_comes_after_the_items_made_before_it(self):
    def failing():
      yield 'a'
      yield 'b'
      raise errors.InputError('decoding failed at 2.00 s')

    got = []
    with self.assertRaisesRegex(errors.InputError, 'failed at 2.00 s'):
      for item in prefetch.ahead(failing()):
        got.append(item)
    self.assertEqual(got, ['a', 'b'])

  def test_stopping_early_stops_and_closes_the_producer(self):
    closed = threading.Event()

    def endless():
      try:
        i = 0
        while True:
          yield i
          i += 1
      finally:
        closed.set()

    items = prefetch.ahead(endless(), depth=2)
    self.assertEqual([next(items) for _ in range(3)], [0, 1, 2])
    items.close()
    self.assertTrue(closed.wait(5))
    self.assertEqual(
        [t for t in threading.enumerate() if t.name == 'prefetch'], [])


if __name__ == '__main__':
  absltest.main()
