"""What the network and FVD take, checked where arrays enter the library.

Two contracts, each checked at every public entry point that takes arrays
(the table is in docs/library.md, "What the network takes"):

- clips, the network's input (`network_clips`): float [N, T, H, W, C] with
  C = 3 for RGB and 2 for flow, at least 9 frames and 193x193 pixels (the
  least the logits need), values in [-1, 1];
- frames, FVD's input (`video_frames`): uint8 [N, T, H, W, 3] as stored, or
  floats whose range is stated (`value_range` '0-1', '-1-1' or '0-255'),
  read as [0, 255].

Layouts: channels last is the default; `layout='NCTHW'` (PyTorch's video
models) and `layout='NTCHW'` (PyTorch video tensors) are read as such, and a
shape that fits another layout than the one given, or none, is refused with
the shape and the layouts. A clip whose values are all >= 0 is almost surely
in [0, 1]: the first such RGB clip of a process gets one warning line (flow
is exempt: a still clip's flow is zeros).

Arrays of other frameworks (PyTorch, JAX, CuPy) come in through DLPack
without a copy, or through `__array__`; a CUDA tensor stays on the device
where TensorFlow has a GPU, and is copied once to the host otherwise. None of
those libraries is imported. A tensor inside a `tf.function` has no values
yet: its shape and dtype are checked as it is traced, its range by a
TensorFlow assertion with the same message.

Every refusal is an `errors.ArrayError`, an `InputError` that is also a
`ValueError`. The checks cost a minimum and a maximum of what is handed in.
"""

import sys
from typing import (Any, Callable, Dict, Mapping, Optional, Protocol,
                    Sequence, Tuple)

from absl import logging
import numpy as np

from kinetics_i3d import errors

__all__ = ['ArrayLike', 'LAYOUTS', 'CHANNELS', 'VALUE_RANGES', 'as_array',
           'network_clips', 'video_frames']



class ArrayLike(Protocol):
  """What the entry points take as arrays: a numpy array, a TensorFlow
  tensor, or a tensor of another framework (PyTorch, JAX, CuPy) through
  `__dlpack__` or `__array__`. The contract tests find the entry points by
  this annotation (or `np.ndarray`, `tf.Tensor`)."""

  def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
    ...


# The layouts a batch of clips may come in (a single clip: the same without
# N), and who holds video that way.
LAYOUTS = {
    'NTHWC': 'channels last, the default',
    'NCTHW': "PyTorch's video models",
    'NTCHW': 'PyTorch video tensors',
}
CHANNELS = {'rgb': 3, 'flow': 2}
# The least clip the logits can be computed on (`i3d.min_input_size()`;
# checked against it in the tests).
MIN_FRAMES = 9
MIN_SIZE = 193
NETWORK_RANGE = (-1.0, 1.0)
# The ranges frames may be stated in, for FVD, which reads them as [0, 255].
VALUE_RANGES = {'0-1': (0.0, 1.0), '-1-1': (-1.0, 1.0), '0-255': (0.0, 255.0)}
# How far beyond its range a value may lie, relative to the range's half
# width: one bfloat16 step at 1 (2^-7), the coarsest float a pipeline may
# compute in, so a value rounded once in any float format passes.
ROUND_OFF = 2.0**-7

_FLOAT_DTYPES = ('float16', 'bfloat16', 'float32', 'float64')
_TRANSFORM_HINT = ('pretrained.transform makes them from uint8 frames '
                   '(from [0, 1]: 2 * x - 1)')
# DLPack device types (dlpack.h): CPU, CUDA, CUDA host memory, ROCm.
_DLPACK_CPU = (1, 3)
_DLPACK_GPU = (2, 10)
# What frameworks raise when their data cannot be handed over.
_CONVERSION_ERRORS = (BufferError, TypeError, ValueError, RuntimeError)
_warned_non_negative = False


def _tensorflow():
  """TensorFlow if something imported it (then tensors may be TensorFlow's),
  else None: the checks never import it themselves."""
  return sys.modules.get('tensorflow')


