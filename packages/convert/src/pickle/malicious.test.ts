// Hostile pickles: each must be refused with an error that names what was refused, before any
// callable outside the allow-list could run.
import { describe, expect, it } from 'vitest';
import { TorchPicklePolicy } from '../pytorch/torch-policy.js';
import { PickleBuilder } from './pickle-builder.js';
import { unpickle, type UnpickleLimits } from './unpickler.js';

function run(p: PickleBuilder, limits?: UnpickleLimits) {
  return unpickle(p.bytes(), 'evil.pkl', new TorchPicklePolicy('evil.pkl'), limits);
}

/** A persistent storage tuple as torch writes it. */
function storage(p: PickleBuilder, key = '0', type = 'FloatStorage', numel = 4): PickleBuilder {
  return p.mark().string('storage').global('torch', type).string(key).string('cpu').int(numel).tuple().binpersid();
}

describe('malicious pickles are refused', () => {
  it('GLOBAL os system + REDUCE', () => {
    const p = new PickleBuilder().proto(2).global('os', 'system').string('touch /tmp/pwned').tupleN(1).reduce().stop();
    expect(() => run(p)).toThrow(/evil\.pkl: pickle refers to the global 'os\.system', which is not allowed/);
  });

  it('builtins eval and posix.system through STACK_GLOBAL', () => {
    const p = new PickleBuilder().proto(4).string('builtins').string('eval').stackGlobal().string('1+1').tupleN(1).reduce().stop();
    expect(() => run(p)).toThrow(/'builtins\.eval', which is not allowed/);
    const q = new PickleBuilder().proto(4).string('posix').string('system').stackGlobal().stop();
    expect(() => run(q)).toThrow(/'posix\.system'/);
  });

  it('dotted names and lookalike modules that would reach other objects', () => {
    for (const [module, name] of [
      ['torch._utils', '_rebuild_tensor_v2.__globals__'],
      ['builtins', 'getattr'],
      ['torch', 'load'],
      ['torch._utils', '_rebuild_device_tensor_from_numpy'],
      ['collections', 'OrderedDict.fromkeys'],
      ['__builtin__', 'apply'],
    ] as const) {
      const p = new PickleBuilder().proto(2).global(module, name).stop();
      expect(() => run(p), `${module}.${name}`).toThrow(`'${module}.${name}', which is not allowed`);
    }
  });

  it('a refused global nested inside allowed calls', () => {
    // _rebuild_parameter(<os.system('x')>, False, OrderedDict())
    const p = new PickleBuilder().proto(2).global('torch._utils', '_rebuild_parameter').mark();
    p.global('os', 'system').string('x').tupleN(1).reduce();
    p.bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce().stop();
    expect(() => run(p)).toThrow(/'os\.system'/);
  });

  it('REDUCE on something that is not an allowed callable', () => {
    const p = new PickleBuilder().proto(2).string('os.system').string('x').tupleN(1).reduce().stop();
    expect(() => run(p)).toThrow(/REDUCE calls str "os\.system", which is not an allow-listed callable/);
    const q = new PickleBuilder().proto(2).global('torch', 'FloatStorage').emptyTuple().reduce().stop();
    expect(() => run(q)).toThrow(/calls 'torch\.FloatStorage', which is not callable/);
  });

  it('_rebuild_from_type_v2 may not smuggle another callable or class', () => {
    const p = new PickleBuilder().proto(2).global('torch._tensor', '_rebuild_from_type_v2').mark();
    p.global('collections', 'OrderedDict').global('torch', 'Tensor').emptyTuple().none().tuple().reduce().stop();
    expect(() => run(p)).toThrow(/may only call a torch\._utils rebuild function, not global collections\.OrderedDict/);
  });

  it('BUILD with state, INST, OBJ, NEWOBJ_EX and EXT opcodes', () => {
    const build = new PickleBuilder().proto(2).emptyDict().emptyDict().string('k').string('v').raw(0x73).build().stop();
    expect(() => run(build)).toThrow(/BUILD sets state dict \(1 items\) on dict/);
    const inst = new PickleBuilder().proto(0).mark().raw(0x69, ...new TextEncoder().encode('os\nsystem\n')).stop();
    expect(() => run(inst)).toThrow(/opcode INST at byte 3 is refused/);
    expect(() => run(new PickleBuilder().proto(2).mark().raw(0x6f).stop())).toThrow(/opcode OBJ/);
    expect(() => run(new PickleBuilder().proto(4).raw(0x92).stop())).toThrow(/NEWOBJ_EX/);
    expect(() => run(new PickleBuilder().proto(2).raw(0x82, 1).stop())).toThrow(/opcode EXT/);
  });

  it('persistent ids that are not torch storages', () => {
    const p = new PickleBuilder().proto(2).string('rm -rf /').binpersid().stop();
    expect(() => run(p)).toThrow(/persistent id must be a tuple/);
    const q = new PickleBuilder().proto(2).mark().string('storage').global('collections', 'OrderedDict').string('0').string('cpu').int(1).tuple().binpersid().stop();
    expect(() => run(q)).toThrow(/storage type must be a torch\.\*Storage/);
    const r = storage(new PickleBuilder().proto(2), '../../etc/passwd').stop();
    expect(() => run(r)).toThrow(/storage key must be a plain name/);
  });

  it('tensor arguments of the wrong shape', () => {
    const p = new PickleBuilder().proto(2).global('torch._utils', '_rebuild_tensor_v2').mark();
    p.string('not a storage').int(0).mark().int(2).tuple().mark().int(1).tuple().bool(false).none().tuple().reduce().stop();
    expect(() => run(p)).toThrow(/tensor storage must come from a persistent id/);
    const q = new PickleBuilder().proto(2).global('torch._utils', '_rebuild_tensor_v2').mark();
    storage(q).int(0).mark().int(2).int(2).tuple().mark().int(1).tuple().bool(false).none().tuple().reduce().stop();
    expect(() => run(q)).toThrow(/size \(2 dims\) and stride \(1 dims\) differ/);
    const hooks = new PickleBuilder().proto(2).global('torch._utils', '_rebuild_tensor_v2').mark();
    storage(hooks).int(0).mark().int(2).tuple().mark().int(1).tuple().bool(false);
    hooks.emptyDict().string('hook').string('x').raw(0x73).tuple().reduce().stop();
    expect(() => run(hooks)).toThrow(/backward hooks must be empty/);
  });

  it('truncated and malformed pickles', () => {
    const whole = new PickleBuilder().proto(2).emptyDict().mark().string('key').string('value').setItems().stop().bytes();
    for (let cut = 0; cut < whole.length; cut++) {
      expect(() => unpickle(whole.subarray(0, cut), 'cut.pkl', new TorchPicklePolicy('cut.pkl')), `cut at ${cut}`).toThrow(/cut\.pkl: pickle /);
    }
    expect(() => run(new PickleBuilder().proto(2).get(7).stop())).toThrow(/memo entry 7, which was never stored/);
    expect(() => run(new PickleBuilder().proto(2).reduce().stop())).toThrow(/empty stack/);
    expect(() => run(new PickleBuilder().proto(2).raw(0xff).stop())).toThrow(/unknown or unsupported opcode 0xff at byte 2/);
    expect(() => run(new PickleBuilder().proto(2).raw(0x58, 0xff, 0xff, 0xff, 0x7f).stop())).toThrow(/truncated: needs 2147483647 bytes/);
    expect(() => run(new PickleBuilder().proto(9).stop())).toThrow(/protocol 9 is not supported/);
    expect(() => run(new PickleBuilder().proto(2).none().none().stop())).toThrow(/STOP leaves 1 extra values/);
  });

  it('bounded stack, memo and mark depth', () => {
    const limits = { maxStack: 100, maxMemo: 10, maxMarks: 5 };
    const deep = new PickleBuilder().proto(2);
    for (let i = 0; i < 200; i++) deep.none();
    expect(() => run(deep.stop(), limits)).toThrow(/stack grows past 100 items/);
    const memo = new PickleBuilder().proto(2).none();
    for (let i = 0; i < 20; i++) memo.put();
    expect(() => run(memo.stop(), limits)).toThrow(/memo grows past 10 entries/);
    const marks = new PickleBuilder().proto(2);
    for (let i = 0; i < 10; i++) marks.mark();
    expect(() => run(marks.stop(), limits)).toThrow(/nests MARKs deeper than 5/);
  });
});

describe('allowed pickles', () => {
  it('builds containers, numbers and strings faithfully', () => {
    const p = new PickleBuilder().proto(2).mark();
    p.int(5).int(300).int(-7).int(2 ** 40).int(-(2 ** 40)).float(1.5).string('é').bool(true).none();
    p.raw(0x6c).stop(); // LIST
    expect(run(p)).toEqual([5, 300, -7, 2 ** 40, -(2 ** 40), 1.5, 'é', true, null]);
    const big = new PickleBuilder().proto(2).raw(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1).stop();
    expect(run(big)).toBe(1n << 64n);
  });

  it('decodes protocol-2 bytes written as _codecs.encode(text, latin1)', () => {
    const p = new PickleBuilder().proto(2).global('_codecs', 'encode').string('\u00ff\u0001').string('latin1').tupleN(2).reduce().stop();
    expect(Array.from(run(p) as Uint8Array)).toEqual([255, 1]);
    const q = new PickleBuilder().proto(2).global('_codecs', 'encode').string('x').string('rot13').tupleN(2).reduce().stop();
    expect(() => run(q)).toThrow(/_codecs\.encode is only allowed as encode\(str, 'latin1'\)/);
  });
});
