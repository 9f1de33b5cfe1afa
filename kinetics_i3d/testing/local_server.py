"""A folder served over HTTP on the loopback interface, for download tests."""

import functools
import http.server
import threading
import time
from typing import List


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
  """Serves files, records each requested path, logs nothing."""

  def do_GET(self):
    self.server.requested.append(self.path)
    time.sleep(self.server.delay)
    super().do_GET()

  def log_message(self, *args):
    pass


class LocalServer:
  """Serves `directory` on a free port of 127.0.0.1 until `close`.

  Attributes:
    url: the server's address, ending with '/'.
  """

  def __init__(self, directory: str, delay: float = 0.0):
    """Starts serving.

    Args:
      directory: the folder to serve.
      delay: seconds to wait before answering each request (a slow network).
    """
    handler = functools.partial(_QuietHandler, directory=directory)
    self._httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    self._httpd.requested = []
    self._httpd.delay = delay
    self.url = f'http://127.0.0.1:{self._httpd.server_address[1]}/'
    threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

  @property
  def requested(self) -> List[str]:
    """The paths asked for so far, in order."""
    return list(self._httpd.requested)

  def close(self) -> None:
    self._httpd.shutdown()
    self._httpd.server_close()