def _from_dlpack(value: Any, name: str) -> Any:
  """A DLPack producer's data: a numpy view of host memory, a TensorFlow
  tensor of device memory where TensorFlow has a GPU, else a host copy;
  through `__array__` when DLPack cannot give it."""
  device_type = value.__dlpack_device__()[0]
  failure = None
  try:
    if device_type in _DLPACK_CPU:
      return np.from_dlpack(value)
    if device_type in _DLPACK_GPU:
      import tensorflow as tf  # pylint: disable=g-import-not-at-top
      if tf.config.list_physical_devices('GPU'):
        return tf.experimental.dlpack.from_dlpack(value.__dlpack__())
      return np.from_dlpack(value, device='cpu', copy=True)
    failure = f'DLPack device type {device_type}'
  except _CONVERSION_ERRORS as error:
    failure = error
  if hasattr(value, '__array__'):
    try:
      return np.asarray(value)
    except _CONVERSION_ERRORS as error:
      failure = error
  raise errors.ArrayError(
      f'{name}: cannot take the data of this {type(value).__name__} '
      f'({_first_line(failure)}): hand in a numpy array, or the tensor on '
      'the CPU (detached)')


def _first_line(error: Any) -> str:
  return str(error).splitlines()[0] if str(error) else repr(error)


def as_array(value: ArrayLike, name: str) -> Any:
  """`value` as a numpy array or a TensorFlow tensor, without a copy where
  its framework allows.

  Args:
    value: a numpy array, a TensorFlow tensor, a tensor of another framework
      (through `__dlpack__` or `__array__`), or nested lists.
    name: what the value is, for messages.

  Returns:
    A numpy array, or a `tf.Tensor` (TensorFlow's own, or device memory
    TensorFlow can hold).

  Raises:
    ArrayError: the value is no array, or its data cannot be taken.
  """
  if isinstance(value, np.ndarray):
    return value
  tf = _tensorflow()
  if tf is not None and tf.is_tensor(value):
    return value if isinstance(value, tf.Tensor) else tf.convert_to_tensor(
        value)
  if value is None:
    raise errors.ArrayError(f'{name} is None: hand in an array')
  if hasattr(value, '__dlpack__') and hasattr(value, '__dlpack_device__'):
    return _from_dlpack(value, name)
  try:
    array = np.asarray(value)
  except _CONVERSION_ERRORS as error:
    raise errors.ArrayError(
        f'{name}: cannot read a {type(value).__name__} as an array '
        f'({_first_line(error)})') from None
  if array.dtype == object:
    raise errors.ArrayError(
        f'{name} is a {type(value).__name__} that is not one array (ragged, '
        'or of objects): hand in one array of numbers')
  return array


def _dtype_name(array: Any) -> str:
  return getattr(array.dtype, 'name', str(array.dtype))


def _shape(array: Any) -> Tuple[Optional[int], ...]:
  if isinstance(array, np.ndarray):
    return array.shape
  return tuple(array.shape.as_list()) if array.shape.rank is not None else ()


def _is_symbolic(array: Any) -> bool:
  """Whether `array` is a graph tensor (inside a `tf.function`)."""
  return not isinstance(array, np.ndarray) and not hasattr(array, 'numpy')


def _layout_names(batched: bool) -> Sequence[str]:
  return [l if batched else l.replace('N', '') for l in LAYOUTS]


