"""pytest set-up: absl flags are parsed (with their defaults) for absltest."""

from absl import flags

flags.FLAGS.mark_as_parsed()
