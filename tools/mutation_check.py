"""Plants known bugs one at a time and checks that the tests catch each one.

  python tools/mutation_check.py            # every mutation (about 12 minutes)
  python tools/mutation_check.py --only=bgr,momentum

Each mutation replaces one exact piece of source text, runs the tests named
for it, and restores the file whatever happens. A mutation is caught when
those tests fail. The tree must have no uncommitted changes to the mutated
files (`git checkout -- FILE` undoes a run killed mid-way). Prints one line
per mutation (with the first error line of the tests that caught it) and
exits 1 if any is missed.
"""

import dataclasses
import os
import subprocess
import sys
import time
from typing import Optional, Sequence

from absl import app
from absl import flags

from kinetics_i3d.models import hardware
from kinetics_i3d.testing import repo_paths

_ONLY = flags.DEFINE_list('only', None, 'Names of the mutations to run.')


@dataclasses.dataclass(frozen=True)
class Mutation:
  """One planted bug: `old` (found exactly once in `path`) becomes `new`."""
  name: str
  description: str
  path: str
  old: str
  new: str
  tests: Sequence[str]


_MODEL = 'kinetics_i3d/models/i3d.py'
_TRAINER = 'kinetics_i3d/training/trainer.py'
_TRAINER_TESTS = ('kinetics_i3d/training/trainer_test.py',)
_FORWARD_TEST = (
    'i3d_test.py::NumericsTest::test_logits_match_plain_tf_nn_computation',)

