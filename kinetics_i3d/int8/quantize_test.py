"""Tests of int8 models made by the real recipe: their files, their outputs
against float32's, their provenance."""

import json
import os

import numpy as np
from absl.testing import absltest

from kinetics_i3d import pretrained
from kinetics_i3d.int8 import fidelity
from kinetics_i3d.int8 import quantize
from kinetics_i3d.int8 import runtime
from kinetics_i3d.int8 import store
from kinetics_i3d.models import hardware
from kinetics_i3d.models import inference
from kinetics_i3d.testing import int8_models
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.video import preprocessing


def _bikes_clip() -> np.ndarray:
  """The cyclist of bikes.mp4, 4.0-5.6 s: 40 frames, 224x224 RGB."""
  chunks = preprocessing.stream_video(repo_paths.registry_video('bikes.mp4'),
                                      flow=False, start_sec=4, end_sec=5.6)
  return np.concatenate([c.rgb for c in chunks])[None]


class QuantizeTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):  # One model for the class: about 20 s.
    super().setUpClass()
    if hardware.isa_cap_below_cpu():
      raise absltest.SkipTest(
          'ONEDNN_MAX_CPU_ISA caps oneDNN below this CPU\'s AVX-512, which '
          'OpenVINO\'s int8 networks cannot run under (runtime_test checks '
          'the refusal); an AVX2 CPU runs these')
    cls.result = int8_models.small_model()
    cls.model, cls.record = store.read(cls.result.directory,
                                       repo_paths.registry_checkpoint())
    cls.reference = inference.Predictor(
        {'rgb': pretrained.load('rgb_imagenet',
                                checkpoint=repo_paths.registry_checkpoint())})

  def _feature_cosine(self, clip: np.ndarray) -> float:
    """int8's features against float32's, by numpy (not the code under
    test); checks the outputs' shapes on the way."""
    expected = self.reference({'rgb': clip})
    got = runtime.Int8Predictor({'rgb': self.model})({'rgb': clip})
    self.assertEqual(got['logits'].shape, (1, 400))
    self.assertEqual(got['rgb_features'].shape,
                     expected['rgb_features'].shape)
    a, b = (o['rgb_features'].mean(1)[0].astype(np.float64)
            for o in (expected, got))
    return a @ b / np.linalg.norm(a) / np.linalg.norm(b)

  def test_int8_features_follow_float32s_at_any_shape(self):
    clip = _bikes_clip()
    # The recipe reaches 0.995 on average over held-out clips with its 300
    # calibration inputs; this model had 10. A float model with int8
    # rounding of every input and weight (a relative step of 1/127 to 1/255
    # of each range) stays above 0.98; a wrong scale, a lost layer or mixed
    # channels falls below 0.9.
    self.assertGreater(self._feature_cosine(clip), 0.98)
    # Another shape than the calibration's (16x224x224): compiled for it.
    self.assertGreater(
        self._feature_cosine(np.ascontiguousarray(clip[:, :24, :200, :210])),
        0.98)

  def test_the_folder_holds_the_model_its_provenance_and_fidelity(self):
    directory = self.result.directory
    self.assertCountEqual(os.listdir(directory), [
        quantize.MODEL_FILE, quantize.WEIGHTS_FILE, quantize.PROVENANCE_FILE,
        quantize.FIDELITY_FILE])
    record = self.record
    self.assertEqual(record['weights'], 'rgb_imagenet')
    self.assertEqual(record['checkpoint']['sha256'],
                     quantize.checkpoint_digest(
                         repo_paths.registry_checkpoint()))
    self.assertEqual(record['calibration']['inputs'], 10)
    self.assertEqual(record['calibration']['held_out_inputs'], 2)
    self.assertEqual(
        [os.path.basename(v['path'])
         for v in record['calibration']['held_out_videos']], ['bikes.mp4'])
    self.assertEqual(set(record['versions']),
                     {'openvino', 'nncf', 'tensorflow', 'kinetics_i3d'})
    with open(os.path.join(directory, quantize.FIDELITY_FILE)) as f:
      measured = fidelity.Fidelity.from_json(json.load(f))
    self.assertEqual(measured, self.result.fidelity)
    self.assertEqual(measured.clips, 2)
    self.assertGreater(measured.mean_feature_cosine, 0.98)

  def test_weights_are_int8_and_the_ends_stay_float(self):
    types = {}
    for op in self.model.get_ordered_ops():
      if op.get_type_name() == 'Convolution':
        weights = op.input_value(1).get_node()
        # An int8 weight is a Constant of i8 behind a Convert (and scale).
        while weights.get_type_name() in ('Multiply', 'Subtract', 'Convert'):
          weights = weights.input_value(0).get_node()
        types[op.get_friendly_name()] = (
            weights.get_element_type().get_type_name())
    names = list(types)
    self.assertLen(names, 58)
    self.assertEqual(types[names[0]], 'f32')
    self.assertEqual(types[names[-1]], 'f32')
    self.assertEqual(set(types[n] for n in names[1:-1]), {'i8'})


if __name__ == '__main__':
  absltest.main()
