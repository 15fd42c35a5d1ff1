// The pre-filter: from the name index alone, which definitions the analysis
// will look into, so that only those are parsed and built.
//
// What the analysis follows (analysis/interpreter): functions that may enter or
// leave a context or guest time accounting (the EQS functions), with every
// path of theirs; the callees they call outside every EQS window for what
// their bodies do, a few levels deep (inline functions and expanded macros
// included) — calls below are taken to return as they were entered; and
// whatever runs inside a window, at any depth. So:
//   touching  = definitions calling a context or accounting primitive, and their
//               callers, transitively (through names, members and keys, as the
//               linkage resolves them): a superset of the program's EQS functions;
//   shallow   = the callees of those that, read SHALLOW_LEVELS levels deep (a
//               body with the inline functions and macros it calls is one
//               level), call a primitive that changes the state or ends the
//               path, with what those levels need;
//   build     = touching, shallow, and the functions a model says assembly enters.
// What runs inside a window is known only to the interpreter: it builds what it
// reaches there on demand, of the definitions that may matter (relevant).
//
// Calls are the name index's: every name followed by `(`, every member called
// through, every call-macro key; what a forwarding dispatcher (kvm_call_hyp) is
// given counts as called. They hold the program's calls, and both resolve them
// with the same linkage: the pre-filter keeps what the program can reach.
import { siteOf, type CallSite, type Linkage } from '../kernel/linkage.js';
import { generatedCodeHome } from '../kernel/paths.js';
import { nameHash } from '../scan/name-hash.js';
import type { NameIndex } from '../scan/name-index.js';
import { SHALLOW_LEVELS } from '../analysis/interpreter.js';
import type { IndexDef } from './index-table.js';
import { pushTo } from '../util/multimap.js';

/** The model's primitives, as the index knows names: by hash. */
export interface PrimitiveHashes {
  /** Changes the tracked state or ends the path. */
  relevant: ReadonlySet<number>;
  /** Enters or leaves a context or guest time accounting. */
  eqs: ReadonlySet<number>;
  /** Calls the function named by an argument (kvm_call_hyp). */
  forwarding: ReadonlySet<number>;
}

export function primitiveHashes(names: Iterable<string>, isRelevant: (n: string) => boolean,
  isEqs: (n: string) => boolean, isForwarding: (n: string) => boolean): PrimitiveHashes {
  const relevant = new Set<number>();
  const eqs = new Set<number>();
  const forwarding = new Set<number>();
  for (const name of names) {
    const h = nameHash(name);
    if (isRelevant(name)) relevant.add(h);
    if (isEqs(name)) eqs.add(h);
    if (isForwarding(name)) forwarding.add(h);
  }
  return { relevant, eqs, forwarding };
}

export interface SelectInput {
  /** Every indexed file, in reading order. */
  files: readonly NameIndex[];
  defs: readonly IndexDef[];
  linkage: Linkage<IndexDef>;
  primitives: PrimitiveHashes;
  /** Functions a model says assembly enters in a given state. */
  entryNames: ReadonlySet<string>;
}

export interface Selection {
  /** May enter or leave a context or accounting (name level). */
  touching: Set<IndexDef>;
  /** Files the index may have delimited wrong, that matter (wholeFiles). */
  whole: Set<NameIndex>;
  /** To build: touching, their shallow callees, the entry-fact functions. */
  build: Set<IndexDef>;
  /** Touching and entry-fact functions whose address is taken (a value somewhere,
   *  not a call): entered from where the scan cannot see. */
  addressTaken: Set<string>;
  /** Definitions whose address is converted to an integer in some body: handed
   *  to generated code or assembly (see NameIndex integerValues). */
  handedToCode: IndexDef[];
  /** Every definition that may change the state or end the path (itself, or
   *  through what it may call): what inside a window must be built when reached.
   *  Worked out when first asked for. */
  relevant: () => Set<IndexDef>;
}

/** What calls `d` can make, as the linkage resolves them. */
export function* calleesOf(d: IndexDef, linkage: Linkage<IndexDef>, primitives: PrimitiveHashes): Generator<IndexDef> {
  const fn = d.fn;
  for (const h of fn.calls) yield* linkage.byHashOf(h, d);
  if (callsAny(fn.calls, primitives.forwarding)) for (const h of fn.values) yield* linkage.byHashOf(h, d);
  const m = fn.memberCalls;
  for (let i = 0; i < m.length; i += 2) yield* linkage.byMember(m[i]!, m[i + 1]!, d) ?? [];
  for (const [macro, key] of fn.keys) yield* linkage.byKey(macro, key, d) ?? [];
}