MUTATIONS = (
    Mutation('bgr', 'the model reads its input in BGR order', _MODEL,
             'net = inputs\n    for endpoint',
             'net = inputs[..., ::-1]\n    for endpoint',
             _FORWARD_TEST),
    Mutation('time_reversed', 'the model reads its input reversed in time',
             _MODEL, 'net = inputs\n    for endpoint',
             'net = inputs[:, ::-1]\n    for endpoint',
             _FORWARD_TEST),
    Mutation('batch_norm_eps', 'batch norm with eps 1e-5 instead of 1e-3',
             _MODEL, 'eps: float = 1e-3,', 'eps: float = 1e-5,',
             _FORWARD_TEST),
    Mutation('no_time_average',
             'the logits of the first time step instead of their average',
             _MODEL, 'net = tf.reduce_mean(net, axis=1)', 'net = net[:, 0]',
             _FORWARD_TEST),
    Mutation('fold_without_mean', 'folding ignores the moving mean',
             'kinetics_i3d/models/inference.py',
             'b = norm.beta.numpy() - norm.moving_mean.numpy() * scale',
             'b = norm.beta.numpy()',
             ('kinetics_i3d/models/inference_test.py::FoldedTest::'
              'test_float32_matches_plain_model',)),
    Mutation('bfloat16_zeros', 'the bfloat16 path is fed zeros',
             'kinetics_i3d/models/inference.py',
             'net = tf.cast(inputs, self.dtype)',
             'net = tf.cast(inputs, self.dtype) * tf.cast('
             'self.dtype != tf.bfloat16, self.dtype)',
             ('kinetics_i3d/models/inference_test.py::RealWeightsTest',
              'kinetics_i3d/models/inference_test.py::FoldedTest::'
              'test_forced_bfloat16_stays_near_float32_on_any_kernels')),
    Mutation('bfloat16_everywhere',
             'bfloat16 runs on machines without bfloat16 arithmetic',
             'kinetics_i3d/models/precision.py',
             '  if not hardware.cpu_flags() & set(needed):\n',
             '  if False:\n',
             ('kinetics_i3d/models/precision_test.py',
              'classify_video_test.py::ClassifyVideoTest::'
              'test_bfloat16_without_bfloat16_arithmetic_runs_float32')),
    Mutation('flow_sample_unread',
             'evaluate_sample.py feeds zeros instead of the flow sample',
             'kinetics_i3d/commands/evaluate_sample.py',
             'streams.STREAMS[stream].num_channels)',
             'streams.STREAMS[stream].num_channels) * (stream != "flow")',
             ('evaluate_sample_test.py::EvaluateSampleTest::test_flow_alone',)),
    Mutation('multi_evaluate_shares_networks',
             'evaluate_sample.py --output_dir reuses the ImageNet streams\' '
             'logits for the from-scratch runs',
             'kinetics_i3d/commands/evaluate_sample.py',
             'name = streams.checkpoint_name(stream, imagenet_pretrained, '
             'kinetics600)\n',
             'name = stream\n',
             ('evaluate_sample_test.py::EvaluateSampleTest::'
              'test_every_combination_and_scratch_differs_from_imagenet',)),
    Mutation('evaluation_corner_crop',
             'evaluation crops the top-left corner instead of the centre',
             'kinetics_i3d/datasets/training_data.py',
             'top, left = (height - CROP_SIZE) // 2, (width - CROP_SIZE) // 2',
             'top, left = 0, 0',
             ('kinetics_i3d/training/evaluation_test.py',)),
    Mutation('training_crop_corner',
             'training always crops the top-left corner',
             'kinetics_i3d/datasets/training_data.py',
             '  crop = tf.image.stateless_random_crop(',
             '  crop = clip[:, :CROP_SIZE, :CROP_SIZE]\n  _ = ('
             'tf.image.stateless_random_crop)(',
             ('kinetics_i3d/datasets/training_data_test.py::PipelineTest::'
              'test_random_crops_reach_the_whole_frame_and_evaluation_is_'
              'centred',)),
    Mutation('flow_crop_corner',
             'the flow is cropped at the top-left while RGB is centred',
             'kinetics_i3d/video/preprocessing.py',
             'window = (*transform.offsets, CROP_SIZE)',
             'window = (0, 0, CROP_SIZE)',
             ('kinetics_i3d/video/preprocessing_test.py::FlowTest::'
              'test_rgb_and_flow_crops_line_up_on_a_non_square_video',)),
    Mutation('features_order', 'joint features put flow before RGB',
             'kinetics_i3d/models/inference.py',
             '         for s in predictor.streams], axis=1)',
             '         for s in predictor.streams[::-1]], axis=1)',
             ('kinetics_i3d/features_test.py::ExtractTest::'
              'test_joint_concatenates_rgb_then_flow',)),
    Mutation('ten_crops_unmirrored',
             'the ten crops repeat the five instead of mirroring them',
             'kinetics_i3d/video/preprocessing.py',
             'mirrored = views[:, :, :, ::-1]', 'mirrored = views',
             ('kinetics_i3d/features_test.py::CropsTest',)),
    Mutation('mirrored_flow_keeps_x',
             'a mirrored flow crop keeps its x motion',
             'kinetics_i3d/video/preprocessing.py',
             'mirrored = mirrored * np.array([-1, 1], mirrored.dtype)',
             'mirrored = mirrored * np.array([1, 1], mirrored.dtype)',
             ('kinetics_i3d/features_test.py::CropsTest',)),
    Mutation('native_fps_resampled',
             'native frame rate resamples to 25 fps',
             'kinetics_i3d/video/decoding.py',
             '    self.native = fps is None\n    self.fps = fps',
             '    self.native = False\n'
             '    fps = fps or FPS\n    self.fps = fps',
             ('kinetics_i3d/features_test.py::VideoTimesTest',)),
    Mutation('fvd_offsets_ignored',
             'FVD random sampling takes every clip at the video\'s start',
             'kinetics_i3d/fvd/protocols.py',
             'int(rng.integers(0, lengths[v] - span + 1))', '0',
             ('kinetics_i3d/fvd/protocols_test.py',)),
    Mutation('fvd_protocols_compared_loosely',
             'FVD statistics of another frame stride are compared',
             'kinetics_i3d/fvd/sets.py', "if k != 'num_videos']",
             "if k not in ('num_videos', 'frame_stride')]",
             ('fvd_test.py::FvdScriptTest::'
              'test_seeds_protocol_record_and_saved_statistics',)),
    Mutation('flow_chunk_boundary',
             'a streamed chunk\'s first flow pair starts from the frame before '
             'the previous chunk\'s last',
             'kinetics_i3d/video/preprocessing.py',
             '        previous_gray = grays[-1]\n',
             '        previous_gray = grays[-2]\n',
             ('kinetics_i3d/timeline_test.py::StreamingEqualsWholeClipTest::'
              'test_flow_across_chunk_boundaries_equals_whole_video_flow',)),
    Mutation('streamed_chunks_held',
             'classifying a video holds every decoded chunk until the end',
             'kinetics_i3d/timeline.py', '  seen = _Seen(chunks)\n',
             '  seen = _Seen(list(chunks))\n',
             ('classify_video_test.py::LongVideoTest::'
              'test_memory_does_not_grow_with_length_and_windows_cover_it',)),
    Mutation('clip_seek_to_any_frame',
             'clips are decoded from the frame a seek lands on, keyframe or '
             'not',
             'kinetics_i3d/video/frame_access.py', 'any_frame=False',
             'any_frame=True',
             ('kinetics_i3d/video/frame_access_test.py',)),
    Mutation('frame_times_in_decode_order',
             'frame times indexed in decode order, not display order',
             'kinetics_i3d/video/frame_access.py',
             'np.sort(np.array(times, np.int64))', 'np.array(times, np.int64)',
             ('kinetics_i3d/video/frame_access_test.py',)),
    Mutation('shard_set_with_a_gap',
             'a split with a shard missing is read as if whole',
             'kinetics_i3d/datasets/shards.py', '  if missing:\n',
             '  if False:\n',
             ('kinetics_i3d/datasets/shards_test.py',)),
    Mutation('stale_temporaries_kept',
             'a rerun leaves what a killed run half-wrote',
             'kinetics_i3d/outputs.py',
             'for name in [n for n in folders + files if TEMPORARY_MARK in n]',
             'for name in []',
             ('kinetics_i3d/outputs_test.py',)),
    Mutation('freeze_up_to_ignored', '--freeze_up_to is ignored', _TRAINER,
             'frozen = set(i3d.VALID_ENDPOINTS[:last + 1])', 'frozen = set()',
             _TRAINER_TESTS),
    Mutation('batch_norm_never_frozen',
             'batch norm of frozen layers keeps training', _TRAINER,
             'frozen_endpoints=self.frozen_batch_norm)',
             'frozen_endpoints=())', _TRAINER_TESTS),
    Mutation('notrain_batch_norm_ignored', '--notrain_batch_norm is ignored',
             _TRAINER, 'not config.train_batch_norm else frozen',
             'False else frozen', _TRAINER_TESTS),
    Mutation('momentum', 'momentum dropped (plain SGD)', _TRAINER,
             'slot.assign(config.momentum * slot + grad)', 'slot.assign(grad)',
             _TRAINER_TESTS),
    Mutation('weight_decay', 'weight decay dropped', _TRAINER,
             'decay = config.weight_decay * tf.add_n(',
             'decay = 0.0 * tf.add_n(', _TRAINER_TESTS),
    Mutation('decay_everywhere',
             'weight decay on every variable, not only conv kernels',
             _TRAINER, "if n.endswith('conv_3d/w')]", 'if n]',
             _TRAINER_TESTS),
    Mutation('loss_not_averaged', 'the loss is not divided by the batch',
             _TRAINER, 'tf.reduce_sum(cross_entropy) / global_batch + decay',
             'tf.reduce_sum(cross_entropy) + decay', _TRAINER_TESTS),
    Mutation('slots_not_restored', 'momentum slots are not restored on resume',
             _TRAINER, 'slot.assign(reader.get_tensor(key))', 'pass',
             _TRAINER_TESTS),
    Mutation('retention_ignored', '--keep_checkpoints is ignored', _TRAINER,
             '[:-self.config.keep_checkpoints]', '[:0]', _TRAINER_TESTS),
    Mutation('joint_needs_both',
             'joint classification refuses a missing stream',
             'kinetics_i3d/commands/classify_video.py',
             '  if not found or FLAGS.eval_type',
             '  if len(found) < 2 or FLAGS.eval_type',
             ('classify_video_test.py::ClassifyVideoTest::'
              'test_joint_runs_the_streams_it_has',)),
    Mutation('prefetch_on_demand',
             'chunks made only when the network asks (nothing ahead)',
             'kinetics_i3d/video/prefetch.py',
             'waiting: \'queue.Queue\' = queue.Queue(maxsize=depth)',
             'yield from items\n  return\n  waiting = queue.Queue(depth)',
             ('kinetics_i3d/video/prefetch_test.py',)),
    Mutation('prefetch_swallows_errors',
             'a decoding error in the chunk thread ends the chunks silently',
             'kinetics_i3d/video/prefetch.py',
             '      if error is not None:\n        raise error\n',
             '', ('kinetics_i3d/video/prefetch_test.py',)),
    Mutation('cache_before_given_folder',
             'a weights lookup that takes the cache before the folder given',
             'kinetics_i3d/models/locations.py',
             '  if checkpoint_dir:\n    return os.path.join(checkpoint_dir',
             '  if False:\n    return os.path.join(checkpoint_dir',
             ('kinetics_i3d/public_api_test.py',)),
    Mutation('nested_model_names',
             'an I3D inside a user\'s module restored under its full path',
             'kinetics_i3d/models/checkpoints.py',
             "outer = model.name_scope.name[:-len(model.name + '/')]",
             "outer = ''",
             ('kinetics_i3d/models/checkpoints_test.py',)),
    Mutation('kinetics600_without_class_names',
             'the Kinetics-600 checkpoint fetched without its class list',
             'kinetics_i3d/models/cached_weights.py',
             'files=label_map + original_release', 'files=original_release',
             ('kinetics_i3d/models/cached_weights_test.py',)),
    Mutation('clock_from_adds', 'the clock taken as one cycle per multiply',
             'kinetics_i3d/testing/machine.py', 'IMUL_LATENCY = 3',
             'IMUL_LATENCY = 1', ('kinetics_i3d/testing/machine_test.py',)),
    Mutation('retried_clip_written_twice',
             'a clip a retried bundle repeats is written twice',
             'kinetics_i3d/pipelines/sharded.py',
             'clips = [unique[m] for m in sorted(unique)]',
             'clips = sorted(outcomes)',
             ('kinetics_i3d/pipelines/sharded_test.py',)),
    Mutation('temporaries_kept',
             'the pipeline leaves the temporaries killed workers left',
             'kinetics_i3d/pipelines/prepare.py',
             '    files.remove_temporaries(', '    list(',
             ('kinetics_i3d/pipelines/prepare_test.py',)),
    Mutation('tfrecord_crc_unmasked', 'TFRecord CRCs written unmasked',
             'kinetics_i3d/pipelines/files.py', '_MASK_DELTA = 0xa282ead8',
             '_MASK_DELTA = 0', ('kinetics_i3d/pipelines/files_test.py',)),
    Mutation('serialized_in_any_order',
             'examples serialized with their maps in any order',
             'kinetics_i3d/pipelines/prepare.py',
             'SerializeToString(deterministic=True)', 'SerializeToString()',
             ('kinetics_i3d/pipelines/dask_runner_test.py::DaskRunnerTest::'
              'test_prepare_spreads_over_the_workers_and_writes_the_same_files'
             ,)),
    Mutation('rotation_ignored',
             'the display matrix is not applied (phone videos sideways)',
             'kinetics_i3d/video/display.py',
             '    return self.orientation.apply(rgb)', '    return rgb',
             ('kinetics_i3d/video/display_test.py',
              'classify_video_test.py::ClassifyVideoTest::'
              'test_a_phone_clip_stored_sideways_gives_the_upright_classes')),
    Mutation('cover_art_is_the_video',
             'the first video stream is taken, cover pictures included',
             'kinetics_i3d/video/display.py',
             '  videos = [s for s in streams\n'
             '            if not s.disposition & '
             'av.stream.Disposition.attached_pic]',
             '  videos = streams',
             ('kinetics_i3d/video/display_test.py',)),
    Mutation('pixel_aspect_ignored', 'non-square pixels are kept as stored',
             'kinetics_i3d/video/display.py',
             '    return height, max(1, round(width * self.sample_aspect))',
             '    return height, width',
             ('kinetics_i3d/video/display_test.py',)),
    Mutation('colour_tag_ignored',
             '--color_matrix=tagged converts with BT.601 anyway',
             'kinetics_i3d/video/display.py', '      colorspace = tagged\n',
             '      colorspace = _BT601\n',
             ('kinetics_i3d/video/display_test.py',)),
    Mutation('slow_bfloat16_runs', 'bfloat16 runs however it measured',
             'kinetics_i3d/models/precision.py',
             '  chosen = calibration.fastest(measured, candidates, '
             'MIN_SPEEDUP)',
             '  chosen = candidates[0]',
             ('kinetics_i3d/models/precision_test.py',)),
    Mutation('calibration_ignores_isa_cap',
             'a calibration is reused after ONEDNN_MAX_CPU_ISA changes',
             'kinetics_i3d/models/calibration.py',
             "      'ONEDNN_MAX_CPU_ISA': hardware.onednn_isa_cap(),\n", '',
             ('kinetics_i3d/models/precision_test.py',)),
    Mutation('help_imports_tensorflow',
             'a command imports TensorFlow before it parses its flags',
             'kinetics_i3d/commands/classify_video.py',
             'FLAGS = flags.FLAGS\n',
             'FLAGS = flags.FLAGS\nimport tensorflow  # pylint: disable=all\n',
             ('kinetics_i3d/commands/quick_answers_test.py',)),
    Mutation('int8_logits_quantized',
             'the int8 recipe quantizes the logits layer too',
             'kinetics_i3d/int8/quantize.py',
             'names=[convolutions[0],\n'
             '                                               convolutions[-1]]',
             'names=[convolutions[0]]',
             ('kinetics_i3d/int8/quantize_test.py',)),
    Mutation('int8_stale_checkpoint_reused',
             'an int8 model made from another checkpoint is reused',
             'kinetics_i3d/int8/store.py',
             '  if checkpoint is not None and quantize.checkpoint_digest(',
             '  if False and quantize.checkpoint_digest(',
             ('kinetics_i3d/int8/store_test.py',)),
    Mutation('int8_held_out_calibrated_on',
             'the held-out videos are calibrated on as well',
             'kinetics_i3d/int8/calibration_set.py',
             '  return Split(kept, out)', '  return Split(videos, out)',
             ('kinetics_i3d/int8/calibration_set_test.py',)),
    Mutation('int8_inputs_unranged',
             'the int8 predictor checks its clips\' layout but not their range',
             'kinetics_i3d/int8/runtime.py',
             'checked = arrays.network_inputs(inputs, self.streams, layout)',
             'checked = {s: arrays.clip_layout(inputs[s], s, layout=layout)\n'
             '               for s in self.streams}',
             ('kinetics_i3d/input_contract_test.py',)),
    Mutation('fvd_floats_read_as_0_255',
             'FVD reads float frames as [0, 255] whatever their stated range',
             'kinetics_i3d/arrays.py',
             '  bounds = VALUE_RANGES[value_range]\n',
             "  bounds = VALUE_RANGES['0-255']\n",
             ('kinetics_i3d/arrays_test.py',
              'kinetics_i3d/fvd/sets_test.py')),
    Mutation('int8_top5_as_top1', 'top-5 agreement counts the top class only',
             'kinetics_i3d/int8/fidelity.py',
             '_top(reference_logits, 5), _top(logits, 5)',
             '_top(reference_logits, 1), _top(logits, 1)',
             ('kinetics_i3d/int8/fidelity_test.py',)),
)


