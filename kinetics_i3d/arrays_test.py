"""Tests of the array contracts: layouts, ranges, other frameworks, graphs."""

import importlib.util

from absl.testing import absltest
import ml_dtypes
import numpy as np
import tensorflow as tf

from kinetics_i3d import arrays
from kinetics_i3d import errors
from kinetics_i3d.models import i3d

_RNG = np.random.default_rng(0)
# Channels last, and the same values in each layout, built by indexing.
_CLIP = _RNG.uniform(-1, 1, (2, 9, 193, 194, 3)).astype(np.float32)


def _in_layout(clip: np.ndarray, layout: str) -> np.ndarray:
  """`clip` ([N, T, H, W, C]) with its axes in `layout`, element by element
  (an independent check of the transposition read back)."""
  out = np.empty([clip.shape['NTHWC'.index(a)] for a in layout], clip.dtype)
  for index in np.ndindex(clip.shape[:2]):
    n, t = index
    for c in range(clip.shape[4]):
      where = {'N': n, 'T': t, 'C': c, 'H': slice(None), 'W': slice(None)}
      out[tuple(where[a] for a in layout)] = clip[n, t, :, :, c]
  return out


class _DLPackOnly:
  """A tensor of another framework: only `__dlpack__` and its device."""

  def __init__(self, array: np.ndarray, device=(1, 0)):
    self.array = array
    self.device = device
    self.requests = []

  def __dlpack_device__(self):
    return self.device

  def __dlpack__(self, **kwargs):
    self.requests.append(kwargs)
    return self.array.__dlpack__()


class _ArrayOnly:
  """A tensor of another framework: only `__array__`."""

  def __init__(self, array: np.ndarray):
    self.array = array

  def __array__(self, dtype=None, copy=None):
    del copy
    return self.array if dtype is None else self.array.astype(dtype)


class _GradientTensor(_DLPackOnly):
  """A tensor whose data cannot be shared (as PyTorch's with a gradient)."""

  def __dlpack__(self, **kwargs):
    raise RuntimeError("Can't export tensors that require gradient, use "
                       'tensor.detach()')