function callsAny(calls: Uint32Array, names: ReadonlySet<number>): boolean {
  for (const h of calls) if (names.has(h)) return true;
  return false;
}

export function select(input: SelectInput): Selection {
  const { linkage, primitives } = input;
  const callers = new Callers(input.defs, linkage, primitives);
  // A primitive's own definition (ct_user_enter() in kernel/context_tracking.c)
  // is the mechanism the model stands for: never called as a definition, nor analysed.
  const touching = callers.closure(primitives.eqs, (d) => !linkage.isPrimitive(d.name));
  const build = new Set(touching);
  const entries = input.defs.filter((d) => input.entryNames.has(d.name));
  for (const d of entries) build.add(d);
  const bodies = new ShallowBodies(linkage, primitives);
  for (const d of [...touching, ...entries]) {
    for (const callee of calleesOf(d, linkage, primitives)) {
      if (touching.has(callee)) continue;
      const body = bodies.relevantBody(callee);
      if (body) for (const b of body) build.add(b);
    }
  }
  const handed = handedToCode(input.defs, linkage);
  return {
    touching, build, whole: wholeFiles(input.files, build, primitives),
    addressTaken: addressTaken(input.files, input.defs, [...touching, ...entries]),
    handedToCode: handed,
    relevant: once(() => callers.closure(primitives.relevant, () => true, mayRunGeneratedCode(input.defs, linkage, handed))),
  };
}

function once<T>(make: () => T): () => T {
  let value: { made: T } | null = null;
  return () => (value ??= { made: make() }).made;
}

/** Who may call a definition, as the linkage resolves calls: by name, through a
 *  member it is bound to, through a call-macro key. */
class Callers {
  private readonly index: CallerIndex;
  /** Keyed calls are few: their targets, once. */
  private readonly keyed = new Map<IndexDef, IndexDef[]>();

  constructor(defs: readonly IndexDef[], private readonly linkage: Linkage<IndexDef>, primitives: PrimitiveHashes) {
    this.index = new CallerIndex(defs, primitives);
    for (const d of defs) {
      for (const [macro, key] of d.fn.keys) {
        for (const t of linkage.byKey(macro, key, d) ?? []) pushTo(this.keyed, t, d);
      }
    }
  }

  /** The definitions that call one of `seeds` (primitives, by hash), and their
   *  callers, transitively — those `admit` lets in. */
  closure(seeds: Iterable<number>, admit: (d: IndexDef) => boolean, seedDefs: Iterable<IndexDef> = []): Set<IndexDef> {
    const { linkage, index } = this;
    const marked = new Set<IndexDef>();
    const queue: IndexDef[] = [];
    const mark = (d: IndexDef): void => {
      if (!marked.has(d) && admit(d)) { marked.add(d); queue.push(d); }
    };
    // A caller waits on the targets of its call, resolved once per call when a
    // definition it may reach is first marked (a common name or member has
    // thousands of definitions or bound functions, and of callers): it is
    // marked when one of them is.
    const waiting = new Map<IndexDef, IndexDef[]>();
    const watch = (calls: Iterable<{ caller: IndexDef; targets: readonly IndexDef[] }>): void => {
      for (const { caller, targets } of calls) {
        for (const t of targets) {
          if (marked.has(t)) mark(caller);
          pushTo(waiting, t, caller);
        }
      }
    };
    const seenNames = new Set<number>();
    const seenMembers = new Set<number>();
    for (const h of seeds) for (const d of index.ofName(h)) mark(d);
    for (const d of seedDefs) mark(d);
    while (queue.length) {
      const d = queue.pop()!;
      if (!seenNames.has(d.hash)) { seenNames.add(d.hash); watch(this.callsOf(d.hash)); }
      for (const b of linkage.bindingsStoring(d.hash)) {
        if (!seenMembers.has(b.member) && linkage.boundBy(b) === d) { seenMembers.add(b.member); watch(this.callsThrough(b.member)); }
      }
      for (const c of waiting.get(d) ?? []) mark(c);
      for (const c of this.keyed.get(d) ?? []) mark(c);
    }
    return marked;
  }

