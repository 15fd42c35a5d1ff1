// Definitions the scanned code calls but does not define, taken from the headers
// it includes: the kernel's static inline functions (guest_state_enter_irqoff() in
// kvm_host.h, user_enter() in context_tracking.h …), so that wrappers are derived
// from the tree's own definitions, down to the model's true primitives — and what
// those call in turn. They are parsed on demand and are library code: analysed
// through their callers, never as roots of their own.
import { parseSource, type FunctionDef, type ParsedFile } from '../parser/parse.js';
import { descendants, child } from '../parser/syntax.js';
import { calleeName } from '../cfg/build.js';
import { displayPath } from './collect.js';
import type { IncludedHeaders } from './included-headers.js';
import { isolateRange } from '../parser/blank.js';
import { RELEASED_BODY } from '../parser/syntax.js';
import type { Cfg } from '../cfg/types.js';


export function calledNames(fn: FunctionDef): Set<string> {
  const out = new Set<string>();
  if (fn.cfg) {
    for (const block of fn.cfg.blocks) for (const e of block.events) {
      if (e.kind !== 'call') continue;
      if (e.callee) out.add(e.callee);
      for (const a of e.args) if (a.ident) out.add(a.ident);
    }
    return out;
  }
  for (const n of descendants(fn.body)) {
    if (n.type !== 'call_expression') continue;
    const name = calleeName(n);
    if (name) out.add(name);
    // forwarded calls (kvm_call_hyp_ret(f, …)) and function names passed as values
    const args = child(n, 'arguments');
    for (const a of args?.children ?? []) if (a.type === 'identifier' && a.text) out.add(a.text);
  }
  return out;
}

export class HeaderFunctions {
  private readonly parsedDefinitions = new Map<string, FunctionDef[]>();

  /** @param build the CFG of a definition parsed from `text` */
  /** @param cached definitions parsed and built by an earlier run, and where to keep new ones */
  constructor(private readonly headers: IncludedHeaders, private readonly isPrimitive: (name: string) => boolean,
    private readonly build: CfgMaker,
    private readonly cached: DefinitionCache | null = null) {}

  /** The header functions `files` need, as parsed files holding only those
   *  functions, with the headers' texts by the path the parsed files carry. */
  collect(files: ParsedFile[], headersOf: ReadonlyMap<string, string[]>): ParsedFile[] {
    const defined = new Set<string>();
    for (const f of files) for (const fn of f.functions) defined.add(fn.name);
    const chosen = new Map<string, Map<string, FunctionDef[]>>(); // header -> name -> defs
    for (const file of files) {
      const headers = headersOf.get(file.path) ?? [];
      if (!headers.length) continue;
      const firstDefinition = new Map<string, string>();
      for (const h of headers) for (const name of this.definitions(h)) if (!firstDefinition.has(name)) firstDefinition.set(name, h);
      const queue = file.functions.flatMap((fn) => [...calledNames(fn)]);
      const seen = new Set<string>();
      while (queue.length) {
        const name = queue.pop()!;
        if (seen.has(name) || defined.has(name) || this.isPrimitive(name)) continue;
        seen.add(name);
        const header = firstDefinition.get(name);
        if (!header) continue;
        let byName = chosen.get(header);
        if (!byName) { byName = new Map(); chosen.set(header, byName); }
        if (byName.has(name)) continue;
        const defs = this.parse(header, name);
        byName.set(name, defs);
        for (const d of defs) queue.push(...calledNames(d));
      }
    }
    return [...chosen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([header, byName]): ParsedFile => ({
      path: displayPath(header), encoding: 'latin1', functions: [...byName.values()].flat().map((f) => ({ ...f, library: true })),
      constants: this.constantsOf(header), fileScopeNames: new Set(), memberAssignments: [], macros: [],
      iteratorLoops: new Set(), unnamedFunctions: 0, topLevelErrors: 0,
    }));
  }

  /** The C functions a header defines. */
  private definitions(header: string): string[] {
    return this.headers.index(header).functions.filter((f) => !f.macro).map((f) => f.name);
  }

  /** A header's definitions of `name`, each parsed alone (at its lines and
   *  columns) and built: a large header costs what its wanted functions cost. */
  private parse(header: string, name: string): FunctionDef[] {
    const key = `${header}\0${name}`;
    let defs = this.parsedDefinitions.get(key) ?? this.cached?.get(header, name);
    if (!defs) {
      defs = [];
      for (const f of this.headers.index(header).functions) {
        if (f.macro || f.name !== name) continue;
        const text = isolateRange(this.headers.text(header), f.declStart, f.end);
        const file = parseSource({ path: displayPath(header), text, encoding: 'latin1' });
        for (const def of file.functions) {
          if (def.name !== name) continue;
          defs.push({ ...def, body: RELEASED_BODY, variants: undefined, cfg: this.build(def, text, file.iteratorLoops, this.constantsOf(header)) });
        }
      }
      this.cached?.put(header, name, defs);
    }
    this.parsedDefinitions.set(key, defs);
    return defs;
  }

  /** A header's own integer #defines. */
  private constantsOf(header: string): Map<string, number> {
    return this.headers.defines(header);
  }
}

/** Built definitions of a header by name, from and for other runs. */
export interface DefinitionCache {
  get(header: string, name: string): FunctionDef[] | undefined;
  put(header: string, name: string, defs: FunctionDef[]): void;
}

export type CfgMaker = (def: FunctionDef, text: string, iteratorLoops: Set<number>, constants: Map<string, number>) => Cfg;
