"""Flags that several commands share, defined the same way in each."""

from absl import flags

from kinetics_i3d.models import precision


def define_checkpoint_flags() -> None:
  """Defines --checkpoint_dir and --imagenet_pretrained."""
  flags.DEFINE_string(
      'checkpoint_dir', None,
      'Folder of the released checkpoint folders (rgb_imagenet, '
      'flow_imagenet, rgb_scratch, flow_scratch, rgb_scratch_kin600, each '
      'with model.ckpt); default: data/checkpoints where it holds the '
      'checkpoint, else the user cache, filled on first use.')
  flags.DEFINE_boolean(
      'imagenet_pretrained', True,
      'Use the checkpoints trained from ImageNet-inflated weights '
      '(rgb_imagenet, flow_imagenet) rather than from scratch.')


def define_precision_flag(what: str = 'the forward pass') -> None:
  """Defines --precision."""
  flags.DEFINE_enum(
      'precision', 'float32', list(precision.PRECISIONS),
      f'Arithmetic of {what}; bfloat16 runs only where the CPU or GPU has '
      'bfloat16 arithmetic (AVX512_BF16, AMX, compute capability 8.0+), '
      'float32 elsewhere.')
