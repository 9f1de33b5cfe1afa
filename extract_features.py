"""Extracts I3D features of videos or `.npy` clips.

The command lives in `kinetics_i3d/commands/extract_features.py` (installed as
`i3d-extract-features`); `python extract_features.py --help` lists its flags.
"""

from kinetics_i3d.commands import extract_features

if __name__ == '__main__':
  extract_features.run()
