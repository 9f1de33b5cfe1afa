"""int8 inference for corpus-scale work: OpenVINO on models NNCF quantized.

- `runtime`: runs int8 networks like `models.inference.Predictor`; says in
  one line what to install when the `int8` extra is missing.
- `calibration_set`: the calibration and held-out clips, from a folder of
  videos or a manifest.
- `quantize`: float32 I3D -> SavedModel -> OpenVINO -> NNCF int8, measured.
- `fidelity`: how far int8's features and logits are from float32's.
- `store`: where models are kept; made on first use, remade when what they
  were made from changes.
"""
