"""Top-1 and top-5 accuracy of trained I3D streams, per stream and fused.

  python evaluate.py --eval_type=rgb --checkpoint=DIR_OR_PREFIX --data=DATA
  python evaluate.py --eval_type=joint --rgb_checkpoint=A --flow_checkpoint=B \
      --data=DATA

--model_dir is a synonym of --checkpoint (the newest checkpoint of a
training folder is used). DATA as for train.py; each clip is evaluated whole
with the centre crop, its logits averaged over time; `joint` sums the two
streams' logits. --logits_out saves every clip's logits per stream, with the
labels, to an .npz (for other fusions, confusion matrices and the like).
"""

from __future__ import annotations

import json
from typing import Sequence

from absl import app
from absl import flags
from absl import logging

from kinetics_i3d import cli
from kinetics_i3d import lazy_modules
from kinetics_i3d import outputs
from kinetics_i3d.commands import common_flags
from kinetics_i3d.datasets import sources
from kinetics_i3d.models import precision
from kinetics_i3d.models import streams

# Heavy (TensorFlow, Beam): imported when a path first uses them.
evaluation = lazy_modules.load('kinetics_i3d.training.evaluation')
inference = lazy_modules.load('kinetics_i3d.models.inference')
training_data = lazy_modules.load('kinetics_i3d.datasets.training_data')

FLAGS = flags.FLAGS


def define_flags() -> None:
  """Defines the command's flags (when it runs, never at import)."""
  common_flags.define_eval_type_flag('rgb', 'Stream(s) to evaluate.')
  flags.DEFINE_enum('stream', None, ['rgb', 'flow', 'joint'],
                    'Deprecated: --eval_type.')
  flags.DEFINE_string('checkpoint', None,
                      'Checkpoint prefix or training folder.')
  flags.DEFINE_string('model_dir', None, 'Training folder.')
  flags.DEFINE_string('rgb_checkpoint', None,
                      'RGB checkpoint (joint).')
  flags.DEFINE_string('flow_checkpoint', None,
                      'Flow checkpoint (joint).')
  flags.DEFINE_string('data', None, 'Class folders, CSV or TFRecords.',
                      required=True)
  flags.DEFINE_string('label_map', None, 'Class names.')
  flags.DEFINE_integer('num_classes', None, 'Classes.')
  flags.DEFINE_enum('precision', 'float32',
                    list(precision.PRECISIONS), 'Arithmetic.')
  flags.DEFINE_boolean('json', False, 'Print JSON.')
  flags.DEFINE_string(
      'logits_out', None, 'Also write every clip\'s logits per stream and the '
      'labels to this new .npz file.')


def _eval_type() -> str:
  """--eval_type, or the deprecated --stream (with a warning line)."""
  if FLAGS.stream is None:
    return FLAGS.eval_type
  if FLAGS['eval_type'].present and FLAGS.eval_type != FLAGS.stream:
    raise app.UsageError(f'--stream={FLAGS.stream} (deprecated) and '
                         f'--eval_type={FLAGS.eval_type} disagree: give '
                         '--eval_type alone')
  logging.warning('--stream is deprecated and goes in 0.4: give '
                  '--eval_type=%s', FLAGS.stream)
  return FLAGS.stream


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  precision.refuse_int8(FLAGS.precision, 'evaluate.py')
  eval_type = _eval_type()
  if eval_type == 'joint':
    stream_names = ('rgb', 'flow')
    given = {'rgb': FLAGS.rgb_checkpoint, 'flow': FLAGS.flow_checkpoint}
  else:
    stream_names = (eval_type,)
    given = {eval_type: FLAGS.checkpoint or FLAGS.model_dir or
             (FLAGS.rgb_checkpoint if eval_type == 'rgb' else
              FLAGS.flow_checkpoint)}
  missing = [s for s in stream_names if not given[s]]
  if missing:
    raise app.UsageError(f'give a checkpoint for {", ".join(missing)}')
  if FLAGS.logits_out:
    outputs.check_absent(FLAGS.logits_out, 'logits_out')
  sources.check_exists(FLAGS.data)
  clips = {
      s: training_data.load(FLAGS.data, s, FLAGS.label_map,
                            FLAGS.num_classes) for s in stream_names
  }
  if len(stream_names) == 2:
    evaluation.check_paired(clips['rgb'], clips['flow'])
  first = clips[stream_names[0]]
  logits, labels = {}, None
  for stream in stream_names:
    # A trained checkpoint, of the data set's classes.
    model = streams.restore_model(
        stream, evaluation.resolve_checkpoint(given[stream]),
        len(first.class_names))
    predictor = inference.Predictor({stream: model}, FLAGS.precision)
    logits[stream], labels = evaluation.stream_logits(
        predictor, {stream: clips[stream]})
  results = evaluation.report(logits, labels)
  if FLAGS.logits_out:
    evaluation.save_logits(FLAGS.logits_out, logits, labels,
                           first.class_names)
  if FLAGS.json:
    print(json.dumps({'clips': len(labels), 'precision': predictor.precision,
                      'accuracy': results}, indent=2))
    return
  for name, values in results.items():
    print(f'{name}: top-1 {values["top_1"]:.4f}, top-5 {values["top_5"]:.4f} '
          f'({len(labels)} clips)')


def run() -> None:
  """Runs the command (its console script's entry point)."""
  cli.run(main, define_flags, __doc__)


if __name__ == '__main__':
  run()
