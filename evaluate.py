"""Top-1 and top-5 accuracy of trained I3D streams, per stream and fused.

  python evaluate.py --stream=rgb --checkpoint=DIR_OR_PREFIX --data=DATA
  python evaluate.py --stream=joint --rgb_checkpoint=A --flow_checkpoint=B \
      --data=DATA

--model_dir is a synonym of --checkpoint (the newest checkpoint of a
training folder is used). DATA as for train.py; each clip is evaluated whole
with the centre crop, its logits averaged over time; `joint` sums the two
streams' logits. --logits_out saves every clip's logits per stream, with the
labels, to an .npz (for other fusions, confusion matrices and the like).
"""

import json
from typing import Sequence

from absl import app
from absl import flags

from kinetics_i3d import cli
from kinetics_i3d.datasets import training_data
from kinetics_i3d.models import inference
from kinetics_i3d.models import streams
from kinetics_i3d.training import evaluation

_STREAM = flags.DEFINE_enum('stream', 'rgb', ['rgb', 'flow', 'joint'],
                            'Stream(s) to evaluate.')
_CHECKPOINT = flags.DEFINE_string('checkpoint', None,
                                  'Checkpoint prefix or training folder.')
_MODEL_DIR = flags.DEFINE_string('model_dir', None, 'Training folder.')
_RGB_CHECKPOINT = flags.DEFINE_string('rgb_checkpoint', None,
                                      'RGB checkpoint (joint).')
_FLOW_CHECKPOINT = flags.DEFINE_string('flow_checkpoint', None,
                                       'Flow checkpoint (joint).')
_DATA = flags.DEFINE_string('data', None, 'Class folders, CSV or TFRecords.',
                            required=True)
_LABEL_MAP = flags.DEFINE_string('label_map', None, 'Class names.')
_NUM_CLASSES = flags.DEFINE_integer('num_classes', None, 'Classes.')
_PRECISION = flags.DEFINE_enum('precision', 'float32',
                               list(inference.PRECISIONS), 'Arithmetic.')
_JSON = flags.DEFINE_boolean('json', False, 'Print JSON.')
_LOGITS_OUT = flags.DEFINE_string(
    'logits_out', None, 'Also write every clip\'s logits per stream and the '
    'labels to this new .npz file.')


@cli.reports_input_errors
def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {" ".join(argv[1:])}')
  if _STREAM.value == 'joint':
    run = ('rgb', 'flow')
    given = {'rgb': _RGB_CHECKPOINT.value, 'flow': _FLOW_CHECKPOINT.value}
  else:
    run = (_STREAM.value,)
    given = {_STREAM.value: _CHECKPOINT.value or _MODEL_DIR.value or
             (_RGB_CHECKPOINT.value if _STREAM.value == 'rgb' else
              _FLOW_CHECKPOINT.value)}
  missing = [s for s in run if not given[s]]
  if missing:
    raise app.UsageError(f'give a checkpoint for {", ".join(missing)}')
  if _LOGITS_OUT.value:
    evaluation.check_logits_path(_LOGITS_OUT.value)
  clips = {
      s: training_data.load(_DATA.value, s, _LABEL_MAP.value,
                            _NUM_CLASSES.value) for s in run
  }
  if len(run) == 2:
    evaluation.check_paired(clips['rgb'], clips['flow'])
  first = clips[run[0]]
  logits, labels = {}, None
  for stream in run:
    model = streams.load_model(
        stream, evaluation.resolve_checkpoint(given[stream]),
        len(first.class_names))
    predictor = inference.Predictor({stream: model}, _PRECISION.value)
    logits[stream], labels = evaluation.stream_logits(
        predictor, {stream: clips[stream]})
  results = evaluation.report(logits, labels)
  if _LOGITS_OUT.value:
    evaluation.save_logits(_LOGITS_OUT.value, logits, labels,
                           first.class_names)
  if _JSON.value:
    print(json.dumps({'clips': len(labels), 'accuracy': results}, indent=2))
    return
  for name, values in results.items():
    print(f'{name}: top-1 {values["top_1"]:.4f}, top-5 {values["top_5"]:.4f} '
          f'({len(labels)} clips)')


if __name__ == '__main__':
  app.run(main)
