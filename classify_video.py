"""Classifies any video, of any length, with the released I3D models.

The command lives in `kinetics_i3d/commands/classify_video.py` (installed as
`i3d-classify`); `python classify_video.py --help` lists its flags.
"""

from kinetics_i3d.commands import classify_video

if __name__ == '__main__':
  classify_video.run()
