// One analysis run: index the files, decide what can matter (the pre-filter),
// parse and build that (in worker threads on large scans), build the program,
// interpret it.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILTIN_MODEL } from '../model/primitives.js';
import type { UserModel } from '../model/user-model.js';
import { buildCfg, opaqueCfg } from '../cfg/build.js';
import { opaqueDefinition, type FunctionDef, type ParsedFile } from '../parser/parse.js';
import { InputError } from '../parser/source.js';
import type { Rule } from '../rules/types.js';
import type { AsmFile } from '../scan/asm-symbols.js';
import { emptyDispatchFacts, mergeDispatchFacts } from '../scan/dispatch-facts.js';
import { IncludedHeaders, kernelRootOf } from '../scan/included-headers.js';
import { HeaderFunctions, type CfgMaker, type DefinitionCache } from '../scan/header-functions.js';
import { displayPath } from '../scan/collect.js';
import { archFacts } from '../scan/arch-facts.js';
import type { IndexedFunction, NameIndex } from '../scan/name-index.js';
import { prefilter, type PrefilterDecision } from '../scan/prefilter.js';
import { buildFile, indexFile, makeModel, type BuildTask, type ModelConfig } from './file-tasks.js';
import { WorkerPool } from './worker-pool.js';
import { TaskRunner } from './task-runner.js';
import { sha1, type Cache } from '../cache/cache.js';
import { archOf, Program } from './program.js';
import { archDirOf, type AnalysisStats, type Finding, type InterpreterResult } from './interpreter.js';
import { analyseProgram, type GroupResults } from './analyse-program.js';

export interface AnalyzeOptions {
  rules: readonly Rule[];
  defines: ReadonlySet<string>;
  /** Files whose read errors are fatal (named on the command line). */
  explicit?: ReadonlySet<string>;
  /** Model files: more primitives, and entry facts for functions entered from assembly. */
  models?: readonly UserModel[];
  /** false: no built-in wrapper table; wrappers come only from the tree's definitions. */
  builtinWrappers?: boolean;
  /** false: parse every file and build every function (the pre-filter's reference). */
  prefilter?: boolean;
  /** Worker threads: 1 runs everything in this thread; default: see workerCount. */
  jobs?: number;
  /** Called as files are done (for a progress display). */
  onProgress?: (p: Progress) => void;
  /** Per-file and whole-run results from earlier runs (null: none). */
  cache?: Cache | null;
  /** Refuse scans whose pre-filter needs more functions than this (default MAX_NEEDED). */
  maxNeeded?: number;
}