  /** Each call of a name (by hash) and what it reaches (the linkage as it is now). */
  private *callsOf(hash: number): Generator<{ caller: IndexDef; targets: readonly IndexDef[] }> {
    for (const caller of this.index.ofName(hash)) yield { caller, targets: this.linkage.byHashOf(hash, caller) };
  }

  /** Each call through `member` and what it reaches (the linkage as it is now). */
  private *callsThrough(member: number): Generator<{ caller: IndexDef; targets: readonly IndexDef[] }> {
    for (const caller of this.index.ofMember(member)) {
      const m = caller.fn.memberCalls;
      for (let i = 0; i < m.length; i += 2) {
        if (m[i] === member) yield { caller, targets: this.linkage.byMember(member, m[i + 1]!, caller) ?? [] };
      }
    }
  }
}

/** Files to parse whole, building what the index did not see there: the index
 *  cannot delimit a file whose braces do not balance (a `#if` arm's), nor code
 *  that calls a primitive outside every definition it saw — the parser sees what
 *  they are. An unbalanced file matters when it calls a primitive anywhere or
 *  declares a name the built code calls; the other kind, always. */
export function wholeFiles(files: readonly NameIndex[], built: Iterable<IndexDef>, primitives: PrimitiveHashes): Set<NameIndex> {
  const called = new Set<number>();
  for (const d of built) for (const h of d.fn.calls) called.add(h);
  const out = new Set<NameIndex>();
  const isPrimitive = (h: number): boolean => primitives.relevant.has(h) || primitives.eqs.has(h);
  const matters = (file: NameIndex): boolean => {
    for (const h of file.fileCalls) if (isPrimitive(h)) return true;
    if (file.reliable) return false;
    for (const h of file.declared) if (called.has(h)) return true;
    for (const fn of file.functions) for (const h of fn.calls) if (isPrimitive(h)) return true;
    return false;
  };
  for (const file of files) if (matters(file)) out.add(file);
  return out;
}

/** What the analysis reads of a callee outside windows (SHALLOW_LEVELS): its
 *  body — itself and the inline functions and macros it calls, transitively (the
 *  compiler makes them one) — and, while levels remain, the bodies of what it calls. */
class ShallowBodies {
  private readonly memo = new Map<string, IndexDef[] | null>();

  constructor(private readonly linkage: Linkage<IndexDef>, private readonly primitives: PrimitiveHashes) {}

