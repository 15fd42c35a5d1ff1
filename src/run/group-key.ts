// What a group of root analyses depends on, as one hash: every function its roots
// can reach (through calls, ops tables and the guest's exit handlers, stored or
// handed to generated code), each with its definition and CFG, what the program
// concluded about it, and where each of its calls goes. Two runs whose groups
// hash the same analyse them the same way, so the second can take the first
// one's result (see run/interpret).
import { createHash } from 'node:crypto';
import { SHALLOW_LEVELS, type RootTask } from '../analysis/interpreter.js';
import type { FnInfo, Program } from '../analysis/program.js';
import { inArch } from '../kernel/linkage.js';
import type { EntryFact } from '../model/user-model.js';

/** The levels a function may be read at outside windows (see SHALLOW_LEVELS). */
const SHALLOW_DEPTHS = Array.from({ length: SHALLOW_LEVELS }, (_, i) => i + 1);

/** A definition's content hash (or what determined it, when known), computed once
 *  per definition object. */
const definitionHashes = new WeakMap<FnInfo, string>();

function definitionHash(fn: FnInfo): string {
  if (fn.def.origin) return fn.def.origin;
  let hash = definitionHashes.get(fn);
  if (hash === undefined) {
    // JSON with Sets and Maps spelled out: the same for a definition built in this
    // run and one read back from the cache (V8's serialization is not: numbers may
    // come back in another representation).
    const content = fn.cfg === fn.def.cfg ? fn.def : [fn.def, fn.cfg];
    hash = createHash('sha1').update(JSON.stringify(content, withCollections)).digest('hex');
    definitionHashes.set(fn, hash);
  }
  return hash;
}

function withCollections(_key: string, value: unknown): unknown {
  if (value instanceof Set) return ['\u0000Set', ...value];
  if (value instanceof Map) return ['\u0000Map', ...value];
  return value;
}

/** What kbuild and the declaration say of instrumenting the function's own object
 *  (a header's function is compiled into its callers' objects, described there). */
function instrumentation(program: Program, fn: FnInfo, arch: string | null): string {
  if (fn.def.file.endsWith('.h')) return '';
  const how = program.instrumentability(fn, null, fn.def.file, arch);
  return how.kind === 'instrumentable' ? `I:${how.kinds.join()}` : how.kind;
}

/** The hash of a group of roots analysed in arch `arch`'s kernel (null: any):
 *  `context` (rules, model, options), its roots in order, and every function they
 *  may reach, in the order first reached, as the interpreter sees it. */
export function groupKey(program: Program, tasks: readonly RootTask[], arch: string | null, context: string,
  entryFacts: ReadonlyMap<string, EntryFact>, idOf: (fn: FnInfo) => string): string {
  const h = createHash('sha1');
  h.update(`${context}\u0002`);
  for (const t of tasks) h.update(`root\u0001${idOf(t.fn)}\u0001${t.impl}\u0002`);
  const order = [...new Set(tasks.map((t) => t.fn))];
  const seen = new Set(order);
  const reach = (fn: FnInfo): string => {
    if (!seen.has(fn)) { seen.add(fn); order.push(fn); }
    return idOf(fn);
  };
  for (let i = 0; i < order.length; i++) h.update(describe(program, order[i]!, arch, entryFacts, reach));
  return h.digest('hex');
}

/** What a group's result depends on beyond its key: the functions its analysis
 *  built on demand (inside windows), as the interpreter saw them. */
export function builtOnDemandKey(program: Program, fns: readonly FnInfo[], arch: string | null,
  entryFacts: ReadonlyMap<string, EntryFact>, idOf: (fn: FnInfo) => string): string {
  const h = createHash('sha1');
  for (const fn of fns) h.update(describe(program, fn, arch, entryFacts, idOf));
  return h.digest('hex');
}

/** One function as the interpreter sees it, with `reach` called on (and naming)
 *  each function its calls may go to. Its own CFG and the model decide some facts,
 *  but others depend on functions outside the group (whether a generic function is
 *  state-independent depends on every arch's hook), so the program's conclusions
 *  are spelled out. */
function describe(program: Program, fn: FnInfo, arch: string | null, entryFacts: ReadonlyMap<string, EntryFact>,
  reach: (fn: FnInfo) => string): string {
  const fact = entryFacts.get(fn.def.name);
  const role = (r: 'ct' | 'vtime'): string => {
    const { first, firstExitContext, mayEnter, mayExit } = program.role(fn, r);
    return `${[...first].sort().join()}/${firstExitContext}/${mayEnter}/${mayExit}`;
  };
  let out = [
    'fn', reach(fn), fn.arch, definitionHash(fn), fact ? JSON.stringify(fact) : '',
    program.isRoot(fn), program.isOpaque(fn), program.isStateIndependent(fn), program.choosesImplementation(fn),
    program.entersInside(fn, 'ct'), program.entersInside(fn, 'vtime'), role('ct'), role('vtime'),
    ...SHALLOW_DEPTHS.map((l) => !fn.def.opaque && program.shallowRelevant(fn, l)),
    fn.link.attributes, instrumentation(program, fn, arch),
  ].join('\u0001');
  const blocks = fn.cfg.blocks;
  for (let i = 0; i < blocks.length; i++) {
    const events = blocks[i]!.events;
    for (let j = 0; j < events.length; j++) {
      const e = events[j]!;
      if (e.kind !== 'call') continue;
      // The other arches' targets count only by number (and through the facts of
      // this function): their ids change with every edit of their files.
      const all = program.callees(e).length;
      const handlers = [...program.guestExitHandlersFor(e, fn), ...program.generatedCodeHandlersFor(e, fn, { build: false })];
      if (!all && !handlers.length) continue;
      let targets = '';
      for (const t of inArch(program.callees(e), arch, (c) => c.fn.arch)) targets += `${reach(t.fn)}+${t.argOffset},`;
      out += `\u0001${i}.${j}:${all}:${targets}:${handlers.map(reach).join()}`;
    }
  }
  return `${out}\u0002`;
}
