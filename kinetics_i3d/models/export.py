"""SavedModel export of the folded inference networks.

The SavedModel holds the folded weights and three serving signatures, each
taking float32 [batch, frames, height, width, channels] clips of any batch
size and number of frames (one input per stream: `rgb` and/or `flow`):

* `logits`: {'logits': [batch, num_classes]} (summed over streams);
* `probabilities`: {'probabilities': [batch, num_classes]} (softmax);
* `features`: {'<stream>_features': [batch, 1024]}, Mixed_5c averaged over
  space and time.

`serving_default` is `logits`.
"""

import tensorflow as tf

from kinetics_i3d import errors
from kinetics_i3d.models import inference


def _specs(predictor: inference.Predictor):
  return {
      stream: tf.TensorSpec([None, None, None, None, network.num_channels],
                            tf.float32, name=stream)
      for stream, network in predictor.networks.items()
  }


def export(predictor: inference.Predictor, output_dir: str,
           overwrite: bool = False) -> None:
  """Writes a SavedModel serving `predictor`.

  Args:
    predictor: the folded streams.
    output_dir: the SavedModel folder.
    overwrite: replace an existing folder.

  Raises:
    ExistingOutputError: `output_dir` exists and `overwrite` is False.
  """
  if tf.io.gfile.exists(output_dir) and not overwrite:
    raise errors.ExistingOutputError(
        f'{output_dir} exists; pass --overwrite to replace it')
  specs = _specs(predictor)
  module = tf.Module()
  module.predictor = predictor

  @tf.function(input_signature=[specs])
  def logits(clips):
    return {'logits': predictor.run(clips)['logits']}

  @tf.function(input_signature=[specs])
  def probabilities(clips):
    return {'probabilities': tf.nn.softmax(predictor.run(clips)['logits'])}

  @tf.function(input_signature=[specs])
  def features(clips):
    outputs = predictor.run(clips)
    return {
        f'{s}_features': tf.reduce_mean(outputs[f'{s}_features'], axis=1)
        for s in predictor.streams
    }

  module.logits, module.probabilities, module.features = (logits,
                                                          probabilities,
                                                          features)
  signatures = {
      'serving_default': logits,
      'logits': logits,
      'probabilities': probabilities,
      'features': features,
  }
  tf.saved_model.save(module, output_dir, signatures=signatures)