def _to_channels_last(array: Any, layout: str, channels: int, what: str,
                      name: str, batched: bool) -> Any:
  """`array`, in `layout`, as channels last; or ArrayError with the layouts
  its shape fits."""
  if layout not in LAYOUTS:
    raise errors.ArrayError(f'layout={layout!r}: the layouts are '
                            f'{", ".join(LAYOUTS)}')
  names = dict(zip(_layout_names(batched), LAYOUTS))
  given = _layout_names(batched)[list(LAYOUTS).index(layout)]
  shape = _shape(array)
  if len(shape) != len(given):
    hint = (': add a batch axis (clip[None])'
            if batched and len(shape) == len(given) - 1 else '')
    raise errors.ArrayError(
        f'{name} has shape {list(shape)}, {len(shape)} axes; it takes '
        f'{"a batch of clips" if batched else "one clip"}, {len(given)} axes '
        f'({given}){hint}')
  fits = [l for l in names if shape[l.index('C')] == channels]
  if given not in fits:
    if fits:
      raise errors.ArrayError(
          f'{name} has shape {list(shape)}, which is {fits[0]} '
          f'({LAYOUTS[names[fits[0]]]}), not {given}: pass '
          f'layout={names[fits[0]]!r}, or transpose it to {given}')
    layouts = ', '.join(f'{l} ({LAYOUTS[full]})' for l, full in names.items())
    raise errors.ArrayError(
        f'{name} has shape {list(shape)}, which fits no layout: {what} has '
        f'{channels} channels, and the layouts are {layouts}')
  order = [given.index(axis) for axis in ('NTHWC' if batched else 'THWC')]
  if order == sorted(order):
    return array
  if isinstance(array, np.ndarray):
    return array.transpose(order)
  return _tensorflow().transpose(array, order)


def _check_size(array: Any, name: str, batched: bool, min_frames: int,
                min_size: int) -> None:
  """ArrayError for an empty array, or one of too few frames or pixels."""
  shape = _shape(array)
  if any(d == 0 for d in shape):
    raise errors.ArrayError(f'{name} is empty (shape {list(shape)})')
  frames, height, width = shape[1:4] if batched else shape[:3]
  if frames is not None and frames < min_frames:
    raise errors.ArrayError(
        f'{name} has {frames} frames (shape {list(shape)}); the network needs '
        f'at least {min_frames}')
  small = [d for d in (height, width) if d is not None and d < min_size]
  if small:
    raise errors.ArrayError(
        f'{name} has frames of {height}x{width} pixels (shape '
        f'{list(shape)}); the network needs at least {min_size}x{min_size}')


def _extremes(array: Any) -> Tuple[float, float]:
  """The least and the greatest value of an array that has values."""
  if isinstance(array, np.ndarray):
    return float(array.min()), float(array.max())
  tf = _tensorflow()
  return (float(tf.reduce_min(array).numpy()),
          float(tf.reduce_max(array).numpy()))


def _check_range(array: Any, bounds: Tuple[float, float],
                 message: Callable[[str, str], str]
                ) -> Tuple[Any, Optional[Tuple[float, float]]]:
  """`array`, once its values are seen to lie in `bounds` (within
  ROUND_OFF), and its least and greatest value; `message(low, high)` is the
  error otherwise.

  Inside a `tf.function` the check is a TensorFlow assertion on the tensor
  returned, with the same message (and the extremes are None).
  """
  slack = ROUND_OFF * (bounds[1] - bounds[0]) / 2
  low, high = bounds[0] - slack, bounds[1] + slack
  if _is_symbolic(array):
    tf = _tensorflow()
    least = tf.cast(tf.reduce_min(array), tf.float32)
    greatest = tf.cast(tf.reduce_max(array), tf.float32)
    inside = tf.logical_and(least >= low, greatest <= high)
    text = tf.strings.format(message('{}', '{}'), (least, greatest))
    with tf.control_dependencies([tf.debugging.Assert(inside, [text])]):
      return tf.identity(array), None
  least, greatest = _extremes(array)
  if not (least >= low and greatest <= high):  # Also false for NaN.
    raise errors.ArrayError(message(f'{least:g}', f'{greatest:g}'))
  return array, (least, greatest)


def _cast_float32(array: Any) -> Any:
  if isinstance(array, np.ndarray):
    return array.astype(np.float32, copy=False)
  tf = _tensorflow()
  return tf.cast(array, tf.float32)


