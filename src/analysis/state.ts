// The abstract state at a program point: small, finite and immutable. Its key
// (identity) covers what the analysis decides with; provenance (where each
// resource got its value, and the trace so far) rides along but does not split
// states, so the set of states stays bounded.
import { ANY_SIGN, type Loc, type SignSet } from '../cfg/types.js';

export type Irq = 'on' | 'off' | 'unk';
export type Context = 'kernel' | 'guest' | 'user' | 'idle' | 'unk';
export type OnOff = 'on' | 'off' | 'unk';
export type Gif = 'set' | 'clear' | 'unk';

/** Resources whose history a finding can blame. */
export type Resource = 'ct' | 'vtime' | 'irq';

/** The resources a trace step shows: what the analysis knows after the step. */
export interface StateSnapshot {
  readonly irq: Irq;
  readonly ct: Context;
  readonly vtime: OnOff;
  readonly gif: Gif;
}

/** The operations of a primitive that a trace shows (the others change no resource). */
export type TracedOp = 'irq-on' | 'irq-off' | 'restore' | 'vtime-enter' | 'vtime-exit' | 'gif-set' | 'gif-clear';

/** What one witness step is, as data: report/describe renders it. */
export type TraceEvent =
  /** The function is entered (a finding whose cause is its entry state). */
  | { kind: 'entered'; fn: string; after: StateSnapshot }
  /** A primitive changes a resource. */
  | { kind: 'op'; primitive: string; op: TracedOp; after: StateSnapshot }
  /** A primitive enters or leaves `context` (the one it names, whatever the path's was). */
  | { kind: 'op'; primitive: string; op: 'ct-enter' | 'ct-exit'; context: Context; after: StateSnapshot }
  /** A branch the path takes; `label`: the CFG's description of it. */
  | { kind: 'branch'; label: string; after: StateSnapshot }
  /** A call that returns having changed a resource (its steps are `inner`). */
  | { kind: 'call'; callee: string; after: StateSnapshot }
  /** A call that runs the guest, which comes back through an exit handler. */
  | { kind: 'guest-runs'; callee: string; handler: string; after: StateSnapshot }
  /** What a rule reports here, in the rule's words. */
  | { kind: 'symptom'; symptom: string; after: StateSnapshot }
  /** A call in which a rule reports (its steps are `inner`); `handler`: the call
   *  runs the guest, and the rule reports in this exit handler. */
  | { kind: 'call-symptom'; callee: string; handler?: string; symptom: string; after?: StateSnapshot }
  /** Steps left out of a long trace. */
  | { kind: 'omitted'; count: number };

export interface TraceStep {
  loc: Loc;
  event: TraceEvent;
  /** Steps inside a callee, when the step is a call whose effect matters. */
  inner?: TraceStep[];
}

/** The state after the step, when the step has one (an omission marker has none). */
export function stateAfter(e: TraceEvent): StateSnapshot | undefined {
  return 'after' in e ? e.after : undefined;
}

const snapshots = new Map<string, StateSnapshot>();

/** The resources of `s`, shared among the steps that show the same ones. */
export function snapshot(s: StateSnapshot): StateSnapshot {
  const key = `${s.irq}/${s.ct}/${s.vtime}/${s.gif}`;
  let snap = snapshots.get(key);
  if (!snap) { snap = Object.freeze({ irq: s.irq, ct: s.ct, vtime: s.vtime, gif: s.gif }); snapshots.set(key, snap); }
  return snap;
}

/** A persistent (shared-tail) list of trace steps, newest first. */
export interface TraceNode {
  readonly step: TraceStep;
  readonly prev: TraceNode | null;
  readonly length: number;
}

export function pushStep(trace: TraceNode | null, step: TraceStep): TraceNode {
  return { step, prev: trace, length: (trace?.length ?? 0) + 1 };
}

/** Steps after `from` (exclusive; null = from the start) up to the newest, oldest first. */
export function stepsSince(trace: TraceNode | null, from: TraceNode | null): TraceStep[] {
  const out: TraceStep[] = [];
  for (let n = trace; n && n !== from; n = n.prev) out.push(n.step);
  return out.reverse();
}

export function isEqs(ct: Context): boolean {
  return ct === 'guest' || ct === 'user';
}

