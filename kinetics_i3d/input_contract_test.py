"""The contract test: every public entry point that takes arrays checks them.

It walks `__all__` of the package and of every public module that has one,
finds each function and method with a parameter annotated as an array
(`np.ndarray`, `tf.Tensor`, `tf.data.Dataset`, `arrays.ArrayLike`), and
requires each to be in `ENTRY_POINTS` (with how to call it) or in `EXEMPT`
(with why it takes no user video). A new entry point fails the walk until it
is placed, so none is forgotten. Each entry point then gets the wrong dtype,
values in [0, 1], in [0, 255] and outside every range, the wrong layout, the
wrong channels, too few frames and an empty array: each gives one line, an
`InputError`, or for [0, 1] network clips a warning line and a result; none
gives a traceback of another kind or a number from bad input.
"""

import dataclasses
import inspect
import itertools
import os
import re
import shutil
import tempfile
import types
from typing import Any, Callable, Dict, Iterator, Sequence, Tuple
from unittest import mock

from absl.testing import absltest
import numpy as np
import openvino
import tensorflow as tf

import kinetics_i3d
from kinetics_i3d import arrays
from kinetics_i3d import errors
from kinetics_i3d import features
from kinetics_i3d import pretrained
from kinetics_i3d.downloads import cache
from kinetics_i3d.fvd import metric
from kinetics_i3d.fvd import protocols
from kinetics_i3d.fvd import sets
from kinetics_i3d.int8 import runtime
from kinetics_i3d.testing import repo_paths

_ARRAY_ANNOTATION = re.compile(r'\b(ndarray|Tensor|Dataset|ArrayLike)\b')
_CALLABLE_ANNOTATION = re.compile(r'Callable\[\[[^\]]*\][^\]]*\]')
_FULL_FRAMES = features.Protocol(fps=None, window=9, stride=9, crops='full')
_FVD_PROTOCOL = protocols.Protocol(num_frames=9)


@dataclasses.dataclass(frozen=True)
class Case:
  """How the contract test calls an entry point.

  Attributes:
    kind: 'clips' (network input, `arrays.network_clips`), 'frames' (FVD,
      `arrays.video_frames`) or 'uint8' (`pretrained.transform`).
    calls: (environment, value, **layout or value_range) -> result, one per
      way the entry point takes arrays.
    shape: a good input's shape, channels last.
    min_frames: the least frames it takes.
    takes_layout: whether it has a `layout` argument.
  """
  kind: str
  calls: Sequence[Callable[..., Any]]
  shape: Tuple[int, ...] = (1, 9, 193, 193, 3)
  min_frames: int = arrays.MIN_FRAMES
  takes_layout: bool = True


def _statistics_of_dataset(env, value, **options):
  return sets.statistics_of_clips(tf.data.Dataset.from_tensor_slices(value),
                                  env.embedder, _FVD_PROTOCOL, **options)


