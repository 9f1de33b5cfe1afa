"""Flags that several commands share, defined the same way in each."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from absl import flags

from kinetics_i3d import errors
from kinetics_i3d import feature_protocols
from kinetics_i3d.models import precision
from kinetics_i3d.models import streams
from kinetics_i3d.video import display
from kinetics_i3d.video import optical_flow

# The flags a feature preset sets.
_PRESET_FLAGS = ('eval_type', 'fps', 'window', 'stride', 'center_windows',
                 'crops', 'imagenet_pretrained')


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


def define_flow_backend_flag() -> None:
  """Defines --flow_backend."""
  flags.DEFINE_enum(
      'flow_backend', 'auto', optical_flow.BACKENDS,
      'TV-L1 optical flow by opencv (processes on the CPU cores) or '
      'tensorflow (batched, on a GPU when visible); auto: tensorflow with a '
      'GPU, else opencv.')


def define_color_matrix_flag() -> None:
  """Defines --color_matrix."""
  flags.DEFINE_enum(
      'color_matrix', display.DEFAULT_COLOR_MATRIX,
      list(display.COLOR_MATRICES),
      'YUV to RGB: bt601 for every video, as the released models\' '
      'preprocessing converted (OpenCV through FFmpeg), or tagged: the '
      'matrix and range each video is tagged with (BT.709 for HD video), as '
      'players show it.')


def define_eval_type_flag(default: str, help_text: str,
                          rgb600: bool = False) -> None:
  """Defines --eval_type, the streams a command runs (`streams.EVAL_TYPES`;
  'rgb600', the Kinetics-600 RGB model, only where `rgb600`)."""
  choices = [t for t in streams.EVAL_TYPES if rgb600 or t != 'rgb600']
  flags.DEFINE_enum('eval_type', default, choices, help_text)


def define_precision_flag(what: str = 'the forward pass') -> None:
  """Defines --precision."""
  flags.DEFINE_enum(
      'precision', 'float32', list(precision.PRECISIONS),
      f'Arithmetic of {what}. bfloat16 runs where the CPU or GPU has '
      'bfloat16 arithmetic and it measured faster than float32 here (the '
      'first use measures, about a second); float32 elsewhere, with a line '
      'saying why. auto: the fastest measured of float32, bfloat16 and '
      'float16. forced-bfloat16: bfloat16 however slow. int8: the network '
      'quantized by NNCF, run by OpenVINO (the int8 extra; the first run '
      'calibrates on the sample videos unless i3d-quantize made a model).')


def define_int8_dir_flag() -> None:
  """Defines --int8_dir."""
  flags.DEFINE_string(
      'int8_dir', None,
      'With --precision=int8: the folder i3d-quantize wrote the int8 models '
      'to; default: the user cache, filled on first use.')


def define_protocol_flags(
    flag_values: flags.FlagValues = flags.FLAGS) -> None:
  """Defines the flags of a `feature_protocols.Protocol`, and --preset."""
  flags.DEFINE_string('fps', '25', 'Frame rate: a number of frames per '
                      'second, or native (the video\'s own frames).',
                      flag_values=flag_values)
  flags.DEFINE_integer('window', 64, 'Frames per window.',
                       flag_values=flag_values)
  flags.DEFINE_integer('stride', 64, 'Frames between windows.',
                       flag_values=flag_values)
  flags.DEFINE_boolean('center_windows', False,
                       'A window centred on every --stride-th frame, the '
                       'edges padded with the first and last frames.',
                       flag_values=flag_values)
  flags.DEFINE_enum('crops', 'center', list(feature_protocols.CROPS),
                    'center (224x224), ten (corners, centre and their '
                    'mirrors, averaged) or full (the whole resized frame).',
                    flag_values=flag_values)
  flags.DEFINE_string('preset', None, 'A published protocol, which sets the '
                      'streams, frame rate, windows and crops: '
                      f'{", ".join(feature_protocols.PRESETS)}.',
                      flag_values=flag_values)


def protocol_and_preset(
    values: flags.FlagValues = flags.FLAGS
) -> Tuple[feature_protocols.Protocol, Optional[feature_protocols.Preset]]:
  """The protocol of the flags, or of --preset (which no flag may contradict).

  Args:
    values: the parsed flags (`define_protocol_flags`).

  Returns:
    The protocol, and the preset when one was named.

  Raises:
    InputError: an unknown preset, a flag set beside it, a malformed --fps or
      settings that cannot be used.
  """
  if values.preset is None:
    if values.fps == 'native':
      fps = None
    else:
      try:
        fps = float(values.fps)
      except ValueError:
        raise errors.InputError(f'--fps={values.fps}: give a number of frames '
                                'per second, or native') from None
    protocol = feature_protocols.Protocol(fps, values.window, values.stride,
                                 values.center_windows, values.crops)
    protocol.check()
    return protocol, None
  preset = feature_protocols.preset(values.preset)
  refuse_flags_set_by('preset', _PRESET_FLAGS, values)
  return preset.protocol, preset


def refuse_flags_set_by(setter: str, names: Sequence[str],
                        values: flags.FlagValues = flags.FLAGS) -> None:
  """Refuses flags given beside the flag that sets them (--preset, say).

  Args:
    setter: the flag that names a published setting.
    names: the flags it sets.
    values: the parsed flags.

  Raises:
    InputError: one of `names` was given, naming each.
  """
  given = [f'--{name}' for name in names
           if name in values and values[name].present]
  if given:
    raise errors.InputError(
        f'--{setter}={values[setter].value} sets {", ".join(given)}: leave '
        f'them out, or give the settings without the {setter}')


def describe_preset(name: str, preset: feature_protocols.Preset) -> str:
  """The line a command prints about the preset it follows."""
  settings = ', '.join(
      f'{k}={v}' for k, v in preset.protocol.settings().items())
  return (f'Preset {name}: streams {"+".join(preset.streams)} '
          f'({", ".join(preset.checkpoints.values())}), {settings}. '
          f'{preset.source}.')
