"""SavedModel export of the folded inference networks.

The SavedModel holds the folded weights and three serving signatures, each
taking float32 [batch, frames, height, width, channels] clips of any batch
size and number of frames (one input per stream: `rgb` and/or `flow`):

* `logits`: {'logits': [batch, num_classes]} (summed over streams);
* `probabilities`: {'probabilities': [batch, num_classes]} (softmax);
* `features`: {'<stream>_features': [batch, 1024]}, Mixed_5c averaged over
  space and time;
* `outputs`: the logits and each stream's Mixed_5c averaged over space only,
  {'logits': [batch, num_classes], '<stream>_features': [batch, time,
  1024]}: everything the network computes, for runtimes that convert one
  signature (OpenVINO's `convert_model` reads `serving_default`).

`serving_default` is `logits` unless `export` is told otherwise. Each
signature checks its clips' values first: outside [-1, 1] (beyond round-off)
fails an assertion with the message `arrays.network_clips` gives.
"""

import tensorflow as tf

from kinetics_i3d import arrays
from kinetics_i3d import outputs as outputs_lib
from kinetics_i3d.models import inference


def _specs(predictor: inference.Predictor):
  return {
      stream: tf.TensorSpec([None, None, None, None, network.num_channels],
                            tf.float32, name=stream)
      for stream, network in predictor.networks.items()
  }


SIGNATURES = ('logits', 'probabilities', 'features', 'outputs')


def export(predictor: inference.Predictor, output_dir: str,
           overwrite: bool = False, default: str = 'logits') -> None:
  """Writes a SavedModel serving `predictor`.

  Args:
    predictor: the folded streams.
    output_dir: the SavedModel folder.
    overwrite: replace an existing folder.
    default: the signature `serving_default` is, one of `SIGNATURES`.

  Raises:
    ExistingOutputError: `output_dir` exists and `overwrite` is False.
    ValueError: unknown `default`.
  """
  if default not in SIGNATURES:
    raise ValueError(f'default must be one of {", ".join(SIGNATURES)}, got '
                     f'{default!r}')
  outputs_lib.check_new(output_dir, overwrite=overwrite)
  specs = _specs(predictor)
  module = tf.Module()
  module.predictor = predictor

  def run(clips):
    return predictor.run({s: arrays.clip_values(c, s) for s, c in
                          clips.items()})

  @tf.function(input_signature=[specs])
  def logits(clips):
    return {'logits': run(clips)['logits']}

  @tf.function(input_signature=[specs])
  def probabilities(clips):
    return {'probabilities': tf.nn.softmax(run(clips)['logits'])}

  @tf.function(input_signature=[specs])
  def features(clips):
    outputs = run(clips)
    return {
        f'{s}_features': tf.reduce_mean(outputs[f'{s}_features'], axis=1)
        for s in predictor.streams
    }

  @tf.function(input_signature=[specs])
  def outputs(clips):
    return run(clips)

  signatures = {'logits': logits, 'probabilities': probabilities,
                'features': features, 'outputs': outputs}
  for name, function in signatures.items():
    setattr(module, name, function)
  signatures['serving_default'] = signatures[default]
  tf.saved_model.save(module, output_dir, signatures=signatures)