_SMALL_VIDEOS = (2, 9, 24, 32, 3)
ENTRY_POINTS: Dict[str, Case] = {
    'kinetics_i3d.pretrained.Predictor.__call__': Case(
        'clips', [lambda env, x, **o: env.predictor(rgb=x, **o)]),
    'kinetics_i3d.int8.runtime.Int8Predictor.__call__': Case(
        'clips', [lambda env, x, **o: env.int8({'rgb': x}, **o)]),
    'kinetics_i3d.models.i3d.InceptionI3d.__call__': Case(
        'clips', [lambda env, x: env.model(x, is_training=False)],
        takes_layout=False),
    'kinetics_i3d.features.extract': Case(
        'clips', [lambda env, x, **o: features.extract(
            env.folded, {'rgb': x}, _FULL_FRAMES, **o)]),
    'kinetics_i3d.video.preprocessing.crop_views': Case(
        'clips', [lambda env, x: features.crop_views(x, 'rgb', 'full')],
        min_frames=1, takes_layout=False),
    'kinetics_i3d.fvd.metric.Embedder.logits': Case(
        'clips', [lambda env, x: env.embedder.logits(x)], takes_layout=False),
    'kinetics_i3d.arrays.network_clips': Case(
        'clips', [lambda env, x, **o: arrays.network_clips(x, 'rgb', **o)]),
    'kinetics_i3d.pretrained.transform': Case(
        'uint8', [lambda env, x, **o: pretrained.transform(x, **o)],
        shape=(1, 2, 24, 32, 3), min_frames=1),
    'kinetics_i3d.fvd.metric.Embedder.__call__': Case(
        'frames', [lambda env, x, **o: env.embedder(x, **o)],
        shape=_SMALL_VIDEOS),
    'kinetics_i3d.fvd.metric.Embedder.embed_videos': Case(
        'frames', [lambda env, x, **o: env.embedder.embed_videos(list(x), **o)],
        shape=_SMALL_VIDEOS),
    'kinetics_i3d.fvd.metric.embed': Case(
        'frames', [lambda env, x, **o: metric.embed(x, env.embedder, **o)],
        shape=_SMALL_VIDEOS),
    'kinetics_i3d.fvd.metric.preprocess': Case(
        'frames', [lambda env, x, **o: metric.preprocess(x, **o)],
        shape=_SMALL_VIDEOS, min_frames=1),
    'kinetics_i3d.fvd.sets.array_source': Case(
        'frames', [lambda env, x, **o: sets.embed_set(
            sets.array_source(x, 'array', **o), _FVD_PROTOCOL, env.embedder,
            batch_size=2)], shape=_SMALL_VIDEOS),
    'kinetics_i3d.fvd.sets.statistics_of_clips': Case(
        'frames', [lambda env, x, **o: sets.statistics_of_clips(
            x, env.embedder, _FVD_PROTOCOL, **o), _statistics_of_dataset],
        shape=_SMALL_VIDEOS),
    'kinetics_i3d.arrays.video_frames': Case(
        'frames', [lambda env, x, **o: arrays.video_frames(x, **o)],
        shape=_SMALL_VIDEOS),
}
_VIDEO_PRIMITIVE = ('a frame-level step of the video pipeline, fed by the '
                    'decoder; the network entry points check what it makes')
EXEMPT: Dict[str, str] = {
    'kinetics_i3d.arrays.as_array':
        'the conversion every contract starts with; it checks no shape',
    'kinetics_i3d.models.inference.FoldedI3D.__call__':
        'the folded network, run inside the compiled graph of '
        '`inference.Predictor`, which checks the clips first',
    'kinetics_i3d.features.Features.__init__':
        'a result: feature rows and their times',
    'kinetics_i3d.video.decoding.DecodedVideo.__init__':
        'a result: decoded frames and their times',
    'kinetics_i3d.fvd.metric.Statistics.__init__':
        'statistics of embeddings, [N, D], not video',
    'kinetics_i3d.fvd.metric.Statistics.of':
        'embeddings [N, D], not video',
    'kinetics_i3d.fvd.metric.frechet_distance':
        'embeddings [N, D], not video',
    'kinetics_i3d.fvd.metric.kernel_distance':
        'embeddings [N, D], not video',
    'kinetics_i3d.video.optical_flow.TVL1.__call__': _VIDEO_PRIMITIVE,
    'kinetics_i3d.video.optical_flow.TensorFlowTVL1.__call__':
        _VIDEO_PRIMITIVE,
    'kinetics_i3d.video.optical_flow.tvl1_flow': _VIDEO_PRIMITIVE,
    'kinetics_i3d.video.preprocessing.rescale_flow': _VIDEO_PRIMITIVE,
    'kinetics_i3d.video.preprocessing.resize_frame': _VIDEO_PRIMITIVE,
    'kinetics_i3d.video.preprocessing.to_gray': _VIDEO_PRIMITIVE,
}


def _public_modules() -> Iterator[types.ModuleType]:
  """The package and each public module with an `__all__`, once each."""
  pending, seen = [kinetics_i3d], set()
  while pending:
    module = pending.pop()
    if module.__name__ in seen:
      continue
    seen.add(module.__name__)
    yield module
    for name in module.__all__:
      value = getattr(module, name)
      if isinstance(value, types.ModuleType) and hasattr(value, '__all__'):
        pending.append(value)


def _original(method: Callable[..., Any], name: str) -> Callable[..., Any]:
  """The method a Sonnet module's wrapper holds (it keeps no __wrapped__)."""
  for cell in getattr(method, '__closure__', None) or ():
    inner = cell.cell_contents
    if inspect.isfunction(inner) and inner.__name__ == name:
      return inner
  return method


