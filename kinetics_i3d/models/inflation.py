"""Inflating a 2D Inception-v1 (TF-Slim) checkpoint into I3D's filters.

As the paper does, each N x N 2D kernel becomes an N x N x N 3D kernel by
repeating it N times along time and dividing by N, so that a "boring" video
of one repeated image gives the 2D network's activations (away from the
clip's first and last frames, where `SAME` padding adds zeros). Batch-norm
parameters are copied. The 1001-class ImageNet logits are dropped: the I3D
logits layer is trained anew.

TF-Slim names, e.g. `InceptionV1/Mixed_4b/Branch_1/Conv2d_0b_3x3/weights` and
`.../BatchNorm/{beta,moving_mean,moving_variance}`, map to I3D's
`inception_i3d/Mixed_4b/Branch_1/Conv3d_0b_3x3/conv_3d/w` and
`.../batch_norm/...`; Slim's Inception-v1 already has the irregular
`Mixed_5b/Branch_2/Conv2d_0a_3x3` that I3D kept.

For the Flow stream, whose input has 2 channels, the first layer's kernel is
averaged over the 3 colour channels and used for both flow channels.
"""

from typing import Dict, Mapping

import numpy as np

from kinetics_i3d import errors
from kinetics_i3d import outputs
from kinetics_i3d.models import checkpoints

SLIM_SCOPE = 'InceptionV1/'
_BATCH_NORM = ('beta', 'moving_mean', 'moving_variance')


def _i3d_unit(slim_unit: str) -> str:
  """'Mixed_3b/Branch_1/Conv2d_0b_3x3' -> 'Mixed_3b/Branch_1/Conv3d_0b_3x3'."""
  return slim_unit.replace('Conv2d_', 'Conv3d_')


def inflate_kernel(kernel: np.ndarray) -> np.ndarray:
  """[N, N, in, out] -> [N, N, N, in, out]: repeated N times, divided by N."""
  size = kernel.shape[0]
  return np.repeat(kernel[None] / size, size, axis=0).astype(np.float32)


def inflate(slim_weights: Mapping[str, np.ndarray],
            num_channels: int = 3) -> Dict[str, np.ndarray]:
  """I3D weights (names without a stream scope) from Inception-v1's.

  Args:
    slim_weights: TF-Slim Inception-v1 variables by name (`InceptionV1/...`);
      optimizer slots, logits and other variables are ignored.
    num_channels: input channels of the I3D stream (3 RGB, 2 flow).

  Returns:
    Arrays by I3D name (`inception_i3d/...`), without the logits.

  Raises:
    InputError: a convolution has no batch-norm parameters, or there are
      none at all.
  """
  arrays = {}
  for name, value in slim_weights.items():
    if not (name.startswith(SLIM_SCOPE) and name.endswith('/weights')):
      continue
    unit = name[len(SLIM_SCOPE):-len('/weights')]
    if unit.startswith('Logits/'):
      continue
    kernel = np.asarray(value, np.float32)
    if unit == 'Conv2d_1a_7x7' and num_channels != kernel.shape[2]:
      kernel = np.repeat(kernel.mean(axis=2, keepdims=True), num_channels,
                         axis=2)
    target = f'inception_i3d/{_i3d_unit(unit)}'
    arrays[f'{target}/conv_3d/w'] = inflate_kernel(kernel)
    for part in _BATCH_NORM:
      source = f'{SLIM_SCOPE}{unit}/BatchNorm/{part}'
      if source not in slim_weights:
        raise errors.InputError(f'the Inception-v1 checkpoint has no {source}')
      arrays[f'{target}/batch_norm/{part}'] = np.asarray(
          slim_weights[source], np.float32)
  if not arrays:
    raise errors.InputError(f'no {SLIM_SCOPE}*/weights variables: not a '
                            'TF-Slim Inception-v1 checkpoint')
  return arrays


def inflate_checkpoint(inception_v1_path: str, output_path: str,
                       stream: str = 'rgb') -> int:
  """Writes an I3D checkpoint inflated from a TF-Slim Inception-v1 one.

  Args:
    inception_v1_path: prefix of e.g. `inception_v1.ckpt` from TF-Slim.
    output_path: the I3D checkpoint prefix to write, in the original layout
      (`RGB/inception_i3d/...` or `Flow/...`), without logits.
    stream: 'rgb' or 'flow'.

  Returns:
    The number of variables written.

  Raises:
    MissingFileError, CheckpointError, InputError: the input cannot be used.
    ExistingOutputError: `output_path` exists.
  """
  outputs.check_new(output_path, 'remove it or give another output',
                    checkpoint=True)
  reader = checkpoints.open_checkpoint(inception_v1_path)
  slim = {name: reader.get_tensor(name)
          for name in reader.get_variable_to_shape_map()}
  channels, scope = (3, 'RGB') if stream == 'rgb' else (2, 'Flow')
  arrays = inflate(slim, channels)
  checkpoints.write_arrays(output_path,
                           {f'{scope}/{n}': a for n, a in arrays.items()})
  return len(arrays)