def apply(mutation: Mutation, text: str) -> str:
  """The mutated text of `mutation.path`.

  Raises:
    ValueError: `mutation.old` is not in `text` exactly once.
  """
  count = text.count(mutation.old)
  if count != 1:
    raise ValueError(f'{mutation.name}: {mutation.old!r} occurs {count} '
                     f'times in {mutation.path}; update the mutation')
  return text.replace(mutation.old, mutation.new)


def run(mutation: Mutation) -> Optional[str]:
  """Plants the mutation, runs its tests and restores the file.

  Returns:
    The first error line of the failing tests when caught, else None.
  """
  path = os.path.join(repo_paths.ROOT, mutation.path)
  with open(path) as f:
    original = f.read()
  try:
    with open(path, 'w') as f:
      f.write(apply(mutation, original))
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-x', '--numprocesses=0',
         '-m', '', *mutation.tests],  # The named tests, slow ones too.
        cwd=repo_paths.ROOT, capture_output=True, text=True, check=False)
  finally:
    with open(path, 'w') as f:
      f.write(original)
  if result.returncode == 0:
    return None
  errors = [line[1:].strip() for line in result.stdout.splitlines()
            if line.startswith('E ') and line[1:].strip()]
  return ' | '.join(errors[:3]) if errors else result.stdout[-200:]


def main(argv: Sequence[str]) -> None:
  del argv
  chosen = [m for m in MUTATIONS if not _ONLY.value or m.name in _ONLY.value]
  unknown = set(_ONLY.value or ()) - {m.name for m in MUTATIONS}
  if unknown:
    sys.exit(f'error: unknown mutations {sorted(unknown)}; see MUTATIONS')
  dirty = subprocess.run(
      ['git', 'status', '--porcelain', '--',
       *sorted({m.path for m in chosen})], cwd=repo_paths.ROOT,
      capture_output=True, text=True, check=True).stdout
  if dirty:
    sys.exit('error: commit or stash the changes to the mutated files first:'
             f' {dirty.split()}')
  missed = []
  for mutation in chosen:
    start = time.monotonic()
    error = run(mutation)
    print(f'{"caught" if error else "MISSED"}  {mutation.name:28s} '
          f'{time.monotonic() - start:6.1f} s  {mutation.description}',
          flush=True)
    if error:
      print(f'        {error[:150]}')
    else:
      missed.append(mutation.name)
  print(f'{len(chosen) - len(missed)} of {len(chosen)} mutations caught')
  if missed:
    sys.exit(1)


if __name__ == '__main__':
  app.run(main)
