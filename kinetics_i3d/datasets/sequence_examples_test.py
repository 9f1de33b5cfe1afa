"""Tests of the SequenceExample encoding against MediaPipe's rules."""

from absl.testing import absltest
import numpy as np

from kinetics_i3d.datasets import sequence_examples


class QuantizeFlowTest(absltest.TestCase):

  def test_matches_mediapipe_flow_quantizer(self):
    pixels = np.array([-25.0, -20.0, -7.3, 0.0, 0.08, 13.9, 20.0, 31.0])
    flow = np.stack([pixels, -pixels], axis=-1)[None] / 20.0
    quantized = sequence_examples.quantize_flow(flow.astype(np.float32))[0]
    # FlowQuantizerModel::Apply: (v - min) / (max - min), clipped to [0, 1],
    # times 255, cast to uint8 (truncation).
    expected = [int(min(max((v + 20) / 40, 0.0), 1.0) * 255) for v in pixels]
    self.assertEqual(quantized[:, 0].tolist(), expected)
    self.assertEqual(quantized[:, 1].tolist(),
                     [int(min(max((20 - v) / 40, 0.0), 1.0) * 255)
                      for v in pixels])
    self.assertEqual(quantized[:, 2].tolist(), [0] * len(pixels))

  def test_rgb_round_trip(self):
    pixels = np.arange(256, dtype=np.float32).reshape(1, 16, 16, 1)
    rgb = np.repeat(pixels * np.float32(2 / 255) - 1, 3, axis=-1)
    pixels = sequence_examples.rgb_to_uint8(rgb)[..., 0]
    self.assertEqual(pixels.ravel().tolist(), list(range(256)))


if __name__ == '__main__':
  absltest.main()
