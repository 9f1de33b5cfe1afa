"""Turns videos into the RGB and Flow inputs of the network (`.npy`).

The command lives in `kinetics_i3d/commands/preprocess_video.py` (installed as
`i3d-preprocess`); `python preprocess_video.py --help` lists its flags.
"""

from kinetics_i3d.commands import preprocess_video

if __name__ == '__main__':
  preprocess_video.run()