def clip_layout(value: ArrayLike, stream: str, *, layout: str = 'NTHWC',
                name: Optional[str] = None, batched: bool = True,
                min_frames: int = MIN_FRAMES, min_size: int = MIN_SIZE) -> Any:
  """The checks of `network_clips` that need no pass over the values.

  Returns:
    The clips as channels last, in their own dtype (a view where no
    transposition is needed).

  Raises:
    ArrayError: see `network_clips` (all but the values' range).
  """
  name = name or stream
  array = as_array(value, name)
  dtype = _dtype_name(array)
  if dtype not in _FLOAT_DTYPES:
    hint = f'; {_TRANSFORM_HINT}' if dtype == 'uint8' and stream == 'rgb' else ''
    raise errors.ArrayError(
        f'{name} holds {dtype} (shape {list(_shape(array))}); the network '
        f'takes float clips in [-1, 1]{hint}')
  array = _to_channels_last(array, layout, CHANNELS[stream],
                            f'the {stream} stream', name, batched)
  _check_size(array, name, batched, min_frames, min_size)
  return array


def clip_values(array: Any, stream: str, name: Optional[str] = None) -> Any:
  """Clips (from `clip_layout`) whose values are checked, as float32.

  Raises:
    ArrayError: values outside [-1, 1] (beyond round-off), NaN or infinite.
  """
  name = name or stream
  hint = (_TRANSFORM_HINT if stream == 'rgb' else
          'flow is displacements in pixels truncated to [-20, 20] and '
          'divided by 20 (video.rescale_flow)')
  array, extremes = _check_range(
      array, NETWORK_RANGE,
      lambda low, high: (f'{name} holds values from {low} to {high}, outside '
                         f'[-1, 1], the range the network takes: {hint}'))
  if stream == 'rgb' and extremes is not None:
    _warn_if_non_negative(extremes, name)
  return _cast_float32(array)


def network_clips(value: ArrayLike, stream: str, *, layout: str = 'NTHWC',
                  name: Optional[str] = None, batched: bool = True,
                  min_frames: int = MIN_FRAMES,
                  min_size: int = MIN_SIZE) -> Any:
  """Clips for one stream of the network, checked, as float32 channels last.

  Args:
    value: float [N, T, H, W, C] clips in [-1, 1] in `layout` (a numpy
      array, a TensorFlow tensor, or another framework's tensor).
    stream: 'rgb' (3 channels) or 'flow' (2).
    layout: one of `LAYOUTS`.
    name: what the clips are called in messages (the stream when None).
    batched: a batch of clips; False: one clip, [T, H, W, C].
    min_frames: the least frames.
    min_size: the least height and width.

  Returns:
    float32 [N, T, H, W, C] (or [T, H, W, C]): a numpy array (a view where
    no conversion is needed) or a TensorFlow tensor.

  Raises:
    ArrayError: not float, not a clip of `stream` in `layout`, too short or
      too small, empty, or values outside [-1, 1].
  """
  array = clip_layout(value, stream, layout=layout, name=name,
                      batched=batched, min_frames=min_frames,
                      min_size=min_size)
  return clip_values(array, stream, name)


def _warn_if_non_negative(extremes: Tuple[float, float], name: str) -> None:
  """One warning line, the first time in a process, for RGB all >= 0."""
  global _warned_non_negative
  least, greatest = extremes
  if least >= 0 and not _warned_non_negative:
    _warned_non_negative = True
    logging.warning(
        '%s holds values from %g to %g, none below 0, as video in [0, 1] '
        'does: the network takes [-1, 1] (2 * x - 1 from [0, 1]); this is '
        'said once', name, least, greatest)


def network_inputs(inputs: Mapping[str, Optional[ArrayLike]],
                   streams: Sequence[str],
                   layout: str = 'NTHWC') -> Dict[str, Any]:
  """`network_clips` of each stream of a {'rgb': ..., 'flow': ...} mapping.

  Raises:
    ArrayError: a stream's clips are missing or do not fit, or clips are
      given for another stream.
  """
  given = {s for s, v in inputs.items() if v is not None}
  if given != set(streams):
    raise errors.ArrayError(
        f'this network runs {", ".join(streams)}: give exactly those clips '
        f'(missing: {sorted(set(streams) - given)}, not used: '
        f'{sorted(given - set(streams))})')
  clips = {s: network_clips(inputs[s], s, layout=layout) for s in streams}
  batches = {_shape(c)[0] for c in clips.values()} - {None}
  if len(batches) > 1:
    raise errors.ArrayError(
        f'the streams hold different numbers of clips: '
        f'{", ".join(f"{s} {_shape(c)[0]}" for s, c in clips.items())}')
  return clips


