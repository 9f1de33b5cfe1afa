"""A folder served over HTTP on the loopback interface, for download tests."""

import functools
import http.server
import threading


class _QuietHandler(http.server.SimpleHTTPRequestHandler):

  def log_message(self, *args):
    pass


class LocalServer:
  """Serves `directory` on a free port of 127.0.0.1 until `close`.

  Attributes:
    url: the server's address, ending with '/'.
  """

  def __init__(self, directory: str):
    handler = functools.partial(_QuietHandler, directory=directory)
    self._httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    self.url = f'http://127.0.0.1:{self._httpd.server_address[1]}/'
    threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

  def close(self) -> None:
    self._httpd.shutdown()
    self._httpd.server_close()
