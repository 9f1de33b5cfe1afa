"""The next chunks of a video made beside the network, not before it.

`ahead(chunks)` runs the chunk generator (decoding, resizing, cropping,
TV-L1 flow) in a thread a few chunks ahead of its consumer (the network).
TensorFlow, PyAV and OpenCV release the GIL while they compute, so the
network's convolutions and the next chunk's decoding and flow overlap on the
machine's cores, and the network does not wait for its inputs. Memory stays
bounded: at most `depth` chunks wait. An error in the producer (a video that
stops decoding part-way) reaches the consumer at the point it happened, after
the chunks made before it; a consumer that stops early stops the producer.
"""

import queue
import threading
from typing import Iterable, Iterator, TypeVar

_Item = TypeVar('_Item')
_DONE = object()
_POLL_SECONDS = 0.1


def ahead(items: Iterable[_Item], depth: int = 1) -> Iterator[_Item]:
  """Yields `items`, made in a thread up to `depth` ahead of the caller.

  Args:
    items: an iterable whose iteration does the work (`stream_video`).
    depth: items made ahead of the one the caller has.

  Yields:
    The items, in order.

  Raises:
    Exception: whatever iterating `items` raised, once the items before it
      are yielded.
  """
  waiting: 'queue.Queue' = queue.Queue(maxsize=depth)
  stop = threading.Event()

  def put(entry) -> bool:
    while not stop.is_set():
      try:
        waiting.put(entry, timeout=_POLL_SECONDS)
        return True
      except queue.Full:
        continue
    return False

  def produce() -> None:
    iterator = iter(items)
    try:
      for item in iterator:
        if not put((item, None)):
          break
      else:
        put((_DONE, None))
    except BaseException as error:  # pylint: disable=broad-except
      put((_DONE, error))
    finally:
      close = getattr(iterator, 'close', None)
      if close is not None:
        close()

  producer = threading.Thread(target=produce, name='prefetch', daemon=True)
  producer.start()
  try:
    while True:
      item, error = waiting.get()
      if error is not None:
        raise error
      if item is _DONE:
        return
      yield item
  finally:
    stop.set()
    producer.join()
