// The pre-filter: from the files' names alone (scan/name-index), which files must
// be parsed and which functions built for the analysis to reach the findings it
// would reach with everything built.
//
// What the analysis looks into (analysis/program.ts): functions that may enter
// or leave an EQS start analyses; from there, every callee that can change the
// tracked state or end the path (a "relevant" function). Everything else is
// opaque: it needs to be known to exist (a call resolves to it), not built. So:
//   relevant  = definitions calling a state-changing or noreturn primitive, or a
//               relevant definition they can see, transitively (callers' direction);
//   roots     = definitions calling an EQS door, transitively, and the functions
//               a model says assembly enters;
//   needed    = roots, and the relevant definitions they call, transitively;
//   built     = needed, and functions taking the address of a root (an exit
//               handler stored in a pointer) or storing into a member needed code
//               calls through.
// Calls over-approximate the program's: any name followed by `(`, every function
// bound to a member called through (whatever the struct), the members a
// static-call key may name, a file's macros in that file; what a forwarding
// dispatcher (kvm_call_hyp) is given counts as called. So the needed set holds
// everything the analysis would look into — checked against the program itself
// (bench/RESULTS.md) and by scanning every fixture both ways.

import type { IndexedFunction, NameIndex } from './name-index.js';
import { archOf } from '../analysis/program.js';

export interface PrefilterInput {
  /** The scanned C files. */
  files: readonly NameIndex[];
  /** Headers they include (static inline functions and macros live there). */
  headers: readonly NameIndex[];
  /** A model primitive that changes the tracked state or ends the path. */
  isRelevantPrimitive(name: string): boolean;
  /** A model primitive that enters or leaves a context or accounting. */
  isEqsPrimitive(name: string): boolean;
  /** A dispatcher that calls the function named by an argument (kvm_call_hyp). */
  isForwarding(name: string): boolean;
  /** Functions a model says assembly enters in a given state. */
  entryNames: ReadonlySet<string>;
}

export interface PrefilterDecision {
  /** Scanned files to parse. */
  parse: Set<string>;
  /** Names whose definitions (in parsed files) get CFGs; the others are opaque. */
  build: Set<string>;
  /** Definitions in files not parsed that a needed function may call: opaque. */
  stubs: Map<string, IndexedFunction[]>;
  /** How many definitions the index saw, and how many are needed. */
  definitions: number;
  needed: number;
}