class NetworkClipsTest(absltest.TestCase):

  def test_least_size_is_the_networks(self):
    self.assertEqual((arrays.MIN_FRAMES, arrays.MIN_SIZE, arrays.MIN_SIZE),
                     i3d.min_input_size())

  def test_layouts_are_read_as_meant(self):
    for layout in arrays.LAYOUTS:
      with self.subTest(layout):
        given = _in_layout(_CLIP, layout)
        np.testing.assert_array_equal(
            arrays.network_clips(given, 'rgb', layout=layout), _CLIP)
        np.testing.assert_array_equal(
            arrays.network_clips(given[0], 'rgb', batched=False,
                                 layout=layout), _CLIP[0])

  def test_a_shape_of_another_layout_names_it(self):
    ncthw = _in_layout(_CLIP, 'NCTHW')
    with self.assertRaisesRegex(
        errors.ArrayError, r"shape \[2, 3, 9, 193, 194\], which is NCTHW "
        r"\(PyTorch's video models\), not NTHWC: pass layout='NCTHW'"):
      arrays.network_clips(ncthw, 'rgb')
    with self.assertRaisesRegex(errors.ArrayError, 'which is NTHWC .*, not '
                                "NTCHW: pass layout='NTHWC'"):
      arrays.network_clips(_CLIP, 'rgb', layout='NTCHW')
    with self.assertRaisesRegex(errors.ArrayError,
                                'which fits no layout: the flow stream has 2'):
      arrays.network_clips(_CLIP, 'flow')
    with self.assertRaisesRegex(errors.ArrayError, r'4 axes; .*clip\[None\]'):
      arrays.network_clips(_CLIP[0], 'rgb')
    with self.assertRaisesRegex(errors.ArrayError, 'the layouts are NTHWC'):
      arrays.network_clips(_CLIP, 'rgb', layout='NHWC')

  def test_ranges(self):
    # Round-off beyond [-1, 1] passes; anything more is refused with the
    # range found and what makes network inputs.
    edge = np.float32(1 + arrays.ROUND_OFF / 2)
    arrays.network_clips(np.clip(_CLIP * edge, -edge, edge), 'rgb')
    for values, found in ((_CLIP * 255, r'-25\d(\.\d+)? to 25\d(\.\d+)?'),
                          (np.full_like(_CLIP, 1 + 2 * arrays.ROUND_OFF),
                           '1.01562 to 1.01562'),
                          (np.full_like(_CLIP, np.nan), 'nan to nan')):
      with self.assertRaisesRegex(
          errors.ArrayError, f'rgb holds values from {found}, outside '
          r'\[-1, 1\].*pretrained.transform makes them from uint8'):
        arrays.network_clips(values, 'rgb')
    with self.assertRaisesRegex(errors.ArrayError, 'holds uint8 .*'
                                'pretrained.transform'):
      arrays.network_clips((_CLIP * 127 + 128).astype(np.uint8), 'rgb')

  def test_float_types_become_float32(self):
    for dtype in (np.float16, ml_dtypes.bfloat16, np.float64):
      out = arrays.network_clips(_CLIP.astype(dtype), 'rgb')
      self.assertEqual(out.dtype, np.float32)
      np.testing.assert_array_equal(out, _CLIP.astype(dtype).astype(np.float32))

  def test_non_negative_rgb_warns_once_and_flow_never(self):
    arrays._warned_non_negative = False  # pylint: disable=protected-access
    with self.assertLogs(level='WARNING') as logs:
      arrays.network_clips(np.zeros_like(_CLIP[..., :2]), 'flow')
      arrays.network_clips((_CLIP + 1) / 2, 'rgb')
      arrays.network_clips((_CLIP + 1) / 2, 'rgb')
    self.assertLen(logs.output, 1)
    self.assertRegex(logs.output[0], r'rgb holds values from \S+ to '
                     r'(0\.9\d+|1), none below 0, as video in \[0, 1\] does')
    self.assertNotIn('\n', logs.output[0])

  def test_mapping_of_streams(self):
    flow = _CLIP[..., :2]
    clips = arrays.network_inputs({'rgb': _CLIP, 'flow': flow},
                                  ('rgb', 'flow'))
    self.assertEqual(list(clips), ['rgb', 'flow'])
    with self.assertRaisesRegex(errors.ArrayError,
                                r"missing: \['flow'\], not used: \[\]"):
      arrays.network_inputs({'rgb': _CLIP}, ('rgb', 'flow'))
    with self.assertRaisesRegex(errors.ArrayError, 'different numbers of '
                                'clips: rgb 2, flow 1'):
      arrays.network_inputs({'rgb': _CLIP, 'flow': flow[:1]},
                            ('rgb', 'flow'))


class OtherFrameworksTest(absltest.TestCase):

  def test_dlpack_on_the_host_is_not_copied(self):
    tensor = _DLPackOnly(_in_layout(_CLIP, 'NCTHW'))
    out = arrays.network_clips(tensor, 'rgb', layout='NCTHW')
    self.assertTrue(np.shares_memory(out, tensor.array))
    np.testing.assert_array_equal(out, _CLIP)

  def test_array_protocol_alone(self):
    np.testing.assert_array_equal(
        arrays.network_clips(_ArrayOnly(_CLIP), 'rgb'), _CLIP)

  def test_device_memory_is_copied_once_without_a_gpu(self):
    if tf.config.list_physical_devices('GPU'):
      self.skipTest('TensorFlow has a GPU here: device memory stays there')
    tensor = _DLPackOnly(_CLIP, device=(2, 0))  # CUDA, as DLPack says.
    np.testing.assert_array_equal(arrays.network_clips(tensor, 'rgb'), _CLIP)
    self.assertLen(tensor.requests, 1)
    self.assertEqual({k: tensor.requests[0][k] for k in ('dl_device', 'copy')},
                     {'dl_device': (1, 0), 'copy': True})

  def test_data_that_cannot_be_shared_is_one_line(self):
    with self.assertRaisesRegex(
        errors.ArrayError, r"rgb: cannot take the data of this "
        r"_GradientTensor \(Can't export tensors that require gradient.*\): "
        'hand in a numpy array, or the tensor on the CPU'):
      arrays.network_clips(_GradientTensor(_CLIP), 'rgb')
    with self.assertRaisesRegex(errors.ArrayError, 'cannot read a list as an '
                                'array .*inhomogeneous'):
      arrays.network_clips([[1.0], [1.0, 2.0]], 'rgb')
    with self.assertRaisesRegex(errors.ArrayError, 'rgb is None'):
      arrays.network_clips(None, 'rgb')

  def test_torch_tensors(self):
    if importlib.util.find_spec('torch') is None:
      self.skipTest('PyTorch is not installed')
    import torch  # pylint: disable=g-import-not-at-top
    tensor = torch.from_numpy(_in_layout(_CLIP, 'NCTHW'))
    out = arrays.network_clips(tensor, 'rgb', layout='NCTHW')
    np.testing.assert_array_equal(out, _CLIP)
    self.assertTrue(np.shares_memory(out, tensor.numpy()))
    with self.assertRaisesRegex(errors.ArrayError, 'detach'):
      arrays.network_clips(tensor.clone().requires_grad_(), 'rgb',
                           layout='NCTHW')


