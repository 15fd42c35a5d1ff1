// The model's operation words: restore(N) with constants named by the kernel,
// and the arch tables it is written in.
import { describe, expect, it } from 'vitest';
import { Model, ModelError, parseOps } from '../src/model/model.js';

describe('operation words', () => {
  it('reads restore(N) with constants standing for fixed states', () => {
    const [op] = parseOps('restore(0,DAIF_PROCCTX=on,DAIF_PROCCTX_NOIRQ=off,IRQS_ENABLED=kept)', 'm');
    expect(op).toEqual({
      op: 'restore', where: { arg: 0, constants: new Map([['DAIF_PROCCTX', 'on'], ['DAIF_PROCCTX_NOIRQ', 'off'], ['IRQS_ENABLED', 'kept']]) },
    });
    expect(parseOps('restore(1)', 'm')).toEqual([{ op: 'restore', where: { arg: 1 } }]);
  });

  it.each([
    ['restore(0,DAIF_PROCCTX)', /m: 'DAIF_PROCCTX' is not NAME=on, NAME=off or NAME=kept/],
    ['restore(0,X=maybe)', /'X=maybe' is not NAME=on/],
    ['restore(0,1=on)', /'1=on' is not NAME=on/],
    ['save(0,X=on)', /only restore takes constants/],
    ['restore(x,X=on)', /bad argument 'x,X=on'/],
  ])('rejects %s', (spec, message) => {
    expect(() => parseOps(spec, 'm')).toThrow(ModelError);
    expect(() => parseOps(spec, 'm')).toThrow(message);
  });

  it('arch entry primitives are true primitives, not fallbacks for the tree\'s definitions', () => {
    const model = new Model();
    for (const name of ['local_daif_mask', 'local_daif_restore', 'local_daif_save', 'irq_soft_mask_set', '__hard_EE_RI_disable', 'safe_halt']) {
      expect(model.isPrimitive(name)).toBe(true);
    }
    expect(model.ops('local_daif_mask')).toEqual([{ op: 'irq-off' }]);
  });
});
