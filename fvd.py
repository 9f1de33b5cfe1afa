"""Fréchet Video Distance (and KVD) between two sets of videos.

The command lives in `kinetics_i3d/commands/fvd.py` (installed as
`i3d-fvd`); `python fvd.py --help` lists its flags.
"""

from kinetics_i3d.commands import fvd

if __name__ == '__main__':
  fvd.run()