class GraphTest(absltest.TestCase):

  def test_inside_tf_function_the_range_is_an_assertion_of_one_message(self):
    values = np.zeros_like(_CLIP)
    values[0, 0, 0, 0] = (0, 255, 7)
    with self.assertRaises(errors.ArrayError) as eager:
      arrays.network_clips(tf.constant(values), 'rgb')

    @tf.function
    def checked(clips):
      return arrays.network_clips(clips, 'rgb') * 2

    with self.assertRaises(tf.errors.InvalidArgumentError) as graph:
      checked(tf.constant(values))
    self.assertIn(f'[{eager.exception}]', graph.exception.message)
    np.testing.assert_array_equal(checked(tf.constant(_CLIP)), _CLIP * 2)
    # Shapes are checked as the function is traced.
    with self.assertRaisesRegex(errors.ArrayError, 'which is NCTHW'):
      checked(tf.constant(_in_layout(_CLIP, 'NCTHW')))


class VideoFramesTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.frames = _RNG.integers(0, 256, (2, 9, 20, 30, 3), np.uint8)

  def test_uint8_as_stored_and_floats_of_a_stated_range(self):
    self.assertIs(arrays.video_frames(self.frames), self.frames)
    exact = self.frames.astype(np.float64)
    for value_range, values in (('0-1', exact / 255),
                                ('-1-1', exact / 127.5 - 1),
                                ('0-255', exact)):
      with self.subTest(value_range):
        out = arrays.video_frames(values.astype(np.float32), value_range)
        self.assertEqual(out.dtype, np.float32)
        # float32 round-off of the value and of one scaling: a few ulps
        # of 255.
        np.testing.assert_allclose(out, exact, rtol=0, atol=255 * 2**-21)

  def test_floats_without_a_range_name_their_span_and_the_flag(self):
    with self.assertRaisesRegex(
        errors.ArrayError, r"videos holds float32 values from 0 to 1, and "
        r"floats need their range stated: value_range='0-1', '-1-1' or "
        r"'0-255' \(--value_range on fvd.py\)"):
      arrays.video_frames(np.linspace(0, 1, self.frames.size, dtype=np.float32)
                          .reshape(self.frames.shape))

  def test_refusals(self):
    cases = [
        (self.frames / 1.0, '0-1', 'from 0 to 255, outside value_range 0-1:'),
        (self.frames, '0-1', 'uint8 frames, which are in'),
        (self.frames.astype(np.int64), None, 'holds int64'),
        (self.frames, 'x', "value_range='x': the ranges are"),
        (self.frames[:, :8], None, 'has 8 frames'),
        (self.frames[:0], None, 'is empty'),
        (_in_layout(self.frames, 'NTCHW'), None, 'which is NTCHW'),
    ]
    for value, value_range, message in cases:
      with self.subTest(message):
        with self.assertRaisesRegex(errors.ArrayError, message):
          arrays.video_frames(value, value_range)


if __name__ == '__main__':
  absltest.main()
