"""From a video file to the network's inputs: decoding at 25 fps, frames by
index, resizing, cropping, optical flow, and the gif visualisations.

  frames = video.decode(path, transform=lambda f: f)   # uint8 RGB at 25 fps
  for chunk in video.stream_video(path, flow=True):    # network inputs, streamed
  with video.TVL1() as tvl1: flow = tvl1(gray_frames)  # OpenCV's TV-L1
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'decode': 'kinetics_i3d.video.decoding:decode',
    'DecodedVideo': 'kinetics_i3d.video.decoding:DecodedVideo',
    'DecodingError': 'kinetics_i3d.video.decoding:DecodingError',
    'FrameReader': 'kinetics_i3d.video.decoding:FrameReader',
    'FPS': 'kinetics_i3d.video.decoding:FPS',
    'stream_video': 'kinetics_i3d.video.preprocessing:stream_video',
    'preprocess_video': 'kinetics_i3d.video.preprocessing:preprocess_video',
    'resize_frame': 'kinetics_i3d.video.preprocessing:resize_frame',
    'to_gray': 'kinetics_i3d.video.preprocessing:to_gray',
    'rescale_flow': 'kinetics_i3d.video.preprocessing:rescale_flow',
    'TVL1': 'kinetics_i3d.video.optical_flow:TVL1',
    'TensorFlowTVL1': 'kinetics_i3d.video.optical_flow:TensorFlowTVL1',
    'tvl1_flow': 'kinetics_i3d.video.optical_flow:tvl1_flow',
    'flow_engine': 'kinetics_i3d.video.optical_flow:flow_engine',
    'decoding': 'kinetics_i3d.video.decoding',
    'frame_access': 'kinetics_i3d.video.frame_access',
    'gifs': 'kinetics_i3d.video.gifs',
    'optical_flow': 'kinetics_i3d.video.optical_flow',
    'preprocessing': 'kinetics_i3d.video.preprocessing',
    'tvl1_tensorflow': 'kinetics_i3d.video.tvl1_tensorflow',
    'windows': 'kinetics_i3d.video.windows',
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS)
