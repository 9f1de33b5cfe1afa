"""Trains or fine-tunes one I3D stream with the paper's recipe.

The command lives in `kinetics_i3d/commands/train.py` (installed as
`i3d-train`); `python train.py --help` lists its flags.
"""

from kinetics_i3d.commands import train

if __name__ == '__main__':
  train.run()