/** Any extended quiescent state, idle included (interruptible by design, but RCU
 *  does not watch it: nothing instrumentable may run there). */
export function isAnyEqs(ct: Context): ct is 'guest' | 'user' | 'idle' {
  return ct === 'guest' || ct === 'user' || ct === 'idle';
}

/** Instrumentable code may not run here: RCU does not watch the CPU (an EQS,
 *  idle included) and no instrumentation_begin() section is open. */
export function instrumentationForbidden(s: State): boolean {
  return isAnyEqs(s.ct) && s.instr === 0 && !s.joined;
}

/** noinstr code outside every EQS the scan sees and every instrumentation_begin()
 *  section: a call out of it to instrumentable code breaks the noinstr discipline
 *  itself (objtool's "call to f() leaves .noinstr.text section"). */
export function noinstrDisciplineApplies(s: State): boolean {
  return s.noinstr && s.instr === 0 && !s.joined && s.ct === 'kernel';
}

export interface StateFields {
  irq: Irq;
  ct: Context;
  vtime: OnOff;
  gif: Gif;
  /** Saved interrupt state, by the text of the variable (or private slot) holding it. */
  flags: ReadonlyMap<string, Irq>;
  /** Signs known for locals, parameters and temporaries, from branches and assignments. */
  facts: ReadonlyMap<string, SignSet>;
  /** instrumentation_begin() sections open on the path (objtool's count): inside
   *  one, instrumentable code may run, whatever the context. */
  instr: number;
  /** The code running is in .noinstr.text: a noinstr function's own, or inlined into it. */
  noinstr: boolean;
  /** Made by joining states when the bound was hit: nothing is reported from it. */
  joined: boolean;
  /** Trace node where each resource got its current value; null: it had it on entry. */
  causes: Readonly<Record<Resource, TraceNode | null>>;
  trace: TraceNode | null;
  /** Callees with no known effect called since the current EQS began. */
  unknownInEqs: readonly string[];
  /** The directory of the implementation an indirect call chose on this path
   *  (vmx or svm): one machine runs one of them, so later dispatches agree. */
  impl: string | null;
}

/** Maps are never changed once a state holds them (a change makes a new map), and
 *  states share them: a map's key is computed once, and kept on the map itself
 *  (cheaper than a WeakMap on the analysis' hottest path). */
const MAP_KEY = Symbol('key');
type KeyedMap = ReadonlyMap<string, unknown> & { [MAP_KEY]?: string };

function mapKey(m: KeyedMap): string {
  if (m.size === 0) return '';
  let key = m[MAP_KEY];
  if (key === undefined) {
    // The names in order: an insertion sort, the maps being small (a few entries).
    const names: string[] = [];
    for (const name of m.keys()) {
      let i = names.length;
      names.push(name);
      while (i > 0 && names[i - 1]! > name) { names[i] = names[i - 1]!; i--; }
      names[i] = name;
    }
    key = '';
    for (const name of names) key += `${name}=${String(m.get(name))},`;
    m[MAP_KEY] = key;
  }
  return key;
}

export class State implements StateFields {
  readonly irq: Irq;
  readonly ct: Context;
  readonly vtime: OnOff;
  readonly gif: Gif;
  readonly flags: ReadonlyMap<string, Irq>;
  readonly facts: ReadonlyMap<string, SignSet>;
  readonly instr: number;
  readonly noinstr: boolean;
  readonly joined: boolean;
  readonly causes: Readonly<Record<Resource, TraceNode | null>>;
  readonly trace: TraceNode | null;
  readonly unknownInEqs: readonly string[];
  readonly impl: string | null;
  private cachedKey: string | null = null;

  constructor(fields: StateFields) {
    this.irq = fields.irq;
    this.ct = fields.ct;
    this.vtime = fields.vtime;
    this.gif = fields.gif;
    this.flags = fields.flags;
    this.facts = fields.facts;
    this.instr = fields.instr;
    this.noinstr = fields.noinstr;
    this.joined = fields.joined;
    this.causes = fields.causes;
    this.trace = fields.trace;
    this.unknownInEqs = fields.unknownInEqs;
    this.impl = fields.impl;
  }