export function prefilter(input: PrefilterInput): PrefilterDecision {
  const all = [...input.files, ...input.headers];
  const scanned = new Set(input.files);
  // A function is known by its name; a macro only in its own file (the analysis
  // expands a file's macros in that file, never a header's).
  const keyOf = (fn: IndexedFunction, file: NameIndex): string => (fn.macro ? `${file.path}\0${fn.name}` : fn.name);
  const defsByKey = new Map<string, IndexedFunction[]>();
  const fileOf = new Map<IndexedFunction, NameIndex>();
  // `.member` -> its bindings (function, file), function -> its members
  const boundMembers = new Map<string, Set<string>>();
  const bindingsOf = new Map<string, { fn: string; file: NameIndex }[]>();
  for (const file of all) {
    for (const fn of file.functions) {
      push(defsByKey, keyOf(fn, file), fn);
      fileOf.set(fn, file);
    }
    for (const [member, fn] of file.bindings) {
      add(boundMembers, fn, member);
      push(bindingsOf, member, { fn, file });
    }
  }

  // What a definition calls, as keys: its file's macros by file, members
  // (`.run`), and the members a call-macro key names (`kvm_x86_vcpu_run` and
  // `vcpu_run` name `.vcpu_run`). A definition that calls a forwarding dispatcher
  // (`kvm_call_hyp(__kvm_vcpu_run, vcpu)`) calls what it names as values too.
  const effective = new Map<IndexedFunction, string[]>();
  const callsOf = (fn: IndexedFunction): string[] => {
    let list = effective.get(fn);
    if (!list) {
      const file = fileOf.get(fn)!;
      const set = new Set<string>();
      const forwards = [...fn.calls].some(input.isForwarding);
      for (const m of forwards ? fn.mentions : fn.calls) {
        set.add(m);
        const local = `${file.path}\0${m}`;
        if (defsByKey.has(local)) set.add(local);
      }
      for (const key of fn.keys) {
        for (const suffix of underscoreSuffixes(key)) if (bindingsOf.has(`.${suffix}`)) set.add(`.${suffix}`);
      }
      list = [...set];
      effective.set(fn, list);
    }
    return list;
  };
  const callersOf = new Map<string, IndexedFunction[]>();
  for (const file of all) for (const fn of file.functions) for (const m of callsOf(fn)) push(callersOf, m, fn);

  // Whether code of `from` can call `to` by name, as the program resolves calls:
  // within a file; else not a static function of a .c file, and never across arches.
  const archOfFile = new Map(all.map((f) => [f, archOf(f.path)]));
  const visible = (from: IndexedFunction, to: IndexedFunction): boolean => visibleFrom(fileOf.get(from)!, to);
  const visibleFrom = (source: NameIndex, to: IndexedFunction): boolean => {
    const target = fileOf.get(to)!;
    if (target === source) return true;
    if (to.macro || (to.isStatic && !target.path.endsWith('.h'))) return false;
    const a = archOfFile.get(target)!;
    const b = archOfFile.get(source)!;
    return a === null || b === null || a === b;
  };
  // What a call through `.member` from code of an arch may reach: every function a
  // table entry or a store binds to it, of that arch or generic. (The program
  // resolves fewer: by the call's struct type, and none past a cap of targets.
  // Mirroring those cuts here would trade safety for speed: a binding the index
  // saw and the parser did not would push a set over the cap and drop targets
  // the program keeps.)
  const resolvable = new Map<string, Set<IndexedFunction>>();
  const targetsOf = (member: string, arch: string | null): Set<IndexedFunction> => {
    const key = `${member}\0${arch}`;
    let out = resolvable.get(key);
    if (out) return out;
    out = new Set();
    for (const b of bindingsOf.get(member) ?? []) {
      for (const d of defsByKey.get(b.fn) ?? []) {
        if (d.macro || !visibleFrom(b.file, d)) continue;
        const a = archOfDef(d);
        if (a === null || arch === null || a === arch) out.add(d);
      }
    }
    resolvable.set(key, out);
    return out;
  };
  const archOfDef = (fn: IndexedFunction): string | null => archOfFile.get(fileOf.get(fn)!)!;

  const closure = (isSeed: (name: string) => boolean): Set<IndexedFunction> => {
    const marked = new Set<IndexedFunction>();
    const queue: IndexedFunction[] = [];
    const mark = (fn: IndexedFunction): void => {
      if (!marked.has(fn)) { marked.add(fn); queue.push(fn); }
    };
    for (const file of all) for (const fn of file.functions) if (callsOf(fn).some(isSeed)) mark(fn);
    while (queue.length) {
      const fn = queue.pop()!;
      for (const caller of callersOf.get(keyOf(fn, fileOf.get(fn)!)) ?? []) if (visible(caller, fn)) mark(caller);
      if (fn.macro) continue;
      for (const member of boundMembers.get(fn.name) ?? []) {
        for (const caller of callersOf.get(member) ?? []) if (targetsOf(member, archOfDef(caller)).has(fn)) mark(caller);
      }
    }
    return marked;
  };
  const relevant = closure(input.isRelevantPrimitive);
  const touching = closure(input.isEqsPrimitive);

  const needed = new Set<IndexedFunction>();
  const queue: IndexedFunction[] = [];
  const need = (fn: IndexedFunction): void => {
    if (!needed.has(fn)) { needed.add(fn); queue.push(fn); }
  };
  for (const fn of touching) need(fn);
  for (const name of input.entryNames) for (const fn of defsByKey.get(name) ?? []) need(fn);
  const mentionedByNeeded = new Set<string>();
  while (queue.length) {
    const fn = queue.pop()!;
    for (const m of fn.mentions) mentionedByNeeded.add(m);
    for (const m of callsOf(fn)) {
      mentionedByNeeded.add(m);
      if (m.startsWith('.')) {
        for (const b of bindingsOf.get(m) ?? []) mentionedByNeeded.add(b.fn);
        for (const d of targetsOf(m, archOfDef(fn))) if (relevant.has(d)) need(d);
      } else {
        for (const d of defsByKey.get(m) ?? []) if (relevant.has(d) && visible(fn, d)) need(d);
      }
    }
  }

  const build = new Set([...needed].map((fn) => fn.name));
  const parse = new Set<string>();
  for (const fn of needed) {
    const file = fileOf.get(fn)!;
    if (scanned.has(file)) parse.add(file.path);
  }
  // A function storing a pointer in a member needed code calls through
  // (`vcpu->arch.handle_exit = kvm_handle_exit`) is built: the store is a target.
  for (const file of input.files) {
    for (const [member, , owner] of file.bindings) {
      if (owner !== null && mentionedByNeeded.has(member)) { build.add(owner); parse.add(file.path); }
    }
  }
  // A function taking the address of one that may enter or leave an EQS
  // (`vcpu->arch.handle_exit = kvm_handle_exit`, `bl` targets stored in a table)
  // is built: the address makes it an entry the analysis must know of.
  const touchingNames = new Set([...touching].filter((fn) => !fn.macro).map((fn) => fn.name));
  for (const file of input.files) {
    for (const fn of file.functions) {
      if (fn.macro || build.has(fn.name)) continue;
      for (const m of fn.mentions) {
        if (touchingNames.has(m) && !fn.calls.has(m)) { build.add(fn.name); parse.add(file.path); break; }
      }
    }
  }
  for (const file of input.files) {
    if (parse.has(file.path)) continue;
    // Tables binding what needed code dispatches through (`.run = vmx_run`), files
    // naming the address of a function that may enter or leave an EQS, and files
    // whose definitions the index may have mis-delimited are parsed.
    const mentioned = (names: Iterable<string>): boolean => {
      for (const n of names) if (touchingNames.has(n) || mentionedByNeeded.has(`.${n}`)) return true;
      return false;
    };
    // A primitive named outside every definition the index saw is in code it
    // could not delimit: the parser sees what it is.
    const primitiveOutside = [...file.fileScope].some((n) => input.isRelevantPrimitive(n) || input.isEqsPrimitive(n));
    if (mentioned(file.fileScope) || primitiveOutside || (!file.reliable && [...file.declared].some((n) => mentionedByNeeded.has(n)))) {
      parse.add(file.path);
    }
  }
  const stubs = new Map<string, IndexedFunction[]>();
  for (const file of input.files) {
    if (parse.has(file.path)) continue;
    const used = file.functions.filter((fn) => !fn.macro && mentionedByNeeded.has(fn.name));
    if (used.length) stubs.set(file.path, used);
  }
  let definitions = 0;
  for (const file of input.files) definitions += file.functions.length;
  return { parse, build, stubs, definitions, needed: [...needed].filter((fn) => scanned.has(fileOf.get(fn)!)).length };
}

/** `kvm_x86_vcpu_run`, `x86_vcpu_run`, `vcpu_run`, `run`. */
function underscoreSuffixes(key: string): string[] {
  const out = [key];
  for (let k = key.indexOf('_'); k >= 0; k = key.indexOf('_', k + 1)) if (k + 1 < key.length) out.push(key.slice(k + 1));
  return out;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
