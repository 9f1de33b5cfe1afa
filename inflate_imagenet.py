"""Inflates ImageNet Inception-v1 weights into an I3D checkpoint.

The command lives in `kinetics_i3d/commands/inflate_imagenet.py` (installed as
`i3d-inflate-imagenet`); `python inflate_imagenet.py --help` lists its flags.
"""

from kinetics_i3d.commands import inflate_imagenet

if __name__ == '__main__':
  inflate_imagenet.run()
