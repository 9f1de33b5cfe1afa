"""From a video file to the network's inputs: decoding at 25 fps, frames by
index, resizing, cropping, optical flow, chunks made beside the network, and
the gif visualisations.

  frames = video.decode(path, transform=lambda f: f)   # uint8 RGB at 25 fps,
                                                       # as a player shows it
  video.probe(path).notes()                            # what the decoder does
  for chunk in video.stream_video(path, flow=True):    # network inputs, streamed
  with video.TVL1() as tvl1: flow = tvl1(gray_frames)  # OpenCV's TV-L1
"""

from kinetics_i3d import _exports

_EXPORTS = {
    'decode': 'decoding:decode',
    'DecodedVideo': 'decoding:DecodedVideo',
    'DecodingError': 'decoding:DecodingError',
    'FrameReader': 'decoding:FrameReader',
    'FPS': 'decoding:FPS',
    'probe': 'decoding:probe',
    'COLOR_MATRICES': 'display:COLOR_MATRICES',
    'stream_video': 'preprocessing:stream_video',
    'preprocess_video': 'preprocessing:preprocess_video',
    'resize_frame': 'preprocessing:resize_frame',
    'to_gray': 'preprocessing:to_gray',
    'rescale_flow': 'preprocessing:rescale_flow',
    'TVL1': 'optical_flow:TVL1',
    'TensorFlowTVL1': 'optical_flow:TensorFlowTVL1',
    'tvl1_flow': 'optical_flow:tvl1_flow',
    'flow_engine': 'optical_flow:flow_engine',
}
_SUBMODULES = ('decoding', 'display', 'frame_access', 'gifs', 'optical_flow',
               'prefetch', 'preprocessing', 'tvl1_tensorflow', 'windows')
__all__, __getattr__, __dir__ = _exports.lazy(__name__, _EXPORTS,
                                               _SUBMODULES)
