"""Every command answers --help, wrong flags and missing inputs at once.

Each case runs a command as its console script does (`testing.light_paths`,
the cases one after another in one fresh process), and the test checks its
answer, its exit status, and that it imported neither TensorFlow, Beam nor
matplotlib: those take seconds to import, and a user's typo should not wait
for them.
"""

import json
import os
import shutil
import subprocess
import sys

from absl.testing import absltest
import numpy as np

from kinetics_i3d.testing import video_zoo

COMMANDS = ('classify_video', 'dataset_features', 'evaluate',
            'evaluate_sample', 'export_saved_model', 'extract_features',
            'fetch_data', 'fvd', 'inflate_imagenet', 'prepare_dataset',
            'preprocess_video', 'quantize', 'train')

# Required flags, beside an unknown one (Beam's commands leave the flags they
# do not know to Beam, which is asked after the required flags are checked).
REQUIRED = {'dataset_features': ['--output=out/f'],
            'prepare_dataset': ['--output_dir=out']}

# (command, arguments, what the last line of stderr says). Relative paths
# are in the test's folder, which holds video.mp4, exists.npy, exists.png,
# short.npy, unit.npy and the folder exists/.
MISTAKES = (
    ('classify_video', ['/nonexistent.mp4'], 'error: no video at '
     '/nonexistent.mp4'),
    ('classify_video', ['exists.npy'], 'error: cannot decode exists.npy'),
    ('classify_video', ['video.mp4', '--start_sec=5', '--end_sec=2'],
     'error: --end_sec 2 is not after --start_sec 5'),
    ('classify_video', ['video.mp4', '--start_sec=3'],
     'error: --start_sec 3 is outside video.mp4, which lasts 0.480 s'),
    ('classify_video', ['video.mp4', '--plot=exists.png'],
     'error: exists.png exists'),
    ('extract_features', ['/nonexistent.mp4', '--out=features'],
     'error: no video, .npy clip or folder at /nonexistent.mp4'),
    ('extract_features', ['video.mp4', '--out=features', '--preset=thumos14',
                          '--window=8'],
     'error: --preset=thumos14 sets --window'),
    ('fvd', ['/nonexistent_a', '/nonexistent_b'],
     'error: no folder or file at /nonexistent_a'),
    ('fvd', ['exists', '--save_stats=exists.npy'], 'error: exists.npy exists'),
    ('fvd', ['short.npy', '--num_frames=9', '--save_stats=s.npz'],
     'error: every video of short.npy is shorter than a clip'),
    ('evaluate_sample', ['--eval_type=rgb', '--rgb_sample=/nonexistent.npy'],
     'error: no sample at /nonexistent.npy'),
    ('export_saved_model', ['--eval_type=rgb', '--output=exists'],
     'error: exists exists: pass --overwrite'),
    ('dataset_features', ['--shards=/nonexistent', '--output=out/f'],
     'error: no TFRecord shards'),
    ('dataset_features', ['--shards=a', '--videos=b', '--output=out/f'],
     'give --shards, or --videos'),
    ('prepare_dataset', ['--manifest=/nonexistent.csv', '--videos=exists',
                         '--output_dir=out'],
     'error: no manifest at /nonexistent.csv'),
    ('prepare_dataset', ['--videos=/nonexistent', '--output_dir=out'],
     'error: no videos folder at /nonexistent'),
    ('train', ['--train_data=/nonexistent', '--model_dir=out'],
     'error: no data at /nonexistent'),
    ('evaluate', ['--stream=rgb', '--checkpoint=c', '--data=/nonexistent'],
     'error: no data at /nonexistent'),
    ('evaluate', ['--eval_type=rgb', '--checkpoint=c', '--data=exists',
                  '--logits_out=exists.npy'], 'error: exists.npy exists'),
    ('inflate_imagenet', ['--inception_v1_checkpoint=/nonexistent',
                          '--output=out/model.ckpt'],
     'error: no checkpoint at /nonexistent'),
    ('preprocess_video', ['/nonexistent.mp4', '--rgb_out=out.npy'],
     'error: no video at /nonexistent.mp4'),
    ('preprocess_video', ['video.mp4', '--rgb_out=exists.npy'],
     'error: exists.npy exists: pass --overwrite'),
    ('evaluate_sample', ['--output_dir=out', '--eval_type=rgb'],
     'error: --output_dir runs every combination: leave out --eval_type'),
    ('evaluate_sample', ['--output_dir=out', '--checkpoint_dir=/nonexistent',
                         '--rgb_sample=exists.npy', '--flow_sample=exists.npy'],
     'error: 7 of the 7 combinations failed (imagenet_joint, imagenet_flow, '
     'imagenet_rgb, no_imagenet_rgb600, no_imagenet_joint, no_imagenet_flow, '
     'no_imagenet_rgb; their reasons are above); none was written'),
    ('evaluate_sample', ['--precision=int8'],
     'error: evaluate_sample.py does not run int8: it exists to match the '
     'reference numbers'),
    ('fvd', ['exists', 'exists', '--precision=int8'],
     'error: FVD does not run int8'),
    ('fvd', ['unit.npy', 'short.npy'],
     'error: unit.npy holds float32 values from 0 to 1, and floats need '
     "their range stated: value_range='0-1', '-1-1' or '0-255' "
     '(--value_range on fvd.py)'),
    ('fvd', ['unit.npy', 'short.npy', '--value_range=0-255', '--layout=NCTHW'],
     "error: unit.npy has shape [3, 9, 16, 16, 3], which is NTHWC (channels "
     "last, the default), not NCTHW: pass layout='NTHWC'"),
    ('evaluate', ['--eval_type=rgb', '--checkpoint=c', '--data=exists',
                  '--precision=int8'], 'error: evaluate.py does not run int8'),
    ('quantize', ['--videos=/nonexistent'],
     'error: no videos folder at /nonexistent'),
    ('quantize', ['--manifest=exists.npy'],
     '--manifest names clips of --videos: give --videos'),
    ('quantize', ['--videos=exists', '--manifest=/nonexistent.csv'],
     'error: no manifest at /nonexistent.csv'),
    ('quantize', ['--output_dir=exists', '--eval_type=joint'],
     'error: exists/rgb_imagenet exists: pass --overwrite'),
)


class QuickAnswersTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.folder = absltest.get_default_test_tmpdir()
    shutil.copy(video_zoo.entry('h264.mp4').path,
                os.path.join(cls.folder, 'video.mp4'))
    for name in ('exists.npy', 'exists.png'):
      open(os.path.join(cls.folder, name), 'w').close()
    np.save(os.path.join(cls.folder, 'short.npy'),
            np.zeros((3, 8, 16, 16, 3), np.uint8))  # Three 8-frame videos.
    np.save(os.path.join(cls.folder, 'unit.npy'),  # Videos in [0, 1].
            np.linspace(0, 1, 3 * 9 * 16 * 16 * 3, dtype=np.float32).reshape(
                3, 9, 16, 16, 3))
    os.makedirs(os.path.join(cls.folder, 'exists', 'rgb_imagenet'),
                exist_ok=True)
    # Every case that imports no heavy module, in one fresh process (Beam's
    # unknown flags, which import Beam, each in its own).
    unknown_flags = [(command, ['--no_such_flag=1', *REQUIRED.get(command, [])])
                     for command in COMMANDS]
    light = ([case for case in unknown_flags if case[0] not in REQUIRED] +
             [(command, ['--help']) for command in COMMANDS] +
             [(command, args) for command, args, _ in MISTAKES])
    cls.results = dict(zip(map(repr, light), cls._run(light)))
    for case in unknown_flags:
      if case[0] in REQUIRED:
        cls.results[repr(case)] = cls._run([case])[0]

  @classmethod
  def _run(cls, cases):
    """Each case's exit status, stdout, stderr and heavy modules imported
    by then, run in turn in a fresh process."""
    paths = [os.path.join(cls.folder, f'{name}.json')
             for name in ('cases', 'results')]
    with open(paths[0], 'w') as f:
      json.dump(cases, f)
    subprocess.run(
        [sys.executable, '-m', 'kinetics_i3d.testing.light_paths', *paths],
        cwd=cls.folder, check=True, timeout=300)
    with open(paths[1]) as f:
      return json.load(f)

  def _result(self, command, args):
    """(exit status, stdout, stderr lines, heavy modules) of a case."""
    result = self.results[repr((command, list(args)))]
    return (result['status'], result['stdout'],
            result['stderr'].strip().splitlines(), result['heavy'])

  def test_help_and_unknown_flags(self):
    for command in COMMANDS:
      with self.subTest(command=command):
        status, stdout, _, heavy = self._result(command, ['--help'])
        self.assertEqual(status, 1)  # absl's --help exits with status 1.
        self.assertIn('Try --helpfull to get a list of all flags.', stdout)
        self.assertEqual(heavy, [])
        status, _, stderr, heavy = self._result(
            command, ['--no_such_flag=1', *REQUIRED.get(command, [])])
        self.assertEqual(status, 1)
        self.assertIn("Unknown command line flag 'no_such_flag'",
                      '\n'.join(stderr))
        # Beam's commands ask Beam's options (not TensorFlow) about it.
        self.assertEqual(heavy,
                         ['apache_beam'] if command in REQUIRED else [])

  def test_mistakes_are_one_line_without_tensorflow(self):
    for command, args, message in MISTAKES:
      with self.subTest(command=command, args=args):
        status, _, stderr, heavy = self._result(command, args)
        self.assertNotEqual(status, 0)
        self.assertTrue(stderr, 'no message')
        self.assertIn(message, stderr[-1])
        self.assertNotIn('Traceback', '\n'.join(stderr))
        self.assertEqual(heavy, [])


if __name__ == '__main__':
  absltest.main()
