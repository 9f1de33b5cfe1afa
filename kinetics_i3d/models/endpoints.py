"""The names of I3D's layers, in order (no TensorFlow needed to read them)."""

# Endpoints of the model in order. Every call returns the output at
# `final_endpoint` and a dictionary of all the endpoints up to it.
VALID_ENDPOINTS = (
    'Conv3d_1a_7x7',
    'MaxPool3d_2a_3x3',
    'Conv3d_2b_1x1',
    'Conv3d_2c_3x3',
    'MaxPool3d_3a_3x3',
    'Mixed_3b',
    'Mixed_3c',
    'MaxPool3d_4a_3x3',
    'Mixed_4b',
    'Mixed_4c',
    'Mixed_4d',
    'Mixed_4e',
    'Mixed_4f',
    'MaxPool3d_5a_2x2',
    'Mixed_5b',
    'Mixed_5c',
    'Logits',
    'Predictions',
)
