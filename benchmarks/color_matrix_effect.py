"""Measures how much the colour matrix moves the network's outputs.

Fixed input: `data/videos/bikes.mp4` from 4.0 to 5.6 s (40 frames of a
cyclist), re-encoded as H.264 tagged BT.709 (converted from RGB with the
BT.709 matrix, as HD video is). That clip goes through the RGB stream of
rgb_imagenet twice: decoded with `--color_matrix=bt601` (the released
preprocessing's conversion, the default) and with `--color_matrix=tagged`
(BT.709). Prints the pixels' difference from the source frames, and between
the two decodes the logits' largest difference, their top-5, and the cosine
similarity of the 1024-d features (Mixed_5c, averaged over time and space).

  python benchmarks/color_matrix_effect.py [--checkpoint_dir=data/checkpoints]
"""

import os
import tempfile

from absl import app
from absl import flags
import av
import numpy as np

from kinetics_i3d import pretrained
from kinetics_i3d.testing import repo_paths
from kinetics_i3d.video import decoding
from kinetics_i3d.video import preprocessing

_CHECKPOINT_DIR = flags.DEFINE_string(
    'checkpoint_dir', os.path.join(repo_paths.DATA_DIR, 'checkpoints'),
    'Folder holding rgb_imagenet/model.ckpt.')
_BT709 = 1  # FFmpeg's AVCOL_SPC_BT709 (and its primaries and transfer).


def _write_bt709(path: str, frames: np.ndarray) -> None:
  """H.264 converted from RGB with the BT.709 matrix and tagged so."""
  with av.open(path, 'w') as container:
    stream = container.add_stream('libx264', rate=25)
    stream.width, stream.height = frames.shape[2], frames.shape[1]
    stream.pix_fmt = 'yuv420p'
    stream.options = {'crf': '16'}
    context = stream.codec_context
    context.colorspace = context.color_primaries = context.color_trc = _BT709
    for image in frames:
      frame = av.VideoFrame.from_ndarray(image, format='rgb24').reformat(
          format='yuv420p', src_colorspace='ITU601', dst_colorspace='ITU709',
          interpolation='BICUBIC')
      frame.colorspace = _BT709
      for packet in stream.encode(frame):
        container.mux(packet)
    for packet in stream.encode():
      container.mux(packet)


def main(argv):
  del argv
  source = np.stack(decoding.decode(repo_paths.registry_video('bikes.mp4'),
                                    lambda f: f, start_sec=4.0,
                                    end_sec=5.6).frames)
  checkpoint = os.path.join(_CHECKPOINT_DIR.value, 'rgb_imagenet',
                            'model.ckpt')
  logits_model = pretrained.load('rgb_imagenet', checkpoint=checkpoint)
  features_model = pretrained.load('rgb_imagenet', 'Mixed_5c',
                                   checkpoint=checkpoint)
  classes = pretrained.categories('rgb_imagenet')
  results = {}
  with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, 'bikes_bt709.mp4')
    _write_bt709(path, source)
    for policy in ('bt601', 'tagged'):
      decoded = np.stack(decoding.decode(path, lambda f: f,
                                         color_matrix=policy).frames)
      clip = preprocessing.preprocess_video(path, flow=False,
                                            color_matrix=policy).rgb
      logits = logits_model(clip, is_training=False)[0].numpy()[0]
      features = features_model(clip, is_training=False)[0].numpy()
      results[policy] = (np.abs(decoded.astype(float) - source).mean(),
                         logits, features.mean(axis=(0, 1, 2, 3)))
      print(f'{policy:7s} mean |decoded - source| = {results[policy][0]:.2f} '
            'levels; top-5: ' + ', '.join(
                f'{classes[i]} {logits[i]:.3f}'
                for i in np.argsort(-logits)[:5]))
  a, b = results['bt601'], results['tagged']
  cosine = float(a[2] @ b[2] / np.linalg.norm(a[2]) / np.linalg.norm(b[2]))
  print(f'logits: largest difference {np.abs(a[1] - b[1]).max():.3f} on a '
        f'norm of {np.linalg.norm(b[1]):.3f}; same top-1: '
        f'{a[1].argmax() == b[1].argmax()}')
  print(f'features (Mixed_5c, averaged): cosine similarity {cosine:.5f}, '
        'largest difference '
        f'{np.abs(a[2] - b[2]).max():.4f} (largest value {b[2].max():.3f})')


if __name__ == '__main__':
  app.run(main)