def frame_layout(value: ArrayLike, value_range: Optional[str] = None, *,
                 layout: str = 'NTHWC', name: str = 'videos',
                 batched: bool = True,
                 min_frames: int = MIN_FRAMES) -> Tuple[Any, str]:
  """The checks of `video_frames` that need no pass over the values.

  Returns:
    (the frames as channels last, without a copy where none is needed, in
    their own dtype; their value range, '0-255' for uint8).

  Raises:
    ArrayError: see `video_frames` (all but the values' range).
  """
  if value_range is not None and value_range not in VALUE_RANGES:
    raise errors.ArrayError(f'value_range={value_range!r}: the ranges are '
                            f'{", ".join(map(repr, VALUE_RANGES))}')
  array = as_array(value, name)
  dtype = _dtype_name(array)
  if dtype == 'uint8':
    if value_range not in (None, '0-255'):
      raise errors.ArrayError(
          f'{name} holds uint8 frames, which are in [0, 255], and '
          f'value_range is {value_range!r}: leave value_range out for uint8')
    value_range = '0-255'
  elif dtype not in _FLOAT_DTYPES:
    raise errors.ArrayError(
        f'{name} holds {dtype} (shape {list(_shape(array))}): FVD takes uint8 '
        'frames, or floats with their value_range')
  array = _to_channels_last(array, layout, 3, 'RGB video', name, batched)
  _check_size(array, name, batched, min_frames, 1)
  if value_range is None:
    span = ('' if _is_symbolic(array) else
            ' from {:g} to {:g}'.format(*_extremes(array)))
    raise errors.ArrayError(
        f'{name} holds {dtype} values{span}, and floats need their range '
        "stated: value_range='0-1', '-1-1' or '0-255' (--value_range on "
        'fvd.py), or hand in uint8 frames')
  return array, value_range


def frame_values(array: Any, value_range: str, name: str = 'videos') -> Any:
  """Frames of a stated range (from `frame_layout`), checked, in [0, 255]:
  uint8 as they are, floats as float32.

  Raises:
    ArrayError: values outside the range stated.
  """
  if value_range == '0-255' and _dtype_name(array) == 'uint8':
    return array
  bounds = VALUE_RANGES[value_range]
  array, _ = _check_range(
      array, bounds,
      lambda low, high: (f'{name} holds values from {low} to {high}, outside '
                         f'value_range {value_range}: state the range they '
                         'are in'))
  low, high = bounds
  scale = 255.0 / (high - low)
  array = _cast_float32(array)
  return array * np.float32(scale) if low == 0 else (
      (array - np.float32(low)) * np.float32(scale))


def video_frames(value: ArrayLike, value_range: Optional[str] = None, *,
                 layout: str = 'NTHWC', name: str = 'videos',
                 batched: bool = True,
                 min_frames: int = MIN_FRAMES) -> Any:
  """Videos for FVD, checked, as [0, 255] channels last.

  Args:
    value: uint8 [N, T, H, W, 3] frames as stored, or floats in
      `value_range`, in `layout`.
    value_range: the range of float frames, one of `VALUE_RANGES`; None for
      uint8 (floats without it are refused).
    layout: one of `LAYOUTS`.
    name: what the videos are called in messages.
    batched: a batch of videos; False: one, [T, H, W, 3].
    min_frames: the least frames.

  Returns:
    [N, T, H, W, 3] (or [T, H, W, 3]) in [0, 255]: uint8 as given, floats
    as float32.

  Raises:
    ArrayError: not uint8 or float, floats without a range or outside it,
      not RGB video in `layout`, too few frames, or empty.
  """
  array, value_range = frame_layout(value, value_range, layout=layout,
                                    name=name, batched=batched,
                                    min_frames=min_frames)
  return frame_values(array, value_range, name)
