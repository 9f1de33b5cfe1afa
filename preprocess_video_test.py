"""End-to-end tests of preprocess_video.py, run as a user runs it."""

import os

from absl.testing import absltest
import numpy as np
import pytest

from kinetics_i3d.testing import script_testing
from kinetics_i3d.testing import synthetic_videos


def _run(*args):
  return script_testing.run('preprocess_video.py', *args)


class SingleVideoTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.dir = self.create_tempdir().full_path
    self.video = os.path.join(self.dir, 'moving.mkv')
    synthetic_videos.write_video(
        self.video, synthetic_videos.moving_texture(10, 240, 320, dx=2.0),
        fps=25)

  def test_writes_samples_that_evaluate_sample_takes(self):
    # 2 pixels right a frame for 4 frames, then still (short TV-L1).
    video = os.path.join(self.dir, 'moving_then_still.mkv')
    synthetic_videos.write_video(
        video, synthetic_videos.moving_then_still(4, 6, 240, 320, dx=2.0))
    rgb_out = os.path.join(self.dir, 'out', 'x_rgb.npy')
    flow_out = os.path.join(self.dir, 'out', 'x_flow.npy')
    result = _run(video, f'--rgb_out={rgb_out}', f'--flow_out={flow_out}',
                  '--gif', '--workers=2')
    self.assertEqual(result.returncode, 0, result.stderr)
    rgb, flow = np.load(rgb_out), np.load(flow_out)
    self.assertEqual(rgb.shape, (1, 9, 224, 224, 3))
    self.assertEqual(flow.shape, (1, 9, 224, 224, 2))
    self.assertEqual((rgb.dtype, flow.dtype), (np.float32, np.float32))
    # 2 px right, resized and scaled to the network's units; then still.
    self.assertAlmostEqual(np.median(flow[0, :3, ..., 0]), 2 * 256 / 240 / 20,
                           delta=0.01)
    self.assertLess(np.abs(flow[0, 3:]).max(), 0.01)
    for gif in ('x_rgb.gif', 'x_flow.gif'):
      self.assertTrue(os.path.exists(os.path.join(self.dir, 'out', gif)))
    self.assertIn(f'Wrote {rgb_out}: [1, 9, 224, 224, 3]', result.stdout)

    # Existing outputs are refused, untouched, unless --overwrite.
    before = os.path.getmtime(rgb_out)
    result = _run(video, f'--rgb_out={rgb_out}')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(script_testing.last_line(result.stderr),
                     '^error: .*x_rgb.npy exists: pass --overwrite')
    self.assertEqual(os.path.getmtime(rgb_out), before)
    result = _run(video, f'--rgb_out={rgb_out}', '--overwrite',
                  '--end_sec=0.36')
    self.assertEqual(result.returncode, 0, result.stderr)
    # Frames 0 to 8 now, where the RGB beside the flow was frames 1 to 9.
    np.testing.assert_array_equal(np.load(rgb_out)[0, 1:], rgb[0, :-1])

  @pytest.mark.slow
  def test_tensorflow_backend_gives_opencv_flow(self):
    # The TensorFlow port of TV-L1 gives the same flow, in network units.
    outputs = {}
    for backend in ('opencv', 'tensorflow'):
      outputs[backend] = os.path.join(self.dir, f'{backend}_flow.npy')
      result = _run(self.video, f'--flow_out={outputs[backend]}',
                    f'--flow_backend={backend}')
      self.assertEqual(result.returncode, 0, result.stderr)
    flow, tf_flow = (np.load(p) for p in outputs.values())
    self.assertEqual(tf_flow.shape, flow.shape)
    self.assertLess(np.abs(tf_flow - flow).mean(), 0.01)
    # Not OpenCV's own output: the flag reached the TensorFlow port.
    self.assertFalse(np.array_equal(tf_flow, flow))

  def test_user_errors_are_one_line(self):
    out = os.path.join(self.dir, 'o.npy')
    text = self.create_tempfile('text.mp4', content='not a video').full_path
    # The other messages are tested where they are raised (decoding_test,
    # preprocessing_test); these two reach the script from both.
    cases = [
        ([text, f'--rgb_out={out}'], 'cannot decode'),
        ([self.video, f'--rgb_out={out}', '--start_sec=0.3'],
         'gives 3 frames at 25 fps; the network needs at least 9'),
    ]
    for args, message in cases:
      result = _run(*args)
      self.assertEqual(result.returncode, 1, (args, result.stderr))
      self.assertRegex(script_testing.last_line(result.stderr),
                       '^error: .*' + message)
      self.assertNotIn('Traceback', result.stderr)
      self.assertFalse(os.path.exists(out))


