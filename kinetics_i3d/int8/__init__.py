"""int8 inference for corpus-scale work: OpenVINO on models NNCF quantized.

  predictor = int8.predictor({'rgb': ('rgb_imagenet', checkpoint_prefix)})
  outputs = predictor({'rgb': clips})   # as models.inference.Predictor

- `runtime`: runs int8 networks like `models.inference.Predictor`; says in
  one line what to install when the `int8` extra is missing.
- `calibration_set`: the calibration and held-out clips, from a folder of
  videos or a manifest.
- `quantize`: float32 I3D -> SavedModel -> OpenVINO -> NNCF int8, measured.
- `fidelity`: how far int8's features and logits are from float32's.
- `store`: where models are kept; made on first use, remade when what they
  were made from changes.
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'Int8Predictor': 'runtime:Int8Predictor',
    'predictor': 'store:predictor',
    'build': 'quantize:build',
    'Fidelity': 'fidelity:Fidelity',
}
_SUBMODULES = ('calibration_set', 'fidelity', 'quantize', 'runtime', 'store')
__all__, __getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS,
                                               _SUBMODULES)
