// The work done on one file, as plain data in and out, so that it can run in a
// worker thread (run/worker-pool.ts), come from the cache, or run inline — with
// the same result.
//   index: read the file's bytes; its name index and static-call facts (or, for
//          assembly, the functions it defines and what it mentions). Nothing is
//          decoded: a whole tree is read at the speed of the index's loop.
//   build: parse the definitions wanted (the rest of the file blanked) and build
//          their CFGs.
import { isUtf8 } from 'node:buffer';
import { buildCfg, type CfgOptions } from '../cfg/build.js';
import { Configuration, type ConfigSpec } from '../kernel/configuration.js';
import { Model } from '../model/model.js';
import type { ModelGeneration } from '../model/primitives.js';
import { parseMacro, parseSourceInSteps, runSteps, type FunctionDef, type ParsedFile } from '../parser/parse.js';
import { during, InputError } from '../errors.js';
import { liveArmsOfBytes } from '../parser/live-arms.js';
import { decodeSource, looksBinary, readBytes, type Encoding } from '../parser/source.js';
import { RELEASED_BODY } from '../parser/syntax.js';
import { readAsm, type AsmFile } from '../scan/asm-symbols.js';
import { readStaticCallFacts, type StaticCallFacts } from '../scan/dispatch-facts.js';
import { readIntegerConstants } from '../scan/included-headers.js';
import { purePredicates, readPredicateCandidates, type PredicateCandidates } from '../scan/pure-predicates.js';
import { indexNames, type NameIndex } from '../scan/name-index.js';
import { yieldToEventLoop } from '../util/event-loop.js';

/** What builds a Model in another thread: the generations and the option. */
export interface ModelConfig {
  generations: ModelGeneration[];
  builtinWrappers: boolean | undefined;
}

export function makeModel(config: ModelConfig): Model {
  return new Model(config.generations, { builtinWrappers: config.builtinWrappers });
}

/** What every file task of a run shares; a worker thread makes its own from a WorkerSetup. */
export interface FileWork {
  model: Model;
  /** Files are read as it compiles them (parser/live-arms). */
  configuration: Configuration;
}

export interface WorkerSetup {
  model: ModelConfig;
  configuration: ConfigSpec;
}

export function makeFileWork(setup: WorkerSetup): FileWork {
  return { model: makeModel(setup.model), configuration: new Configuration(setup.configuration) };
}

/** A source file's bytes as the configuration compiles them (what it rules out blanked). */
function readConfigured(file: string, work: FileWork, maxBytes?: number): Uint8Array {
  return liveArmsOfBytes(readBytes(file, maxBytes), work.configuration);
}

export type IndexResult =
  | { kind: 'asm'; file: string; functions: string[]; asm: AsmFile }
  | { kind: 'c'; file: string; encoding: Encoding; index: NameIndex; staticCalls: StaticCallFacts }
  | { kind: 'unreadable'; file: string; problem: string };

/** A file to index, and the size cap it is read under (see io/read-file). */
export interface IndexTask {
  file: string;
  maxBytes?: number;
}

export function indexFile(task: IndexTask, work: FileWork): IndexResult {
  return during(`indexing ${task.file}`, () => indexBytes(task, work));
}

function indexBytes({ file, maxBytes }: IndexTask, work: FileWork): IndexResult {
  let bytes: Uint8Array;
  try {
    bytes = file.endsWith('.S') ? readBytes(file, maxBytes) : readConfigured(file, work, maxBytes);
  } catch (err) {
    if (err instanceof InputError) return { kind: 'unreadable', file, problem: err.problem };
    throw err;
  }
  if (file.endsWith('.S')) return { kind: 'asm', file, ...readAsm(file, Buffer.from(bytes).toString('latin1')) };
  if (looksBinary(bytes)) return { kind: 'unreadable', file, problem: 'binary file (contains NUL bytes), not C source' };
  const index = indexNames(file, bytes);
  const encoding: Encoding = index.ascii || isUtf8(bytes) ? 'utf-8' : 'latin1';
  return { kind: 'c', file, encoding, index, staticCalls: readStaticCallFacts(bytes) };
}

/** One definition to build: its extent in the file's bytes, and how the index named it. */
export interface WantedDefinition {
  name: string;
  line: number;
  declStart: number;
  end: number;
}

export interface BuildTask {
  file: string;
  /** The definitions to build; null: every definition of the file. */
  wanted: WantedDefinition[] | null;
  /** The index could not delimit the file's definitions (braces that do not
   *  balance): the file is parsed whole, and what the index did not see is built. */
  unreliable: boolean;
  /** The definitions the index saw (`name:line`), for an unreliable file. */
  known: string[];
  /** Integer constants of the headers the file includes (added only when the
   *  task runs: the cache key names the headers instead). */
  headerConstants: [string, number][];
  /** Predicate candidates of those headers (see scan/pure-predicates), added likewise. */
  headerPredicates: [string, string[]][];
}

export type BuildResult = { kind: 'built'; parsed: ParsedFile } | { kind: 'unreadable'; file: string; problem: string };

export function buildFile(task: BuildTask, work: FileWork): BuildResult {
  return during(`building ${task.file}`, () => runSteps(buildParsed(task, work)));
}

/** buildFile, turning the event loop between the pieces of a large file (the
 *  trees of those done are freed only then: see parser/pieces). */
