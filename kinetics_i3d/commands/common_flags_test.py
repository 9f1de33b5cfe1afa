"""Tests of the feature protocol flags and presets."""

from __future__ import annotations

from absl import flags
from absl.testing import absltest

from kinetics_i3d import errors
from kinetics_i3d import features
from kinetics_i3d.commands import common_flags


def _parse(*args):
  values = flags.FlagValues()
  common_flags.define_protocol_flags(values)
  flags.DEFINE_enum('eval_type', 'rgb', ['rgb', 'flow', 'joint'], '',
                    flag_values=values)
  values(['command', *args])
  return common_flags.protocol_and_preset(values)


class ProtocolFlagsTest(absltest.TestCase):

  def test_flags_make_the_protocol(self):
    protocol, preset = _parse('--fps=native', '--window=21', '--stride=1',
                              '--center_windows', '--crops=full')
    self.assertIsNone(preset)
    self.assertEqual(protocol, features.Protocol(None, 21, 1, True, 'full'))
    self.assertEqual(_parse('--fps=29.97')[0].fps, 29.97)
    self.assertEqual(_parse()[0], features.Protocol())

  def test_presets_set_everything(self):
    protocol, preset = _parse('--preset=thumos14')
    self.assertEqual(protocol, features.Protocol(None, 16, 4, False, 'ten'))
    self.assertEqual(tuple(preset.streams), ('rgb', 'flow'))
    self.assertEqual(_parse('--preset=activitynet')[0],
                     features.Protocol(25.0, 16, 16, False, 'center'))
    self.assertEqual(
        common_flags.describe_preset('thumos14', preset),
        'Preset thumos14: streams rgb+flow (rgb_imagenet, flow_imagenet), '
        'fps=native, window=16, stride=4, center_windows=False, crops=ten. '
        f'{preset.source}.')

  def test_bad_flags_are_one_line(self):
    for args, message in (
        (['--stride=0'], 'window=64, stride=0: both must be at least 1'),
        (['--fps=fast'], '--fps=fast: give a number of frames per second, '
         'or native'),
        (['--fps=-5'], 'fps=-5: give a positive rate, or native'),
        (['--preset=thumos'], "unknown preset 'thumos': the presets are "
         'thumos14, activitynet'),
        (['--preset=thumos14', '--eval_type=rgb', '--crops=center'],
         '--preset=thumos14 sets --eval_type, --crops: leave them out')):
      with self.subTest(args[-1]):
        with self.assertRaisesRegex(errors.InputError, f'^{message}'):
          _parse(*args)

  def test_flags_beside_the_flag_that_sets_them_are_refused(self):
    values = flags.FlagValues()
    flags.DEFINE_string('protocol', None, '', flag_values=values)
    flags.DEFINE_integer('num_frames', 16, '', flag_values=values)
    flags.DEFINE_integer('seed', 0, '', flag_values=values)
    values(['fvd', '--protocol=fvd2048_16f', '--seed=3'])
    # --seed is not one the protocol sets.
    common_flags.refuse_flags_set_by('protocol', ('num_frames',), values)
    values(['fvd', '--protocol=fvd2048_16f', '--num_frames=16'])
    with self.assertRaisesRegex(
        errors.InputError,
        '^--protocol=fvd2048_16f sets --num_frames: leave them out, or give '
        'the settings without the protocol$'):
      common_flags.refuse_flags_set_by('protocol', ('num_frames',), values)


if __name__ == '__main__':
  absltest.main()
