"""Clips as `tf.train.SequenceExample`s in MediaPipe's Kinetics key layout.

The layout of DeepMind's MediaPipe `media_sequence` pipeline, which
`training_data` reads: JPEG RGB frames in `image/encoded`, JPEG flow in
`FORWARD_FLOW/image/encoded` (x and y quantised from [-20, 20] pixels to 8
bits as MediaPipe's `FlowQuantizerModel` does, blue 0), per-frame
timestamps in microseconds, and the clip's media id, label, start and end
times and frame rate in the context.
"""

from typing import Optional, Sequence

import cv2
import numpy as np
import tensorflow as tf

from kinetics_i3d.video import decoding
from kinetics_i3d.video import preprocessing

FLOW_PREFIX = 'FORWARD_FLOW/'
_MICROSECONDS = 1_000_000


def encoded_key(stream: str) -> str:
  """The feature list holding a stream's JPEG images."""
  return ('' if stream == 'rgb' else FLOW_PREFIX) + 'image/encoded'


def images_to_network(images, stream: str):
  """Decoded images scaled to [0, 1] (numpy or TensorFlow) to network inputs.

  RGB to [-1, 1]; flow from its x and y channels, (v - 0.5) * 2: the
  quantised +-20 px back in units of 20 px, as `preprocessing` scales it.
  """
  if stream == 'rgb':
    return images * 2.0 - 1.0
  return (images[..., :2] - 0.5) * 2.0


def rgb_to_uint8(rgb: np.ndarray) -> np.ndarray:
  """Network RGB in [-1, 1] back to uint8 pixels."""
  return np.clip(np.rint((rgb + 1.0) * 127.5), 0, 255).astype(np.uint8)


def quantize_flow(flow: np.ndarray) -> np.ndarray:
  """Flow in network units ([-1, 1] = +-20 px) to 3-channel uint8 images.

  As MediaPipe's FlowQuantizerModel with bounds +-20: (v + 20) / 40 clipped
  to [0, 1], times 255, truncated; the third channel is 0.
  """
  scaled = np.clip((flow + 1.0) / 2.0, 0.0, 1.0) * 255.0
  quantized = np.zeros(flow.shape[:-1] + (3,), np.uint8)
  quantized[..., :2] = scaled.astype(np.uint8)
  return quantized


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
  """A uint8 RGB image [H, W, 3] as JPEG bytes, chroma at full resolution.

  4:4:4 rather than JPEG's usual 4:2:0: halving the chroma resolution moved
  the registry checkpoint's logits more than the quality setting did
  (`benchmarks/dataset_benchmark.py`). Optimised Huffman tables save about
  4% for the same pixels.
  """
  ok, data = cv2.imencode(
      '.jpg', cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
      [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
       cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
  if not ok:
    raise ValueError('JPEG encoding failed')
  return data.tobytes()


def decode_jpeg(jpeg) -> tf.Tensor:
  """A stored frame (JPEG bytes or a string tensor) as uint8 [H, W, 3].

  With the exact inverse DCT: TensorFlow's default (INTEGER_FAST) adds error.
  """
  return tf.io.decode_jpeg(jpeg, channels=3, dct_method='INTEGER_ACCURATE')


def _bytes(values: Sequence[bytes]) -> tf.train.Feature:
  return tf.train.Feature(bytes_list=tf.train.BytesList(value=list(values)))


def _ints(values: Sequence[int]) -> tf.train.Feature:
  return tf.train.Feature(int64_list=tf.train.Int64List(value=list(values)))


def _floats(values: Sequence[float]) -> tf.train.Feature:
  return tf.train.Feature(float_list=tf.train.FloatList(value=list(values)))


class ClipBuilder:
  """Collects a clip's frames chunk by chunk, JPEG-encoded as they come."""

  def __init__(self, media_id: str, label_index: int, label: str,
               start_sec: float, end_sec: Optional[float], jpeg_quality: int,
               flow_jpeg_quality: int):
    """Starts an empty clip.

    Args:
      media_id: the clip's name.
      label_index: its class index (-1 if unlabelled).
      label: its class name.
      start_sec: its start in the source video.
      end_sec: its end in the source video; None: after its last frame.
      jpeg_quality: of the RGB frames.
      flow_jpeg_quality: of the flow images.
    """
    self.media_id = media_id
    self.label_index = label_index
    self.label = label
    self.start_sec = start_sec
    self.end_sec = end_sec
    self.quality = {'rgb': jpeg_quality, 'flow': flow_jpeg_quality}
    self.frames = {'rgb': [], 'flow': []}
    self.times = []
    self.shape = None

  def add(self, chunk: preprocessing.Chunk) -> None:
    """Encodes a chunk's frames (times relative to the decoded start)."""
    self.times.extend(chunk.times)
    if chunk.rgb is not None:
      self.shape = chunk.rgb.shape[1:3]
      self.frames['rgb'].extend(encode_jpeg(f, self.quality['rgb'])
                                for f in rgb_to_uint8(chunk.rgb))
    if chunk.flow is not None:
      self.shape = chunk.flow.shape[1:3]
      self.frames['flow'].extend(encode_jpeg(f, self.quality['flow'])
                                 for f in quantize_flow(chunk.flow))

  def example(self, time_offset_sec: float = 0.0) -> tf.train.SequenceExample:
    """The SequenceExample; frame times are shifted by `time_offset_sec`."""
    stamps = [int(round((time_offset_sec + t) * _MICROSECONDS))
              for t in self.times]
    end_sec = (self.end_sec if self.end_sec is not None else
               time_offset_sec + self.times[-1] + 1 / decoding.FPS)
    height, width = self.shape
    context = {
        'clip/media_id': _bytes([self.media_id.encode()]),
        'clip/label/index': _ints([self.label_index]),
        'clip/label/string': _bytes([self.label.encode()]),
        'clip/start/timestamp': _ints([round(self.start_sec * _MICROSECONDS)]),
        'clip/end/timestamp': _ints([round(end_sec * _MICROSECONDS)]),
        'image/frame_rate': _floats([decoding.FPS]),
    }
    lists = {}
    for stream, prefix in (('rgb', ''), ('flow', FLOW_PREFIX)):
      if self.frames[stream]:
        context.update({
            prefix + 'image/format': _bytes([b'JPEG']),
            prefix + 'image/height': _ints([height]),
            prefix + 'image/width': _ints([width]),
        })
        lists[encoded_key(stream)] = tf.train.FeatureList(
            feature=[_bytes([f]) for f in self.frames[stream]])
        lists[prefix + 'image/timestamp'] = tf.train.FeatureList(
            feature=[_ints([s]) for s in stamps])
    return tf.train.SequenceExample(
        context=tf.train.Features(feature=context),
        feature_lists=tf.train.FeatureLists(feature_list=lists))


def media_id(example: tf.train.SequenceExample) -> Optional[str]:
  """The clip's media id."""
  values = example.context.feature['clip/media_id'].bytes_list.value
  return values[0].decode() if values else None
