"""From a video file to the network's inputs: decoding at 25 fps, frames by
index, resizing, cropping, optical flow, and the gif visualisations.
"""
