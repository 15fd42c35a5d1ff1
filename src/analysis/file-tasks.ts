// The work done on one file, as plain data in and out, so that it can run in a
// worker thread (analysis/worker-pool.ts), come from the cache, or run inline —
// with the same result.
//   index: read the file; its name index, its own dispatch facts, its #includes
//          (or, for assembly, the functions it defines and what it mentions);
//   build: parse it (bodies not wanted blanked) and build the CFGs of the
//          functions wanted, the others kept as opaque definitions.
import { buildCfg, opaqueCfg, type CfgOptions } from '../cfg/build.js';
import { Model } from '../model/model.js';
import type { ModelGeneration } from '../model/primitives.js';
import { blankRanges } from '../parser/blank.js';
import { parseMacro, parseSource, type FunctionDef, type ParsedFile } from '../parser/parse.js';
import { InputError, readSource, type Encoding } from '../parser/source.js';
import { RELEASED_BODY } from '../parser/syntax.js';
import { readAsm, type AsmFile } from '../scan/asm-symbols.js';
import { emptyDispatchFacts, readDispatchFacts, type DispatchFacts } from '../scan/dispatch-facts.js';
import { includeDirectives, type IncludeDirective } from '../scan/included-headers.js';
import { indexNames, type NameIndex } from '../scan/name-index.js';
import { archOf } from './program.js';

/** What builds a Model in another thread: the generations and the option. */
export interface ModelConfig {
  generations: ModelGeneration[];
  builtinWrappers: boolean | undefined;
}

export function makeModel(config: ModelConfig): Model {
  return new Model(config.generations, { builtinWrappers: config.builtinWrappers });
}

export type IndexResult =
  | { kind: 'asm'; file: string; functions: string[]; asm: AsmFile }
  | { kind: 'c'; file: string; encoding: Encoding; index: NameIndex | null; includes: IncludeDirective[]; facts: DispatchFacts }
  | { kind: 'unreadable'; file: string; problem: string };

export function indexFile(file: string, withNames: boolean): IndexResult {
  let source;
  try {
    source = readSource(file);
  } catch (err) {
    if (err instanceof InputError) return { kind: 'unreadable', file, problem: err.problem };
    throw err;
  }
  if (file.endsWith('.S')) return { kind: 'asm', file, ...readAsm(file, source.text) };
  const facts = emptyDispatchFacts();
  readDispatchFacts(source.text, archOf(file), facts);
  return {
    kind: 'c', file, encoding: source.encoding, index: withNames ? indexNames(file, source.text) : null,
    includes: includeDirectives(source.text), facts,
  };
}

export interface BuildTask {
  file: string;
  /** Names of the functions to build; null: all. */
  build: string[] | null;
  /** The definitions the name index saw in the file (`name:line`): one it did not
   *  see is built (the pre-filter could not judge it). */
  known: string[];
  /** Body ranges to blank before parsing (functions not built). */
  blank: [number, number][];
  /** Integer constants of the headers the file includes (added only when the
   *  task runs: the cache key names the headers instead). */
  headerConstants: [string, number][];
  defines: string[];
}

export type BuildResult = { kind: 'built'; parsed: ParsedFile } | { kind: 'unreadable'; file: string; problem: string };

export function buildFile(task: BuildTask, model: Model): BuildResult {
  let source;
  try {
    source = readSource(task.file);
  } catch (err) {
    if (err instanceof InputError) return { kind: 'unreadable', file: task.file, problem: err.problem };
    throw err;
  }
  const wanted = task.build ? new Set(task.build) : null;
  const known = new Set(task.known);
  const result = parseSource({ ...source, text: blankRanges(source.text, task.blank) },
    wanted ? { build: (name, line) => wanted.has(name) || !known.has(`${name}:${line}`) } : {});
  // A file's own #defines win over those of the headers it includes.
  for (const [k, v] of task.headerConstants) if (!result.constants.has(k)) result.constants.set(k, v);
  const defines = new Set(task.defines);
  const cfgOptions = (text: string): CfgOptions => ({
    isNoReturn: (n: string) => model.isNoReturn(n), constants: result.constants, defines,
    iteratorLoops: result.iteratorLoops, source: text,
  });
  result.functions = result.functions.map((def) => ({
    ...def, body: RELEASED_BODY, variants: undefined, cfg: def.opaque ? opaqueCfg(def) : buildCfg(def, cfgOptions(source.text)),
  }));
  result.functions.push(...expandMacros(result, model, cfgOptions));
  // Spent on the CFGs: the headers' constants merged in were 40% of a kernel
  // scope's cached build results, copied from workers and read back on every run.
  result.constants = new Map();
  return { kind: 'built', parsed: result };
}

/** The file's function-like macros that its code (or another expanded macro) calls,
 *  as functions with CFGs: an unmask hidden in `#define relax() do { … } while (0)`. */
function expandMacros(file: ParsedFile, model: Model, cfgOptions: (text: string) => CfgOptions): FunctionDef[] {
  const defined = new Set(file.functions.map((f) => f.name));
  const macros = new Map(file.macros.filter((m) => !defined.has(m.name) && !model.isPrimitive(m.name)).map((m) => [m.name, m]));
  const expanded: FunctionDef[] = [];
  let pending = file.functions.map((f) => f.cfg!);
  while (pending.length && macros.size) {
    const called = new Set<string>();
    for (const cfg of pending) for (const b of cfg.blocks) for (const e of b.events) if (e.kind === 'call' && e.callee) called.add(e.callee);
    pending = [];
    for (const name of called) {
      const macro = macros.get(name);
      if (!macro) continue;
      macros.delete(name);
      const parsed = parseMacro(macro, file.path);
      if (!parsed) continue;
      const def = { ...parsed.def, body: RELEASED_BODY, cfg: buildCfg(parsed.def, cfgOptions(parsed.text)) };
      expanded.push(def);
      pending.push(def.cfg);
    }
  }
  return expanded;
}