export async function buildFileInPieces(task: BuildTask, work: FileWork): Promise<BuildResult> {
  const steps = buildParsed(task, work);
  for (;;) {
    const step = during(`building ${task.file}`, () => steps.next());
    if (step.done) return step.value;
    await yieldToEventLoop();
  }
}

function* buildParsed(task: BuildTask, work: FileWork): Generator<void, BuildResult, void> {
  const { model, configuration } = work;
  let source;
  try {
    source = decodeSource(task.file, readConfigured(task.file, work));
  } catch (err) {
    if (err instanceof InputError) return { kind: 'unreadable', file: task.file, problem: err.problem };
    throw err;
  }
  const constants = new Map<string, number>();
  // A file's own #defines win over those of the headers it includes.
  readIntegerConstants(source.text, constants);
  for (const [k, v] of task.headerConstants) if (!constants.has(k)) constants.set(k, v);
  const candidates: PredicateCandidates = new Map();
  readPredicateCandidates(source.text, candidates);
  for (const [k, v] of task.headerPredicates) if (!candidates.has(k)) candidates.set(k, v);
  const predicates = purePredicates(candidates, (n) => model.has(n));
  let text = source.text;
  let build: ((name: string, line: number) => boolean) | undefined;
  if (task.wanted && !task.unreliable) {
    const ranges = charRanges(source.text, source.encoding, task.wanted);
    text = keepRanges(source.text, ranges);
    const wanted = new Set(task.wanted.map((w) => `${w.name}:${w.line}`));
    build = (name, line) => wanted.has(`${name}:${line}`);
  } else if (task.wanted) {
    const wanted = new Set(task.wanted.map((w) => w.name));
    const known = new Set(task.known);
    build = (name, line) => wanted.has(name) || !known.has(`${name}:${line}`);
  }
  const cfgOptions = (t: string, iteratorLoops: ReadonlySet<number>): CfgOptions => ({
    isNoReturn: (n: string) => model.isNoReturn(n), constants, predicates, configuration, iteratorLoops, source: t,
  });
  // Each definition's CFG is built as soon as it is parsed, and its tree let go.
  const result = yield* parseSourceInSteps({ ...source, text }, {
    ...(build ? { build } : {}),
    finish: (def, parsed) => ({ ...def, body: RELEASED_BODY, variants: undefined, cfg: buildCfg(def, cfgOptions(source.text, parsed.iteratorLoops)) }),
  });
  result.functions = result.functions.filter((def) => !def.opaque);
  // Isolated, the file holds only what is wanted: every macro there is; else the macros its code calls.
  const macroOptions = (t: string): CfgOptions => cfgOptions(t, result.iteratorLoops);
  for (const def of expandMacros(result, model, macroOptions, !!task.wanted && !task.unreliable)) result.functions.push(def);
  result.constants = new Map();
  return { kind: 'built', parsed: result };
}

/** The wanted definitions' extents in the decoded text: the index's offsets are
 *  of bytes, which differ from characters only in UTF-8 files that are not ASCII
 *  (a Latin-1 file is decoded byte for byte). */
function charRanges(text: string, encoding: Encoding, wanted: readonly WantedDefinition[]): [number, number][] {
  const ranges = wanted.map((w): [number, number] => [w.declStart, w.end]).sort((a, b) => a[0] - b[0]);
  if (encoding === 'latin1' || Buffer.byteLength(text, 'utf8') === text.length) return ranges;
  // One pass: the character offset at each byte offset asked for.
  const points = [...new Set(ranges.flat())].sort((a, b) => a - b);
  const at = new Map<number, number>();
  let bytes = 0;
  let k = 0;
  for (let i = 0; i <= text.length && k < points.length; i++) {
    while (k < points.length && points[k]! <= bytes) at.set(points[k++]!, i);
    if (i === text.length) break;
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : 3;
    if (c >= 0xd800 && c <= 0xdbff) i++; // the pair's second half is in those 4 bytes
  }
  for (; k < points.length; k++) at.set(points[k]!, text.length);
  return ranges.map(([s, e]) => [at.get(s)!, at.get(e)!]);
}

/** `text` with everything outside `ranges` blanked (line breaks kept): tree-sitter
 *  skips blanks at almost no cost, and what is kept stays at its offset, line and column. */
export function keepRanges(text: string, ranges: readonly (readonly [number, number])[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at) { if (end > at) { parts.push(text.slice(at, end)); at = end; } continue; }
    parts.push(blank(text.slice(at, start)), text.slice(start, end));
    at = end;
  }
  parts.push(blank(text.slice(at)));
  return parts.join('');
}

function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

/** The file's function-like macros that its code (or another expanded macro) calls
 *  — or all of them — as functions with CFGs: an unmask hidden in
 *  `#define relax() do { … } while (0)`. */
function expandMacros(file: ParsedFile, model: Model, cfgOptions: (text: string) => CfgOptions, all: boolean): FunctionDef[] {
  const defined = new Set(file.functions.map((f) => f.name));
  const macros = new Map(file.macros.filter((m) => !defined.has(m.name) && !model.isPrimitive(m.name)).map((m) => [m.name, m]));
  const expanded: FunctionDef[] = [];
  let pending = file.functions.map((f) => f.cfg!);
  for (let first = true; (first || pending.length) && macros.size; first = false) {
    const called = new Set<string>(all && first ? macros.keys() : []);
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
