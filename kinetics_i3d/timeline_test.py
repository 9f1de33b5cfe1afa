"""Tests of streaming a video through the windows and the network.

The streamed results are checked against a whole-clip computation made
independently: every frame decoded at once, the flow of all pairs in one
OpenCV call, and one forward pass of the plain models over the whole clip.
"""

import os
import shutil
import tempfile

from absl.testing import absltest
import av
import numpy as np
import tensorflow as tf

from kinetics_i3d import features
from kinetics_i3d import timeline
from kinetics_i3d.models import checkpoints
from kinetics_i3d.models import i3d
from kinetics_i3d.models import inference
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos
from kinetics_i3d.video import decoding
from kinetics_i3d.video import optical_flow
from kinetics_i3d.video import preprocessing


class StreamingEqualsWholeClipTest(absltest.TestCase):
  """A 12-frame 25 fps video, streamed in chunks of 2 frames."""

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.dir = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, cls.dir)
    cls.path = os.path.join(cls.dir, 'moving.mkv')
    # 240x270 frames: resized to 256x288, so cropping matters. The texture
    # moves at the first pair and at those around the chunks' boundary (8 to
    # 10) and stands still between them: TV-L1 stops at once on a still pair.
    texture = synthetic_videos.moving_texture(5, 240, 270, dx=1.5, dy=-1.0,
                                              seed=7)
    frames = texture[[0] + [1] * 8 + [2, 3, 4]]
    synthetic_videos.write_video(cls.path, frames, fps=25)
    cls.chunks = list(preprocessing.stream_video(cls.path, chunk_frames=2))
    # The whole clip, independently of the streaming code.
    with av.open(cls.path) as container:
      decoded = [f.to_ndarray(format='rgb24')
                 for f in container.decode(video=0)]
    resized = [preprocessing.resize_frame(f) for f in decoded]
    top, left = (256 - 224) // 2, (288 - 224) // 2
    whole_flow = optical_flow.tvl1_flow(
        [preprocessing.to_gray(r) for r in resized])
    cls.flow = preprocessing.rescale_flow(
        whole_flow[:, top:top + 224, left:left + 224])[None]
    cls.rgb = (np.stack(resized[1:])[:, top:top + 224, left:left + 224] /
               127.5 - 1.0).astype(np.float32)[None]
    cls.rgb_model = i3d.InceptionI3d()
    checkpoints.restore(cls.rgb_model, repo_paths.registry_checkpoint(),
                        'RGB', num_channels=3)
    cls.flow_model = i3d.InceptionI3d()
    checkpoints.build(cls.flow_model, 2)

  def test_chunks_cover_every_frame_once(self):
    # The first chunk waits for the network's minimum (10 decoded frames,
    # the first of which only starts the flow), then chunks of 2.
    self.assertEqual([len(c.times) for c in self.chunks], [9, 2])
    times = np.concatenate([c.times for c in self.chunks])
    np.testing.assert_allclose(times, np.arange(1, 12) / 25.0)

  def test_flow_across_chunk_boundaries_equals_whole_video_flow(self):
    flow = np.concatenate([c.flow for c in self.chunks])[None]
    self.assertEqual(flow.shape, (1, 11, 224, 224, 2))
    # The flow is not trivial: the texture moves by (1.5, -1) pixels, times
    # 256 / 240 once resized, at pairs 0 and 8 to 10.
    self.assertAlmostEqual(
        float(np.median(flow[0, [0, 8, 9, 10], ..., 0])) * 20, 1.6, delta=0.1)
    np.testing.assert_allclose(flow, self.flow, atol=1e-6)
    rgb = np.concatenate([c.rgb for c in self.chunks])[None]
    np.testing.assert_allclose(rgb, self.rgb, atol=1e-4)

  def test_one_window_gives_the_whole_clip_logits_and_features(self):
    predictor = inference.Predictor({'rgb': self.rgb_model,
                                     'flow': self.flow_model})
    result = timeline.classify(predictor, iter(self.chunks), window=250,
                               stride=250)
    rgb_logits, rgb_points = self.rgb_model(self.rgb, is_training=False)
    flow_logits, flow_points = self.flow_model(self.flow, is_training=False)
    expected = (rgb_logits + flow_logits)[0].numpy()
    self.assertLen(result.windows, 1)
    self.assertEqual(result.num_frames, 11)
    self.assertFalse(result.partial)
    np.testing.assert_allclose(result.logits, expected, atol=1e-4)
    # The check can fail: another clip moves the logits far more.
    other, _ = self.rgb_model(self.rgb[:, ::-1], is_training=False)
    self.assertGreater(np.abs(other - rgb_logits).max(), 1e-2)

    streamed = features.chunk_features(
        predictor, iter(self.chunks), features.Protocol(window=250,
                                                        stride=250))
    expected_features = np.concatenate([
        tf.reduce_mean(points['Mixed_5c'], axis=[1, 2, 3])
        for points in (rgb_points, flow_points)
    ], axis=1)
    self.assertEqual(streamed.features.shape, (1, 2048))
    np.testing.assert_allclose(streamed.features, expected_features,
                               atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(streamed.start_sec, [0.04])


class TimelineTest(absltest.TestCase):

  def _timeline(self, error=None):
    logits = np.zeros((2, 3), np.float32)
    logits[0, 1] = logits[1, 2] = 5.0
    return timeline.Timeline([
        timeline.WindowLogits(0.0, 10.0, logits[0]),
        timeline.WindowLogits(65.0, 75.04, logits[1])
    ], 1876, 0.0, error)

  def test_logits_are_the_windows_mean(self):
    np.testing.assert_allclose(self._timeline().logits, [0.0, 2.5, 2.5])

  def test_format(self):
    self.assertEqual(timeline.format_time(0.0), '00:00.0')
    self.assertEqual(timeline.format_time(75.04), '01:15.0')
    self.assertEqual(timeline.format_time(6000.0), '100:00.0')
    names = ['a', 'b', 'c']
    p = np.exp(5.0) / (np.exp(5.0) + 2)
    self.assertEqual(
        timeline.format_timeline(self._timeline(), names),
        f'00:00.0-00:10.0  {p:.4f}  b\n01:05.0-01:15.0  {p:.4f}  c\n')
    error = decoding.DecodingError('cut', 75.3)
    self.assertTrue(self._timeline(error).partial)
    self.assertEndsWith(timeline.format_timeline(self._timeline(error), names),
                        'c\npartial: decoding failed at 01:15.3\n')
    entries = timeline.window_entries(self._timeline(), names, 2)
    self.assertEqual([e['top_classes'][0]['class'] for e in entries],
                     ['b', 'c'])
    self.assertEqual([(e['start_sec'], e['end_sec']) for e in entries],
                     [(0.0, 10.0), (65.0, 75.04)])

  def test_frames_in(self):
    self.assertEqual(timeline.frames_in(10.0), 250)
    self.assertEqual(timeline.frames_in(0.36), 9)


if __name__ == '__main__':
  absltest.main()
