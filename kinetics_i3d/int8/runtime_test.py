"""Tests of the int8 runtime's refusal where OpenVINO cannot run int8."""

import os
from unittest import mock

from absl.testing import absltest
import numpy as np
import openvino

from kinetics_i3d import errors
from kinetics_i3d.int8 import runtime
from kinetics_i3d.models import hardware


def _network(quantized: bool):
  """A one-convolution network of the int8 models' outputs, its input
  quantized to 256 levels as NNCF quantizes, or not."""
  opset = openvino.opset13
  clips = opset.parameter([-1, -1, -1, -1, 3], openvino.Type.f32, name='rgb')
  net = opset.transpose(clips, opset.constant(np.array([0, 4, 1, 2, 3])))
  if quantized:
    low, high = opset.constant(np.float32(-1)), opset.constant(np.float32(1))
    net = opset.fake_quantize(net, low, high, low, high, 256)
  kernel = opset.constant(np.full((2, 3, 1, 1, 1), 0.5, np.float32))
  net = opset.convolution(net, kernel, [1] * 3, [0] * 3, [0] * 3, [1] * 3)
  logits = opset.reduce_mean(net, [2, 3, 4], keep_dims=False)
  features = opset.reduce_mean(net, [3, 4], keep_dims=False)
  logits.output(0).get_tensor().set_names({'logits'})
  features.output(0).get_tensor().set_names({'rgb_features'})
  return openvino.Model([logits, features], [clips], 'one_convolution')


class CappedIsaTest(absltest.TestCase):

  def test_int8_networks_are_refused_under_a_cap_below_avx512(self):
    flags = hardware.cpu_flags() | {'avx512f'}
    with mock.patch.object(hardware, 'cpu_flags', return_value=flags), \
        mock.patch.dict(os.environ, {'ONEDNN_MAX_CPU_ISA': 'AVX2'}):
      with self.assertRaisesRegex(
          errors.InputError, "ONEDNN_MAX_CPU_ISA=AVX2 keeps oneDNN below this "
          "CPU's AVX-512, and OpenVINO's CPU plugin crashes on int8 networks "
          'so capped: unset ONEDNN_MAX_CPU_ISA'):
        runtime.Int8Predictor({'rgb': _network(quantized=True)})
      # A float network runs under the cap.
      runtime.Int8Predictor({'rgb': _network(quantized=False)})

  def test_without_a_cap_below_the_cpu_int8_runs(self):
    if hardware.isa_cap_below_cpu():
      self.skipTest('this run caps oneDNN below the CPU (the test above '
                    'checks that case)')
    clips = np.full((1, 9, 193, 193, 3), 0.5, np.float32)
    out = runtime.Int8Predictor({'rgb': _network(quantized=True)})(
        {'rgb': clips})
    # Each output sums 3 channels of 0.5 on 256 levels of [-1, 1] (the
    # nearest, -1 + 191 * 2 / 255) times the weight 0.5; within half of one
    # level's step through the sum (3 * 0.5 * 2 / 255 / 2).
    level = -1 + 191 * 2 / 255
    np.testing.assert_allclose(out['logits'], [[1.5 * level] * 2],
                               atol=1.5 / 255)

if __name__ == '__main__':
  absltest.main()
