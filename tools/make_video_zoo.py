r"""Makes the video zoo (`kinetics_i3d/testing/zoo/`) with FFmpeg's CLI.

  python tools/make_video_zoo.py [--ffmpeg=ffmpeg]

Each file starts from `video_zoo.source_frames()` (piped to FFmpeg as raw
RGB) and is encoded the way such videos come to users. The files are
committed, so the tests need no FFmpeg; run this again only to change the
zoo, and check what it writes with `kinetics_i3d/video/zoo_test.py`.
Made with FFmpeg 5.1 (Debian 12).
"""

import os
import subprocess
import tempfile

from absl import app
from absl import flags
import numpy as np

from kinetics_i3d.testing import mp4_display_matrix
from kinetics_i3d.testing import video_zoo

_FFMPEG = flags.DEFINE_string('ffmpeg', 'ffmpeg', 'The ffmpeg command.')

_H, _W = video_zoo.HEIGHT, video_zoo.WIDTH
_H264 = ['-c:v', 'libx264', '-crf', '16', '-preset', 'slow',
         '-pix_fmt', 'yuv420p']


def _ffmpeg(*args: str, frames: np.ndarray = None) -> None:
  command = [_FFMPEG.value, '-y', '-hide_banner', '-loglevel', 'error']
  if frames is not None:
    pix_fmt = 'gray' if frames.ndim == 3 else 'rgb24'
    command += ['-f', 'rawvideo', '-pix_fmt', pix_fmt, '-s',
                f'{frames.shape[2]}x{frames.shape[1]}', '-r',
                str(video_zoo.FPS), '-i', '-']
  # Output options go before the output file, the last argument.
  command += list(args[:-1]) + ['-fflags', '+bitexact', '-flags:v',
                                '+bitexact', args[-1]]
  subprocess.run(command, input=None if frames is None else frames.tobytes(),
                 check=True)


def main(argv):
  del argv
  out = video_zoo.ZOO_DIR
  os.makedirs(out, exist_ok=True)
  source = video_zoo.source_frames()

  def path(name):
    return os.path.join(out, name)

  _ffmpeg(*_H264, path('h264.mp4'), frames=source)
  for degrees in (90, 180, 270):
    _ffmpeg('-i', path('h264.mp4'), '-c', 'copy', '-metadata:s:v:0',
            f'rotate={degrees}', path(f'rotate{degrees}.mp4'))
  _ffmpeg('-i', path('h264.mp4'), '-c', 'copy', path('mirror.mp4'))
  mp4_display_matrix.set_display_matrix(
      path('mirror.mp4'), mp4_display_matrix.mirror_matrix(_W))
  _ffmpeg('-vf', f'scale={video_zoo.SAR_STORED_WIDTH}:{_H}:flags=area,'
          'setsar=2', *_H264, path('sar.mp4'), frames=source)
  with tempfile.TemporaryDirectory() as tmp:
    cover = os.path.join(tmp, 'cover.png')
    _ffmpeg('-frames:v', '1', '-vf', 'negate,scale=96:96', cover,
            frames=source[:1])
    # A cover picture (the attached_pic disposition) that FFmpeg lists
    # before the video: its box comes first in the file.
    _ffmpeg('-i', cover, '-i', path('h264.mp4'), '-map', '1', '-map', '0',
            '-c:v:0', 'copy', '-c:v:1', 'mjpeg', '-disposition:v:1',
            'attached_pic', path('cover.mp4'))
    mp4_display_matrix.user_data_first(path('cover.mp4'))
    # As downloaders embed thumbnails in Matroska: an attachment.
    cover = cover.replace('.png', '.jpg')
    _ffmpeg('-frames:v', '1', '-vf', 'negate,scale=96:96', cover,
            frames=source[:1])
    _ffmpeg('-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '0.5',
            '-c:a', 'pcm_u8', '-attach', cover, '-metadata:s:t',
            'mimetype=image/jpeg', path('cover_only.mkv'))
  gap = round(video_zoo.VFR_GAP_SEC * video_zoo.FPS)
  _ffmpeg('-vf', f'setpts=(N+gte(N\\,{video_zoo.VFR_GAP_AFTER})*{gap})'
          f'/{video_zoo.FPS}/TB', '-fps_mode', 'passthrough', *_H264,
          path('vfr.mkv'), frames=source)
  _ffmpeg('-i', path('h264.mp4'), '-c', 'copy', '-output_ts_offset',
          str(video_zoo.OFFSET_SEC), path('offset.mp4'))
  _ffmpeg('-c:v', 'libvpx-vp9', '-crf', '20', '-b:v', '0', '-deadline',
          'good', '-cpu-used', '4', '-pix_fmt', 'yuv420p', path('vp9.webm'),
          frames=source)
  _ffmpeg('-c:v', 'libaom-av1', '-crf', '20', '-cpu-used', '6',
          '-pix_fmt', 'yuv420p', path('av1.mkv'), frames=source)
  _ffmpeg('-c:v', 'libx265', '-crf', '14', '-pix_fmt', 'yuv420p10le',
          '-x265-params', 'log-level=error', '-tag:v', 'hvc1',
          path('hevc10.mp4'), frames=source)
  _ffmpeg('-c:v', 'mpeg4', '-q:v', '2', '-bf', '2', '-pix_fmt', 'yuv420p',
          path('mpeg4_bframes.avi'), frames=source)
  _ffmpeg('-c:v', 'mjpeg', '-q:v', '2', '-pix_fmt', 'yuvj420p',
          path('mjpeg.avi'), frames=source)
  _ffmpeg('-vf', 'split[a][b];[a]palettegen[p];[b][p]paletteuse=dither=none',
          path('animation.gif'), frames=source)
  _ffmpeg('-c:v', 'libx264', '-crf', '10', '-pix_fmt', 'gray',
          '-color_range', 'pc', path('gray.mkv'),
          frames=video_zoo.gray_source_frames())
  _ffmpeg('-vf', 'scale=out_color_matrix=bt709:out_range=tv', *_H264,
          '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc',
          'bt709', '-color_range', 'tv', path('bt709.mp4'), frames=source)
  _ffmpeg('-vf', 'scale=out_color_matrix=bt601:out_range=pc', *_H264,
          '-colorspace', 'smpte170m', '-color_range', 'pc',
          path('full_range.mp4'), frames=source)
  long = video_zoo.source_frames(video_zoo.entry('truncated.mp4').frames)
  with tempfile.TemporaryDirectory() as tmp:
    whole = os.path.join(tmp, 'whole.mp4')
    _ffmpeg(*_H264, '-movflags', '+faststart', whole, frames=long)
    with open(whole, 'rb') as f:
      data = f.read()
  with open(path('truncated.mp4'), 'wb') as f:
    f.write(data[:len(data) // 2])
  _ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', '-c:a',
          'aac', '-b:a', '32k', path('audio_only.m4a'))
  open(path('empty.mp4'), 'wb').close()
  for entry in video_zoo.ENTRIES:
    print(f'{entry.name:20s} {os.path.getsize(entry.path):7d} bytes  '
          f'{entry.what}')


if __name__ == '__main__':
  app.run(main)
