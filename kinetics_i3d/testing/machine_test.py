"""Tests of the benchmarks' clock measurement, without timing anything."""

import os
import re
import shutil
import subprocess
import tempfile

from absl.testing import absltest

from kinetics_i3d.testing import machine


class ClockTest(absltest.TestCase):

  def test_compiled_loop_is_one_chain_of_dependent_multiplies(self):
    # The clock is right only if each iteration is CHAIN multiplies, each
    # waiting for the one before: the same destination register, which is
    # also the source, and nothing else that multiplies.
    if shutil.which('gcc') is None:
      self.skipTest('no gcc: the benchmarks fall back on other readings')
    with tempfile.TemporaryDirectory() as tmp:
      source = os.path.join(tmp, 'clock.c')
      with open(source, 'w') as f:
        f.write(machine.clock_program())
      assembly = subprocess.run(['gcc', '-O1', '-S', '-o', '-', source],
                                check=True, capture_output=True,
                                text=True).stdout
    multiplies = re.findall(r'^\s*imul\w*\s+(%\w+),\s*(%\w+)\s*$', assembly,
                            re.MULTILINE)
    self.assertLen(multiplies, machine.CHAIN)
    factors, destinations = zip(*multiplies)
    self.assertLen(set(destinations), 1)
    self.assertLen(set(factors), 1)
    self.assertNotEqual(factors[0], destinations[0])
    self.assertEqual(machine.IMUL_LATENCY, 3)

  def test_clock_from_the_chain(self):
    # 10^8 iterations of 8 multiplies of 3 cycles in one second: 2.4 GHz.
    self.assertAlmostEqual(machine.ghz_from_chain(10**8, 1.0), 2.4)
    self.assertAlmostEqual(machine.ghz_from_chain(10**8, 0.5), 4.8)

  def test_readings_are_checked_against_each_other(self):
    measured = machine.choose_clock(3.66, None, 2.6)
    self.assertEqual((measured['ghz'], measured['nominal_ghz']), (3.66, 2.6))
    self.assertIn('measured', measured['source'])
    self.assertEqual(machine.choose_clock(3.79, 3.8, 2.0)['ghz'], 3.79)
    # What a chain of adds measured on a Sapphire Rapids: above any clock.
    refused = machine.choose_clock(11.68, 3.8, 2.0)
    self.assertEqual(refused['ghz'], 3.8)
    self.assertIn('sysfs maximum', refused['source'])
    self.assertEqual(machine.choose_clock(None, None, 2.6)['ghz'], 2.6)
    self.assertIn('nominal', machine.choose_clock(None, None, 2.6)['source'])



class LayerTimesTest(absltest.TestCase):

  def test_primitives_summed_by_kind_implementation_and_shape(self):
    conv = ('onednn_verbose,v1,primitive,exec,cpu,convolution,'
            'brg_conv_fwd:avx512_core_amx,forward_inference,src:bf16::blocked:'
            'acdeb::f0 wei:bf16:ap:blocked:AcdeB64a2b::f0,attr-scratchpad:user,'
            'alg:convolution_direct,mb8_ic3oc64_id64od32kd7,{}')
    reorder = ('onednn_verbose,v1,primitive,exec,cpu,reorder,jit:uni,undef,'
               'src:bf16::blocked:cdeba::f0 dst:bf16:p:blocked:AcdeB64a2b::f0'
               ',,,64x3x7x7x7,{}')
    output = '\n'.join([
        'onednn_verbose,v1,info,cpu,isa:Intel AVX-512 with AMX',
        'onednn_verbose,v1,primitive,create:cache_miss,cpu,convolution,x,9.0',
        conv.format(6.0), reorder.format(1.0), conv.format(2.0),
        'some other line, exec', 'MARK'])
    entries = machine.onednn_layer_times(output)
    self.assertLen(entries, 2)
    first, second = entries
    self.assertEqual((first['kind'], first['implementation'], first['shape'],
                      first['calls'], first['ms']),
                     ('convolution', 'brg_conv_fwd:avx512_core_amx',
                      'mb8_ic3oc64_id64od32kd7', 2, 8.0))
    self.assertAlmostEqual(first['share'], 8 / 9)
    self.assertEqual((second['kind'], second['ms']), ('reorder', 1.0))



if __name__ == '__main__':
  absltest.main()
