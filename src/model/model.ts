// The model: primitive name -> elementary operations, parsed from the data tables.
import { BUILTIN_MODEL, type ModelGeneration } from './primitives.js';

export type ContextKind = 'guest' | 'user' | 'idle';

/** Where a saved interrupt state is: an argument's variable (whose constant
 *  values, where the kernel names some, stand for fixed states —
 *  `local_daif_restore(DAIF_PROCCTX)` enables — or leave the state as it is),
 *  a private slot, the call's value. */
export type NamedState = 'on' | 'off' | 'kept';
export type Slot = { arg: number; constants?: ReadonlyMap<string, NamedState> } | { slot: string } | { result: true };

export type Op =
  | { op: 'irq-off' } | { op: 'irq-on' }
  | { op: 'save'; where: Slot } | { op: 'restore'; where: Slot }
  | { op: 'ct-enter'; context: ContextKind } | { op: 'ct-exit'; context: ContextKind }
  | { op: 'vtime-enter' } | { op: 'vtime-exit' }
  | { op: 'gif-clear' } | { op: 'gif-set' }
  | { op: 'assume-irq-off' } | { op: 'expect-irq-on' }
  | { op: 'returns-true' } | { op: 'returns-irqs-disabled' }
  | { op: 'noreturn' }
  | { op: 'might-sleep'; when: { arg: number; flags: readonly string[] } | null }
  | { op: 'instr-begin' } | { op: 'instr-end' }
  | { op: 'known' }
  | { op: 'forward'; arg: number };

export class ModelError extends Error {}

function parseSlot(text: string, where: string): Slot {
  if (text.startsWith('%')) return { slot: text };
  const [index, ...named] = text.split(',');
  const n = Number(index);
  if (!Number.isInteger(n) || n < 0) throw new ModelError(`${where}: bad argument '${text}'`);
  if (!named.length) return { arg: n };
  const constants = new Map<string, NamedState>();
  for (const pair of named) {
    const m = /^([A-Za-z_]\w*)=(on|off|kept)$/.exec(pair);
    if (!m) throw new ModelError(`${where}: '${pair}' is not NAME=on, NAME=off or NAME=kept`);
    constants.set(m[1]!, m[2] as NamedState);
  }
  return { arg: n, constants };
}

export function parseOps(spec: string, where: string): Op[] {
  const ops: Op[] = [];
  for (const word of spec.trim().split(/\s+/)) {
    const m = /^([a-z-]+)(?:\(([^)]*)\))?$/.exec(word);
    if (!m) throw new ModelError(`${where}: cannot read '${word}'`);
    const [, name, arg] = m as unknown as [string, string, string | undefined];
    switch (name) {
      case 'irq-off': case 'irq-on': case 'vtime-enter': case 'vtime-exit': case 'gif-clear': case 'gif-set':
      case 'assume-irq-off': case 'expect-irq-on': case 'noreturn': case 'known': case 'instr-begin': case 'instr-end':
        ops.push({ op: name }); break;
      case 'save-result': ops.push({ op: 'save', where: { result: true } }); break;
      case 'save': case 'restore': {
        if (arg === undefined) throw new ModelError(`${where}: ${name} needs an argument`);
        const slot = parseSlot(arg, where);
        if (name === 'save' && 'constants' in slot) throw new ModelError(`${where}: only restore takes constants`);
        ops.push({ op: name, where: slot });
        break;
      }
      case 'ct-enter': case 'ct-exit':
        if (arg !== 'guest' && arg !== 'user' && arg !== 'idle') throw new ModelError(`${where}: ${name} needs guest, user or idle`);
        ops.push({ op: name, context: arg }); break;
      case 'might-sleep': {
        if (arg === undefined) { ops.push({ op: 'might-sleep', when: null }); break; }
        const [index, ...flags] = arg.split(',');
        const n = Number(index);
        if (!Number.isInteger(n) || n < 0 || !flags.length || !flags.every((f) => /^[A-Za-z_]\w*$/.test(f))) {
          throw new ModelError(`${where}: might-sleep takes nothing, or an argument index and the flags that make it sleep`);
        }
        ops.push({ op: 'might-sleep', when: { arg: n, flags } });
        break;
      }
      case 'forward': {
        const n = Number(arg);
        if (!Number.isInteger(n) || n < 0) throw new ModelError(`${where}: forward needs an argument index`);
        ops.push({ op: 'forward', arg: n });
        break;
      }
      case 'returns':
        if (arg === 'true') ops.push({ op: 'returns-true' });
        else if (arg === 'irqs-disabled') ops.push({ op: 'returns-irqs-disabled' });
        else throw new ModelError(`${where}: returns(true) or returns(irqs-disabled)`);
        break;
      default:
        throw new ModelError(`${where}: unknown operation '${name}'`);
    }
  }
  return ops;
}

/** Operations that change nothing the pre-filter or the state-independence of a
 *  function cares about (an instrumentation section matters only inside a window,
 *  where every call is followed anyway). */
const STATELESS = new Set<Op['op']>(['known', 'noreturn', 'returns-true', 'forward', 'instr-begin', 'instr-end']);
const ENTER_LEAVE = new Set<Op['op']>(['ct-enter', 'ct-exit', 'vtime-enter', 'vtime-exit']);

export class Model {
  private readonly primitives = new Map<string, Op[]>();
  /** Names whose entry is only a fallback for a definition the tree may hold. */
  private readonly wrappers = new Set<string>();

  constructor(generations: ModelGeneration[] = BUILTIN_MODEL, options: { builtinWrappers?: boolean } = {}) {
    for (const g of generations) {
      if (g.wrappers && options.builtinWrappers === false) continue;
      for (const [name, spec] of Object.entries(g.primitives)) {
        this.primitives.set(name, parseOps(spec, `${g.name}: ${name}`));
        if (g.wrappers) this.wrappers.add(name);
        else this.wrappers.delete(name);
      }
    }
  }

  /** A true primitive: its entry wins over any definition in the tree. */
  isPrimitive(name: string): boolean {
    return this.primitives.has(name) && !this.wrappers.has(name);
  }

  ops(name: string): Op[] | undefined {
    return this.primitives.get(name);
  }

  isNoReturn(name: string): boolean {
    return this.primitives.get(name)?.some((o) => o.op === 'noreturn') ?? false;
  }

  /** For a call-forwarding primitive (`kvm_call_hyp_ret(f, args…)`), the index of
   *  the argument naming the function it calls with the arguments after it. */
  forwardArg(name: string): number | undefined {
    const op = this.primitives.get(name)?.find((o) => o.op === 'forward');
    return op?.op === 'forward' ? op.arg : undefined;
  }

  /** The call may change the tracked state (or read it): something other than a
   *  no-op, a known value, a forward or an end of the path. */
  touchesState(name: string): boolean {
    return this.primitives.get(name)?.some((o) => !STATELESS.has(o.op)) ?? false;
  }

  /** The call enters or leaves a context or guest time accounting. */
  entersOrLeaves(name: string): boolean {
    return this.primitives.get(name)?.some((o) => ENTER_LEAVE.has(o.op)) ?? false;
  }

  /** Every primitive's name (wrappers included). */
  names(): IterableIterator<string> {
    return this.primitives.keys();
  }

  has(name: string): boolean {
    return this.primitives.has(name);
  }
}
