"""Top-1 and top-5 accuracy of trained I3D streams, per stream and fused.

The command lives in `kinetics_i3d/commands/evaluate.py` (installed as
`i3d-evaluate`); `python evaluate.py --help` lists its flags.
"""

from kinetics_i3d.commands import evaluate

if __name__ == '__main__':
  evaluate.run()