def _routines() -> Iterator[Tuple[str, Callable[..., Any]]]:
  """(qualified name, function) of every public function and method."""
  seen = set()
  for module in _public_modules():
    for name in module.__all__:
      value = getattr(module, name)
      if inspect.isclass(value):
        for attribute, member in vars(value).items():
          if attribute.startswith('_') and attribute not in ('__init__',
                                                             '__call__'):
            continue
          member = getattr(member, '__func__', member)  # classmethods
          if inspect.isfunction(member):
            key = f'{value.__module__}.{value.__qualname__}.{attribute}'
            if key not in seen:
              seen.add(key)
              yield key, _original(member, attribute)
      elif inspect.isfunction(value):
        key = f'{value.__module__}.{value.__qualname__}'
        if key not in seen:
          seen.add(key)
          yield key, value


def _takes_arrays(function: Callable[..., Any]) -> bool:
  for parameter in inspect.signature(function).parameters.values():
    annotation = parameter.annotation
    if annotation is inspect.Parameter.empty:
      continue
    text = (annotation if isinstance(annotation, str) else
            inspect.formatannotation(annotation))
    if _ARRAY_ANNOTATION.search(_CALLABLE_ANNOTATION.sub('', text)):
      return True
  return False


def array_entry_points() -> Dict[str, Callable[..., Any]]:
  """Every public function and method that takes arrays, by name."""
  return {k: f for k, f in _routines() if _takes_arrays(f)}


def _stand_in_int8_model() -> Any:
  """An OpenVINO model with the outputs of an int8 I3D (logits, features):
  means of the clip, so the entry point's checks are what is under test."""
  opset = openvino.opset13
  clips = opset.parameter([-1, -1, -1, -1, 3], openvino.Type.f32, name='rgb')
  logits = opset.reduce_mean(clips, [1, 2, 3], keep_dims=False)
  features_ = opset.reduce_mean(clips, [2, 3], keep_dims=False)
  logits.output(0).get_tensor().set_names({'logits'})
  features_.output(0).get_tensor().set_names({'rgb_features'})
  return openvino.Model([logits, features_], [clips], 'stand_in')


class _Environment:
  """The networks behind the entry points, built once."""

  def __init__(self, home: str):
    rgb = os.path.join(home, 'checkpoints', 'rgb_imagenet')
    os.makedirs(rgb)
    registry = repo_paths.registry_checkpoint()
    for suffix in ('.index', '.data-00000-of-00001'):
      os.symlink(registry + suffix, os.path.join(rgb, 'model.ckpt' + suffix))
    self.predictor = pretrained.Predictor(['rgb_imagenet'])
    self.model = pretrained.load('rgb_imagenet')
    self.folded = pretrained.make_predictor(
        {'rgb': ('rgb_imagenet', registry)})
    self.embedder = metric.Embedder(registry)
    self.int8 = runtime.Int8Predictor({'rgb': _stand_in_int8_model()})


def _bad_inputs(case: Case
               ) -> Iterator[Tuple[str, np.ndarray, Dict[str, Any], str]]:
  """(what, value, options, the message expected, or 'warning')."""
  rng = np.random.default_rng(0)
  clip = rng.uniform(-1, 1, case.shape).astype(np.float32)
  frames = rng.integers(0, 256, case.shape, np.uint8)
  good = clip if case.kind == 'clips' else frames
  float_frames = frames.astype(np.float32)
  if case.kind == 'clips':
    yield 'the wrong dtype', frames, {}, 'holds uint8'
    yield 'values in [0, 1]', (clip + 1) / 2, {}, 'warning'
    yield ('values in [0, 255]', (clip + 1) * 127.5, {},
           r'outside \[-1, 1\], the range the network takes')
    yield 'values outside every range', clip * 1e4 - 3e4, {}, 'outside'
  elif case.kind == 'frames':
    yield 'the wrong dtype', frames.astype(np.int64), {}, 'holds int64'
    yield ('values in [0, 1]', float_frames / 255, {},
           'floats need their range stated')
    yield ('values in [0, 255]', float_frames, {},
           'floats need their range stated')
    yield ('values outside every range', float_frames + 300,
           {'value_range': '0-255'}, 'outside value_range 0-255: state')
  else:
    for what, value in (('the wrong dtype', float_frames),
                        ('values in [0, 1]', float_frames / 255),
                        ('values in [0, 255]', float_frames),
                        ('values outside every range', float_frames * 1e3)):
      yield what, value, {}, 'transform takes uint8 frames'
  yield ('the wrong layout', np.moveaxis(good, -1, 1), {},
         r'which is N?CTHW \(PyTorch')
  yield ('the wrong channels', np.concatenate([good, good[..., :1]], -1), {},
         'fits no layout')
  if case.min_frames > 1:
    yield ('too few frames', good[:, :case.min_frames - 1], {},
           f'has {case.min_frames - 1} frames|shorter than a clip')
  yield ('an empty array', good[:0], {}, 'is empty|holds 0 clip')


class ContractTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    home = tempfile.mkdtemp()
    cls.addClassCleanup(shutil.rmtree, home)
    environment = mock.patch.dict(os.environ, {cache.HOME_ENV: home})
    environment.start()
    cls.addClassCleanup(environment.stop)
    cls.env = _Environment(home)

  def test_every_entry_point_is_placed(self):
    found = array_entry_points()
    unplaced = sorted(set(found) - set(ENTRY_POINTS) - set(EXEMPT))
    self.assertEmpty(unplaced, 'public entry points that take arrays: add '
                     'each to ENTRY_POINTS (checked) or EXEMPT (and why)')
    self.assertEmpty(sorted((set(ENTRY_POINTS) | set(EXEMPT)) - set(found)),
                     'placed names that are no public entry point')
    self.assertEmpty(set(ENTRY_POINTS) & set(EXEMPT))

  def _check(self, call: Callable[..., Any], value: np.ndarray,
             options: Dict[str, Any], expected: str) -> None:
    arrays._warned_non_negative = False  # pylint: disable=protected-access
    if expected == 'warning':
      with self.assertLogs(level='WARNING') as logs:
        result = call(self.env, value, **options)
      self.assertIsNotNone(result)
      warned = [line for line in logs.output
                if re.search(r'none below 0, as video in \[0, 1\]', line)]
      self.assertLen(warned, 1)
      self.assertNotIn('\n', warned[0])
      return
    with self.assertRaises(errors.InputError) as raised:
      call(self.env, value, **options)
    message = str(raised.exception)
    self.assertRegex(message, expected)
    self.assertNotIn('\n', message)

  def test_bad_inputs_give_one_line_and_no_number(self):
    for name, case in ENTRY_POINTS.items():
      for what, value, options, expected in _bad_inputs(case):
        for index, call in enumerate(case.calls):
          with self.subTest(f'{name} ({index}): {what}'):
            self._check(call, value, options, expected)

  def test_pytorch_layouts_are_read_as_meant(self):
    # Each entry point in one of PyTorch's layouts, the two in turn (both
    # are read by the one transposition of `arrays`, tested there).
    rng = np.random.default_rng(1)
    layouts = itertools.cycle((('NCTHW', (0, 4, 1, 2, 3)),
                               ('NTCHW', (0, 1, 4, 2, 3))))
    for name, case in ENTRY_POINTS.items():
      if not case.takes_layout:
        continue
      value = (rng.uniform(-1, 1, case.shape).astype(np.float32)
               if case.kind == 'clips' else
               rng.integers(0, 256, case.shape, np.uint8))
      layout, axes = next(layouts)
      with self.subTest(f'{name}: {layout}'):
        expected = case.calls[0](self.env, value)
        got = case.calls[0](
            self.env, np.ascontiguousarray(value.transpose(axes)),
            layout=layout)
        tf.nest.map_structure(np.testing.assert_array_equal,
                              _values(expected), _values(got))


def _values(result: Any) -> Any:
  """What an entry point returned, as nested arrays to compare."""
  if isinstance(result, features.Features):
    return result.features
  if isinstance(result, sets.SetStatistics):
    return [s.activations for s in result.per_seed]
  return tf.nest.map_structure(np.asarray, result)


if __name__ == '__main__':
  absltest.main()