  /** The definitions to build to read `d` at `levels` levels, or null when
   *  nothing there calls a primitive that changes the state or ends the path. */
  relevantBody(d: IndexDef, levels = SHALLOW_LEVELS): IndexDef[] | null {
    const key = `${levels}|${d.file}|${d.line}|${d.name}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    // The body: d and the inline functions it reaches through inline calls (a
    // cycle among them is one body). A member counts when it calls a relevant
    // primitive, or (levels remaining) a callee that counts a level down.
    const body = [d];
    const inlineCallers = new Map<IndexDef, IndexDef[]>([[d, []]]);
    const below = new Map<IndexDef, IndexDef[]>();
    for (let i = 0; i < body.length; i++) {
      const b = body[i]!;
      const needs: IndexDef[] = [];
      for (const c of calleesOf(b, this.linkage, this.primitives)) {
        if (c.inline) {
          const callers = inlineCallers.get(c);
          if (callers) callers.push(b);
          else { inlineCallers.set(c, [b]); body.push(c); }
        } else if (levels > 1) {
          for (const d of this.relevantBody(c, levels - 1) ?? []) needs.push(d);
        }
      }
      if (needs.length || callsAny(b.fn.calls, this.primitives.relevant)) below.set(b, needs);
    }
    // What leads (through inline calls) to a member that counts.
    const needed = new Set<IndexDef>(below.keys());
    const queue = [...needed];
    while (queue.length) for (const c of inlineCallers.get(queue.pop()!)!) if (!needed.has(c)) { needed.add(c); queue.push(c); }
    const relevant = needed.has(d) ? [...needed, ...[...below.values()].flat()] : null;
    this.memo.set(key, relevant);
    return relevant;
  }
}

/** Names of `wanted` used as a value somewhere in their program: in a file-scope
 *  initializer or macro call, or in a body other than as a call. */
function addressTaken(files: readonly NameIndex[], defs: readonly IndexDef[], wanted: readonly IndexDef[]): Set<string> {
  const byHash = new Map<number, IndexDef[]>();
  for (const d of wanted) pushTo(byHash, d.hash, d);
  const out = new Set<string>();
  const take = (h: number, site: CallSite): void => {
    for (const d of byHash.get(h) ?? []) if (d.domain === site.domain) out.add(d.name);
  };
  for (const file of files) {
    let site: CallSite | null = null;
    for (const h of file.fileValues) if (byHash.has(h)) take(h, site ??= siteOf(file.path));
  }
  for (const d of defs) for (const h of d.fn.values) if (byHash.has(h)) take(h, d);
  return out;
}

/** Definitions some body converts to an integer (`(unsigned long)fn`), as that
 *  body's linkage resolves them, in the order of the definitions. */
function handedToCode(defs: readonly IndexDef[], linkage: Linkage<IndexDef>): IndexDef[] {
  const out = new Set<IndexDef>();
  for (const d of defs) for (const h of d.fn.integerValues) for (const target of linkage.byHashOf(h, d)) out.add(target);
  return [...out];
}

/** Definitions of a directory that hands addresses to generated code which make
 *  a call through a member nothing is bound to: inside the guest context such a
 *  call may run the guest and come back through those functions (Program
 *  generatedCodeHandlersFor), so they may matter as those functions do. */
function mayRunGeneratedCode(defs: readonly IndexDef[], linkage: Linkage<IndexDef>, handed: readonly IndexDef[]): IndexDef[] {
  const homes = new Set(handed.map((d) => generatedCodeHome(d.file)));
  if (!homes.size) return [];
  return defs.filter((d) => {
    if (!homes.has(generatedCodeHome(d.file))) return false;
    const m = d.fn.memberCalls;
    for (let i = 0; i < m.length; i += 2) if (!linkage.byMember(m[i]!, m[i + 1]!, d)?.length) return true;
    return false;
  });
}

/** Who calls a name, and who calls through a member: sorted keys packed with the
 *  caller's position (a whole tree makes millions of calls: no map of lists). */
class CallerIndex {
  private readonly names: Float64Array;
  private readonly members: Float64Array;

  constructor(private readonly defs: readonly IndexDef[], primitives: PrimitiveHashes) {
    if (defs.length > POSITIONS) throw new RangeError(`more than ${POSITIONS} definitions in one scan`);
    let n = 0;
    let m = 0;
    for (const d of defs) {
      n += d.fn.calls.length + (callsAny(d.fn.calls, primitives.forwarding) ? d.fn.values.length : 0);
      m += d.fn.memberCalls.length / 2;
    }
    this.names = new Float64Array(n);
    this.members = new Float64Array(m);
    n = 0;
    m = 0;
    defs.forEach((d, i) => {
      for (const h of d.fn.calls) this.names[n++] = h * POSITIONS + i;
      if (callsAny(d.fn.calls, primitives.forwarding)) for (const h of d.fn.values) this.names[n++] = h * POSITIONS + i;
      const mc = d.fn.memberCalls;
      for (let k = 0; k < mc.length; k += 2) this.members[m++] = mc[k]! * POSITIONS + i;
    });
    this.names.sort();
    this.members.sort();
  }

  /** Definitions whose calls name `hash`. */
  ofName(hash: number): IndexDef[] {
    return this.lookup(this.names, hash);
  }

  /** Definitions calling through member `hash`. */
  ofMember(hash: number): IndexDef[] {
    return this.lookup(this.members, hash);
  }

  private lookup(keys: Float64Array, hash: number): IndexDef[] {
    const lo = hash * POSITIONS;
    let a = 0;
    let b = keys.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (keys[mid]! < lo) a = mid + 1;
      else b = mid;
    }
    const out: IndexDef[] = [];
    let last = -1;
    for (let i = a; i < keys.length && keys[i]! < lo + POSITIONS; i++) {
      const pos = keys[i]! - lo;
      if (pos !== last) out.push(this.defs[pos]!);
      last = pos;
    }
    return out;
  }
}

/** Definitions per run, at most (2^21: a whole tree holds under a million; a
 *  32-bit hash times this stays an exact float). */
const POSITIONS = 2_097_152;