  static initial(partial: Partial<StateFields> = {}): State {
    return new State({
      irq: 'unk', ct: 'kernel', vtime: 'off', gif: 'set', flags: new Map(), facts: new Map(), instr: 0, noinstr: false, joined: false,
      causes: { ct: null, vtime: null, irq: null }, trace: null, unknownInEqs: [], impl: null, ...partial,
    });
  }

  with(changes: Partial<StateFields>): State {
    return new State({ ...this.fields(), ...changes });
  }

  fields(): StateFields {
    return {
      irq: this.irq, ct: this.ct, vtime: this.vtime, gif: this.gif, flags: this.flags, facts: this.facts, instr: this.instr, noinstr: this.noinstr,
      joined: this.joined, causes: this.causes, trace: this.trace, unknownInEqs: this.unknownInEqs, impl: this.impl,
    };
  }

  /** The resource part of the key: what a callee's behaviour can depend on. */
  get resourceKey(): string {
    return `${this.irq}/${this.ct}/${this.vtime}/${this.gif}${this.instr ? `/I${this.instr}` : ''}${this.noinstr ? '/N' : ''}${this.joined ? '/J' : ''}${this.impl ? `/${this.impl}` : ''}`;
  }

  get key(): string {
    if (this.cachedKey === null) this.cachedKey = `${this.resourceKey}|${mapKey(this.flags)}|${mapKey(this.facts)}`;
    return this.cachedKey;
  }

  /** Interrupts can actually be delivered: IF set (or maybe) and, on SVM, GIF set. */
  get deliverable(): 'yes' | 'no' | 'maybe' {
    if (this.irq === 'off' || this.gif === 'clear') return 'no';
    if (this.irq === 'on' && this.gif === 'set') return 'yes';
    return 'maybe';
  }

  withFact(name: string, signs: SignSet | null): State {
    if (name === '' || (!this.facts.has(name) && (signs === null || signs === ANY_SIGN))) return this;
    const facts = new Map(this.facts);
    if (signs === null || signs === ANY_SIGN) facts.delete(name);
    else facts.set(name, signs);
    return this.with({ facts });
  }

  /** The state without the facts and flags `live` does not hold: nothing reads
   *  them again, and states differing only in them are one (analysis/liveness). */
  keeping(live: { has(name: string): boolean }): State {
    const facts = onlyLive(this.facts, live);
    const flags = onlyLive(this.flags, live);
    return facts === this.facts && flags === this.flags ? this : this.with({ facts, flags });
  }

  withFlag(name: string, value: Irq | null): State {
    const flags = new Map(this.flags);
    if (value === null) flags.delete(name);
    else flags.set(name, value);
    return this.with({ flags });
  }
}

/** `m` itself when every name in it is live (the common case, no copy). */
function onlyLive<V>(m: ReadonlyMap<string, V>, live: { has(name: string): boolean }): ReadonlyMap<string, V> {
  for (const k of m.keys()) if (!live.has(k)) return new Map([...m].filter(([name]) => live.has(name)));
  return m;
}

function joinValue<T extends string>(a: T, b: T, unknown: T): T {
  return a === b ? a : unknown;
}

function joinMaps<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>, joinV: (x: V, y: V) => V | null): Map<string, V> {
  const out = new Map<string, V>();
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined) continue;
    const j = joinV(v, w);
    if (j !== null) out.set(k, j);
  }
  return out;
}

/** The least precise state covering both; marked joined (nothing is reported from it). */
export function joinStates(a: State, b: State): State {
  return a.with({
    irq: joinValue(a.irq, b.irq, 'unk'), ct: joinValue(a.ct, b.ct, 'unk'), vtime: joinValue(a.vtime, b.vtime, 'unk'),
    gif: joinValue(a.gif, b.gif, 'unk'), instr: Math.max(a.instr, b.instr), noinstr: a.noinstr || b.noinstr, impl: a.impl === b.impl ? a.impl : null,
    flags: joinMaps(a.flags, b.flags, (x, y) => (x === y ? x : 'unk')),
    facts: joinMaps(a.facts, b.facts, (x, y) => ((x | y) === ANY_SIGN ? null : x | y)),
    joined: true,
  });
}