export interface Progress {
  phase: 'index' | 'select' | 'build' | 'analyse';
  done: number;
  total: number;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface RunSummary {
  /** C files read. */
  files: number;
  /** Of those, parsed (the others cannot matter: see scan/prefilter). */
  filesParsed: number;
  /** Functions built (CFGs), and definitions known but not looked into. */
  functions: number;
  opaqueFunctions: number;
  functionsWithParseErrors: { file: string; function: string; line: number }[];
  unnamedFunctions: number;
  skipped: SkippedFile[];
  latin1Files: string[];
  analysis: AnalysisStats;
}

export interface AnalyzeResult {
  findings: Finding[];
  summary: RunSummary;
}

/** Worker threads pay off from a few dozen files on. */
const FILES_PER_WORKER_MIN = 32;
/** Measured on 2 cores (bench/RESULTS.md): two workers are slower than none —
 *  the main thread and V8's garbage collector already keep both cores busy, and
 *  results cost a copy — so by default workers start from 4 cores. */
const CORES_FOR_WORKERS = 4;

function workerCount(jobs: number | undefined, files: number): number {
  if (jobs !== undefined) return jobs > 1 ? jobs : 0;
  const cores = os.availableParallelism();
  return cores >= CORES_FOR_WORKERS && files >= FILES_PER_WORKER_MIN * 2 ? Math.min(cores - 1, 8) : 0;
}

export async function analyzeFiles(files: string[], options: AnalyzeOptions): Promise<AnalyzeResult> {
  const models = options.models ?? [];
  const modelConfig: ModelConfig = { generations: [...BUILTIN_MODEL, ...models.map((m) => m.generation)], builtinWrappers: options.builtinWrappers };
  const pool = WorkerPool.start(workerCount(options.jobs, files.length), modelConfig);
  try {
    return await analyzeWith(files, options, modelConfig, pool);
  } finally {
    await pool?.close();
  }
}

async function analyzeWith(files: string[], options: AnalyzeOptions, modelConfig: ModelConfig, pool: WorkerPool | null): Promise<AnalyzeResult> {
  const parsed: ParsedFile[] = [];
  const skipped: SkippedFile[] = [];
  const latin1Files: string[] = [];
  const model = makeModel(modelConfig);
  const entryFacts = new Map((options.models ?? []).flatMap((m) => [...m.entries]));
  const dispatchFacts = emptyDispatchFacts();
  const cache = options.cache ?? null;
  const included = new IncludedHeaders((facts) => mergeDispatchFacts(dispatchFacts, facts), cache);
  const asmFunctions = new Map<string, AsmFile>();
  const progress = options.onProgress ?? (() => {});
  const unreadable = (file: string, problem: string): void => {
    if (options.explicit?.has(file)) throw new InputError(file, problem);
    skipped.push({ file, reason: problem });
  };
  const usePrefilter = options.prefilter !== false;

  // A run over the same files, headers and options is not redone.
  const hashes = cache ? files.map((f) => cache.fileHash(f)) : [];
  const optionsKey = sha1(JSON.stringify({
    rules: options.rules.map((r) => r.id), defines: [...options.defines].sort(), model: modelConfig,
    entries: [...entryFacts], prefilter: usePrefilter,
  }));
  const runKey = cache && hashes.every((h) => h !== null) ? sha1('run', optionsKey, ...files.flatMap((f, i) => [f, hashes[i]!])) : null;
  const earlier = cache && runKey ? cachedRun(cache, runKey) : null;
  if (earlier) {
    progress({ phase: 'analyse', done: 1, total: 1 });
    qualifyByArch(earlier.findings);
    return earlier;
  }
  const runner = new TaskRunner(pool, cache, progress);

  // Phase 1: every file's names and the facts read from its raw text, then the
  // pre-filter's decision of what to parse and build.
  const indexed = await runner.run('index', files.map((file) => ({ file, withNames: usePrefilter })),
    (t, i) => (hashes[i] ? sha1('index', String(t.withNames), t.file, hashes[i]!) : null),
    (t) => indexFile(t.file, t.withNames));
  const cFiles: string[] = [];
  const indexes = new Map<string, NameIndex>();
  // Per C file: the headers it reaches (their constants are merged only for the
  // files parsed: a whole tree cannot hold them all).
  const headersOf = new Map<string, string[]>();
  // Headers outside the scan whose definitions the pre-filter weighs.
  const libraryHeaders = new Set<string>();
  const scannedPaths = new Set(files.map((f) => path.resolve(f)));
  for (const r of indexed) {
    if (r.kind === 'unreadable') { unreadable(r.file, r.problem); continue; }
    if (r.kind === 'asm') {
      for (const name of r.functions) if (!asmFunctions.has(name)) asmFunctions.set(name, r.asm);
      continue;
    }
    cFiles.push(r.file);
    if (r.encoding === 'latin1') latin1Files.push(r.file);
    // Facts in reading order: the file's own, then those of headers it reads first.
    mergeDispatchFacts(dispatchFacts, r.facts);
    const headers = included.headersOf(r.file, r.includes);
    headersOf.set(r.file, headers);
    if (!r.index) continue;
    indexes.set(r.file, r.index);
    for (const h of headers) if (!scannedPaths.has(h)) libraryHeaders.add(h);
  }
  progress({ phase: 'select', done: 0, total: 1 });
  const decision = usePrefilter ? prefilter({
    files: [...indexes.values()], headers: [...libraryHeaders].map((h) => included.index(h)), entryNames: new Set(entryFacts.keys()),
    // What makes a function relevant to the program (not opaque): a call that may
    // change the state or end the path.
    isRelevantPrimitive: (name) => model.touchesState(name) || model.isNoReturn(name),
    isEqsPrimitive: (name) => model.entersOrLeaves(name),
    isForwarding: (name) => model.forwardArg(name) !== undefined,
  }) : null;

  const maxNeeded = options.maxNeeded ?? MAX_NEEDED;
  if (decision && decision.needed > maxNeeded) throw new ScopeTooLargeError(decision.needed, decision.parse.size, maxNeeded);

  // Phase 2: parse what can matter and build the CFGs of what is needed.
  const toBuild = decision ? cFiles.filter((f) => decision.parse.has(f)) : cFiles;
  // The headers' constants (thousands per file) go only into tasks the cache does
  // not have: a task's key names the headers and their content hashes instead.
  const tasks = toBuild.map((file) => buildTask(file, indexes.get(file), decision, options.defines));
  const withConstants = (t: BuildTask): BuildTask => ({ ...t, headerConstants: [...included.constantsOf(headersOf.get(t.file)!)] });
  const hashOf = new Map(files.map((f, i) => [f, hashes[i] ?? null]));
  const keys = tasks.map((t) => {
    const hash = cache && hashOf.get(t.file);
    if (!hash) return null;
    const headers = headersOf.get(t.file)!.flatMap((h) => [h, cache.fileHash(h) ?? '']);
    return sha1('build', optionsKey, t.file, hash, JSON.stringify([t.build, t.blank, t.defines, headers]));
  });
  const built = await runner.run('build', tasks, (_, i) => keys[i] ?? null, (t) => buildFile(t, model), withConstants);
  built.forEach((r, i) => { if (r.kind === 'built' && keys[i]) setOrigins(r.parsed.functions, keys[i]!); });
  const builtByFile = new Map(toBuild.map((f, i) => [f, built[i]!]));
  for (const file of cFiles) {
    const result = builtByFile.get(file);
    if (result?.kind === 'built') parsed.push(result.parsed);
    else if (result?.kind === 'unreadable') unreadable(result.file, result.problem);
    else {
      const stubs = decision?.stubs.get(file);
      if (stubs) parsed.push(opaqueFile(file, stubs));
    }
  }
  const buildLibrary: CfgMaker = (def, text, iteratorLoops, constants) => buildCfg(def, {
    isNoReturn: (n: string) => model.isNoReturn(n), constants, defines: options.defines, iteratorLoops, source: text,
  });
  const library = new HeaderFunctions(included, (name) => model.isPrimitive(name), buildLibrary,
    cache ? libraryCache(cache, optionsKey) : null).collect(parsed, headersOf);
  progress({ phase: 'analyse', done: 0, total: 1 });
  // Every function arrives built (or opaque): the program needs no source texts.
  const program = new Program([...parsed, ...library], model, options.defines, new Map(), asmFunctions, dispatchFacts);
  const arches = [...new Set(cFiles.map(archDirOf).filter((d): d is string => d !== null))].sort();
  const { findings, stats } = analyseProgram(program, {
    rules: options.rules, entryFacts, scannedArches: arches,
    cache: cache ? { results: groupResults(cache), context: optionsKey } : null,
    onProgress: (done, total) => progress({ phase: 'analyse', done, total }),
  });
  progress({ phase: 'analyse', done: 1, total: 1 });
  const builtFns = program.functions.filter((f) => !f.def.opaque);
  const summary: RunSummary = {
    files: cFiles.length,
    filesParsed: parsed.filter((f) => !f.opaqueOnly).length,
    functions: builtFns.length,
    opaqueFunctions: program.functions.length - builtFns.length,
    functionsWithParseErrors: builtFns.filter((f) => f.def.parseErrors)
      .map((f) => ({ file: f.def.file, function: f.def.name, line: f.def.line })),
    unnamedFunctions: parsed.reduce((n, f) => n + f.unnamedFunctions, 0),
    skipped, latin1Files,
    analysis: stats,
  };
  const result = { findings, summary };
  if (cache) {
    if (runKey) storeRun(cache, runKey, included, result);
    cache.save();
  }
  // After caching: the arch's facts are read again on every run.
  qualifyByArch(findings);
  return result;
}

interface CachedRun {
  /** The headers the run read, with their content hashes. */
  headers: [string, string][];
  /** Include candidates that did not exist (one appearing changes what is read). */
  missing: string[];
  result: AnalyzeResult;
}

/** An earlier run's result, if the headers it read are unchanged and no include
 *  it did not find has appeared. */
function cachedRun(cache: Cache, runKey: string): AnalyzeResult | null {
  const hit = cache.get<CachedRun>('run', runKey);
  if (!hit || !hit.headers.every(([header, hash]) => cache.fileHash(header) === hash)) return null;
  return hit.missing.some((m) => existsSync(m)) ? null : hit.result;
}

function storeRun(cache: Cache, runKey: string, included: IncludedHeaders, result: AnalyzeResult): void {
  const headers = included.readHeaders().map((h) => [h, cache.fileHash(h) ?? ''] as [string, string]);
  cache.put('run', runKey, { headers, missing: included.missingPaths(), result } satisfies CachedRun);
}

/** What to parse of a file and what to build: with the pre-filter, the bodies of
 *  definitions not built are blanked (tree-sitter skips them, and still names
 *  every definition, as opaque ones); without a reliable index, any definition of a
 *  wanted name is built. */
function buildTask(file: string, index: NameIndex | undefined, decision: PrefilterDecision | null,
  defines: ReadonlySet<string>): BuildTask {
  const reliable = !!index?.reliable;
  const blank: [number, number][] = decision && reliable
    ? index!.functions.filter((f) => !f.macro && !decision.build.has(f.name)).map((f) => [f.bodyStart + 1, f.end - 1]) : [];
  const build = !decision ? null : reliable ? index!.functions.filter((f) => decision.build.has(f.name)).map((f) => f.name) : [...decision.build];
  const known = index ? index.functions.filter((f) => !f.macro).map((f) => `${f.name}:${f.line}`) : [];
  return { file, build, known, blank, headerConstants: [], defines: [...defines] };
}

/** Definitions made by the build whose cache key is `key`: that key and their
 *  place stand for their content (cheaper than hashing it). */
function setOrigins(defs: FunctionDef[], key: string): void {
  defs.forEach((d, i) => { d.origin = `${key}#${i}`; });
}

/** Root groups analysed by earlier runs (see analyse-program). */
function groupResults(cache: Cache): GroupResults {
  return {
    get: (key) => cache.get<InterpreterResult>('analysis', key),
    put: (key, result) => cache.put('analysis', key, result),
  };
}

/** Header functions built by earlier runs, under the header's content hash. */
function libraryCache(cache: Cache, optionsKey: string): DefinitionCache {
  const key = (header: string, name: string): string | null => {
    const hash = cache.fileHash(header);
    return hash ? sha1('library', optionsKey, header, displayPath(header), hash, name) : null;
  };
  return {
    get: (header, name) => { const k = key(header, name); return k ? cache.get<FunctionDef[]>('library', k) : undefined; },
    put: (header, name, defs) => {
      const k = key(header, name);
      if (!k) return;
      setOrigins(defs, k);
      cache.put('library', k, defs);
    },
  };
}

/** More functions to build than this will not fit: each costs ~120 KB through the
 *  analysis (6.1's default scope: 2,462 built, 390 MB peak), and a whole kernel tree
 *  reaches ~450,000 (bench/RESULTS.md). Better a clear error than running out of memory. */
const MAX_NEEDED = 20_000;

export class ScopeTooLargeError extends Error {
  constructor(readonly needed: number, readonly files: number, limit: number) {
    super(`the scan reaches ${needed.toLocaleString('en-US')} functions to analyse in ${files.toLocaleString('en-US')} files ` +
      `(the callees of the code that enters or leaves an EQS, across the whole scope): more than eqscheck can analyse ` +
      `(limit ${limit.toLocaleString('en-US')}); scan a kernel tree's default scope (arch/*/kvm and virt/kvm) or name directories`);
  }
}

/** A file the pre-filter did not parse: the definitions needed code may call, opaque. */
function opaqueFile(file: string, stubs: IndexedFunction[]): ParsedFile {
  const functions = stubs.map((s) => {
    const def = opaqueDefinition(s.name, file, s.line, s.isStatic);
    return { ...def, cfg: opaqueCfg(def) };
  });
  return {
    path: file, encoding: 'utf-8', functions, constants: new Map(), fileScopeNames: new Set(), macros: [],
    memberAssignments: [], iteratorLoops: new Set(), unnamedFunctions: 0, topLevelErrors: 0, opaqueOnly: true,
  };
}

const EQS_RULES = new Set(['irq-enabled-in-eqs', 'eqs-unbalanced']);

/** An EQS defect in an arch whose Kconfig never turns context tracking on is
 *  latent; an interrupt window in an arch whose entry code handles interrupts in
 *  the EQS (arch_in_rcu_eqs()) is handled. Both stay reported, as notes. */
function qualifyByArch(findings: Finding[]): void {
  for (const f of findings) {
    const arch = archOf(f.file);
    const root = arch ? kernelRootOf(f.file) : null;
    if (!arch || !root || !EQS_RULES.has(f.ruleId)) continue;
    const facts = archFacts(root, arch);
    if (facts.contextTracking === false) {
      f.severity = 'note';
      f.message += ` [latent: arch/${arch} does not select HAVE_CONTEXT_TRACKING_USER, so context tracking never enters this EQS there today]`;
    } else if (facts.inRcuEqsHook && f.ruleId === 'irq-enabled-in-eqs') {
      f.severity = 'note';
      f.message += ` [handled: arch/${arch} defines arch_in_rcu_eqs(), so the entry code makes RCU watch for interrupts taken in this EQS]`;
    }
  }
}
