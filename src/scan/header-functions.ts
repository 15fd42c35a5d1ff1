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

const NOT_FUNCTIONS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'do', 'defined']);
/** `name(params) {` — a definition with a body (possibly spanning lines). */
const DEFINITION = /\b([A-Za-z_]\w*)\s*\((?:[^;{}()]|\([^()]*\))*\)\s*\{/g;

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
  private readonly definedIn = new Map<string, Set<string>>();
  private readonly parsedHeaders = new Map<string, ParsedFile>();

  constructor(private readonly headers: IncludedHeaders, private readonly isPrimitive: (name: string) => boolean) {}

  /** The header functions `files` need, as parsed files holding only those
   *  functions, with the headers' texts by the path the parsed files carry. */
  collect(files: ParsedFile[], headersOf: ReadonlyMap<string, string[]>): { files: ParsedFile[]; sources: Map<string, string> } {
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
        const defs = this.parse(header).functions.filter((f) => f.name === name);
        byName.set(name, defs);
        for (const d of defs) queue.push(...calledNames(d));
      }
    }
    const sources = new Map<string, string>();
    const library = [...chosen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([header, byName]) => {
      const parsed = this.parse(header);
      sources.set(parsed.path, this.headers.text(header));
      return { ...parsed, functions: [...byName.values()].flat().map((f) => ({ ...f, library: true })) };
    });
    return { files: library, sources };
  }

  private definitions(header: string): Set<string> {
    let names = this.definedIn.get(header);
    if (!names) {
      names = new Set();
      for (const m of this.headers.text(header).matchAll(DEFINITION)) if (!NOT_FUNCTIONS.has(m[1]!)) names.add(m[1]!);
      this.definedIn.set(header, names);
    }
    return names;
  }

  private parse(header: string): ParsedFile {
    let parsed = this.parsedHeaders.get(header);
    if (!parsed) {
      const shown = displayPath(header);
      parsed = parseSource({ path: shown, text: this.headers.text(header), encoding: 'latin1' });
      this.parsedHeaders.set(header, parsed);
    }
    return parsed;
  }
}
