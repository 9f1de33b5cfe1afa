"""pytest set-up for the whole suite.

absl flags are parsed (with their defaults) for absltest. The tests, and the
scripts they run, get an empty user cache of their own and a release address
where nothing answers, so no test reads a developer's cache or downloads the
release; tests of fetching set their own.
"""

import os
import tempfile

from absl import flags

flags.FLAGS.mark_as_parsed()

_CACHE = tempfile.TemporaryDirectory(prefix='kinetics_i3d_cache_')
os.environ['KINETICS_I3D_HOME'] = _CACHE.name
os.environ['KINETICS_I3D_RELEASE_URL'] = 'http://127.0.0.1:9/'  # Discard port.
