"""From a video file to the network's inputs: decoding at 25 fps, resizing,
cropping, optical flow, and the gif visualisations.
"""