class BatchTest(absltest.TestCase):

  def test_folder_skips_done_and_reports_broken(self):
    root = self.create_tempdir()
    videos = os.path.join(root.full_path, 'videos')
    os.makedirs(os.path.join(videos, 'class_a'))
    os.makedirs(os.path.join(videos, 'class_b'))
    for name, dx in (('class_a/one.mkv', 1.0), ('class_b/two.mkv', -1.0)):
      synthetic_videos.write_video(
          os.path.join(videos, name),
          synthetic_videos.moving_texture(12, 128, 160, dx=dx), fps=25)
    with open(os.path.join(videos, 'class_b', 'broken.mp4'), 'w') as f:
      f.write('truncated download')
    out = os.path.join(root.full_path, 'out')

    result = _run(f'--input_dir={videos}', f'--output_dir={out}',
                  '--streams=rgb', '--workers=2')
    self.assertEqual(result.returncode, 1)
    self.assertIn('2 of 3 videos preprocessed', result.stdout)
    self.assertRegex(result.stderr,
                     r'failed: .*class_b/broken.mp4: cannot decode')
    self.assertEqual(np.load(os.path.join(out, 'class_a', 'one_rgb.npy')).shape,
                     (1, 12, 224, 224, 3))
    self.assertTrue(os.path.exists(os.path.join(out, 'class_b',
                                                'two_rgb.npy')))

    os.remove(os.path.join(videos, 'class_b', 'broken.mp4'))
    done = os.path.getmtime(os.path.join(out, 'class_a', 'one_rgb.npy'))
    result = _run(f'--input_dir={videos}', f'--output_dir={out}',
                  '--streams=rgb')
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn('2 of 2 videos preprocessed', result.stdout)
    self.assertEqual(
        os.path.getmtime(os.path.join(out, 'class_a', 'one_rgb.npy')), done)

  def test_list_with_times_and_flow(self):
    root = self.create_tempdir().full_path
    synthetic_videos.write_video(
        os.path.join(root, 'long.mkv'),
        synthetic_videos.moving_texture(40, 128, 128), fps=25)  # Still.
    with open(os.path.join(root, 'list.csv'), 'w') as f:
      f.write('# video,start,end\nlong.mkv,0.4,0.8\n')
    out = os.path.join(root, 'out')
    result = _run(f'--input_list={os.path.join(root, "list.csv")}',
                  f'--output_dir={out}')
    self.assertEqual(result.returncode, 0, result.stderr)
    # 0.4 s to 0.8 s: 10 frames, 9 flow fields and the RGB frames beside.
    self.assertEqual(np.load(os.path.join(out, 'long_0.4_rgb.npy')).shape,
                     (1, 9, 224, 224, 3))
    self.assertEqual(np.load(os.path.join(out, 'long_0.4_flow.npy')).shape,
                     (1, 9, 224, 224, 2))

  def test_empty_folder(self):
    result = _run(f'--input_dir={self.create_tempdir().full_path}',
                  '--output_dir=/tmp/unused')
    self.assertEqual(result.returncode, 1)
    self.assertRegex(result.stderr, 'error: .* holds no video files')


if __name__ == '__main__':
  absltest.main()
