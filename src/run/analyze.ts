// One analysis run, in named phases:
//   index     every file's names, read from its bytes (run/index-phase);
//   link      the headers they include, and the linkage over all of it (run/link-phase);
//   select    what the analysis will look into (the pre-filter, run/select);
//   build     parse that and build its CFGs (run/build-phase);
//   interpret the program, one arch at a time (run/interpret), building on
//             demand what paths call inside EQS windows that may matter there;
//   qualify   latent and handled notes from the arches' own facts (run/qualify).
// A run over the same files, headers and options is not redone (run/run-cache).
import os from 'node:os';
import { Program } from '../analysis/program.js';
import { sha1, type Cache } from '../cache/cache.js';
import { declaredNoinstr, declaredUninstrumented } from '../kernel/instrumentability.js';
import { archDirOf, archOf, linkDomainOf } from '../kernel/paths.js';
import { notBuiltBy } from '../kernel/built-sources.js';
import { NO_CONFIGURATION } from '../kernel/configuration.js';
import { BUILTIN_MODEL } from '../model/primitives.js';
import type { EntryFact } from '../model/user-model.js';
import { NESTING_CUT_TEXT } from '../cfg/build.js';
import { tooLargeText } from '../parser/parse.js';
import { InputError } from '../parser/source.js';
import { builtinEntryFacts, checkEntryFacts, type CheckedFacts } from '../scan/entry-facts.js';
import type { NameIndex } from '../scan/name-index.js';
import { Builder } from './build-phase.js';
import { makeFileWork, type ModelConfig, type WorkerSetup } from './file-tasks.js';
import type { IndexDef } from './index-table.js';
import { indexPhase, type IndexedFiles } from './index-phase.js';
import { analyseProgram, type GroupResults, type ProgramAnalysis, type StoredResult } from './interpret.js';
import { linkPhase, type Linked } from './link-phase.js';
import { qualifyByArch } from './qualify.js';
import { cachedRun, storeRun } from './run-cache.js';
import { calleesOf, primitiveHashes, select, wholeFiles, type PrimitiveHashes } from './select.js';
import { TaskRunner } from './task-runner.js';
import { TIMINGS, timingLine } from './timings.js';
import type { AnalyzeOptions, AnalyzeResult, SkippedFile } from './types.js';
import { WorkerPool } from './worker-pool.js';

export type { AnalyzeOptions, AnalyzeResult, Progress, RunSummary, SkippedFile } from './types.js';

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

/** More functions to build than this will not fit in memory: better a clear
 *  error. (A whole kernel tree builds a few thousand; see bench/RESULTS.md.) */
const MAX_BUILT = 100_000;

export async function analyzeFiles(files: string[], options: AnalyzeOptions): Promise<AnalyzeResult> {
  const models = options.models ?? [];
  // The option as the model reads it (only false turns the table off): a run key must not tell "unset" from "on".
  const modelConfig: ModelConfig = { generations: [...BUILTIN_MODEL, ...models.map((m) => m.generation)], builtinWrappers: options.builtinWrappers !== false };
  const setup: WorkerSetup = { model: modelConfig, configuration: options.configuration ?? NO_CONFIGURATION };
  const pool = WorkerPool.start(workerCount(options.jobs, files.length), setup);
  try {
    const result = await runPhases(files, options, setup, new TaskRunner(pool, options.cache ?? null, options.onProgress ?? (() => {})));
    // Collection is redone every run: what it skipped is not part of a cached result.
    if (options.skipped?.length) result.summary.skipped = [...options.skipped, ...result.summary.skipped];
    return result;
  } finally {
    await pool?.close();
  }
}

/** Each phase's wall time and the heap after it (EQSCHECK_TIMINGS). */
const timings = { at: 0 };
function phaseDone(name: string): void {
  if (!TIMINGS) return;
  const now = performance.now();
  timingLine(`phase ${name} ${(now - timings.at).toFixed(0)} ms, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
  timings.at = now;
}

async function runPhases(given: string[], options: AnalyzeOptions, setup: WorkerSetup, runner: TaskRunner): Promise<AnalyzeResult> {
  timings.at = performance.now();
  const cache = options.cache ?? null;
  const progress = options.onProgress ?? (() => {});
  const work = makeFileWork(setup);
  const { model, configuration } = work;
  // Read from the kbuild files on every run, before the run's key: what is not built is not among its inputs.
  const notBuilt = notBuiltBy(given, configuration);
  const unbuilt = new Set(notBuilt.map((n) => n.file));
  const files = unbuilt.size ? given.filter((f) => !unbuilt.has(f)) : given;
  const { facts: entryFacts, notApplied } = entryFactsFor(files, options);
  const usePrefilter = options.prefilter !== false;
  const optionsKey = sha1(JSON.stringify({
    rules: options.rules.map((r) => r.id), configuration: configuration.hash, model: setup.model,
    entries: [...entryFacts], prefilter: usePrefilter,
  }));
  const hashes = cache ? files.map((f) => cache.fileHash(f)) : [];
  const runKey = cache && hashes.every((h) => h !== null) ? sha1('run', optionsKey, ...files.flatMap((f, i) => [f, hashes[i]!])) : null;
  const earlier = cache && runKey ? cachedRun(cache, runKey) : null;
  if (earlier) {
    earlier.summary.entryFactsNotApplied = notApplied;
    earlier.summary.notBuilt = notBuilt;
    progress({ phase: 'analyse', done: 1, total: 1 });
    qualifyByArch(earlier.findings, configuration);
    return earlier;
  }
  const skipped: SkippedFile[] = [];
  const unreadable = (file: string, problem: string): void => {
    if (options.explicit?.has(file)) throw new InputError(file, problem);
    skipped.push({ file, reason: problem });
  };

  phaseDone('start');
  const indexed = await indexPhase(files, hashes, runner, work, options.maxFileSize);
  for (const u of indexed.unreadable) unreadable(u.file, u.problem);
  const userSpace = setAsideUserSpace(indexed);
  phaseDone('index');
  progress({ phase: 'select', done: 0, total: 1 });
  const linked = linkPhase(indexed, cache, (name) => model.isPrimitive(name), { maxBytes: options.maxFileSize, roots: options.roots, linkedTrees: options.linkedTrees, configuration });
  const primitives = primitiveHashes(model.names(), (n) => model.touchesState(n) || model.isNoReturn(n),
    (n) => model.entersOrLeaves(n), (n) => model.forwardArg(n) !== undefined);
  const { table } = linked;
  phaseDone('link');
  const selection = select({ files: linked.indexes, defs: table.defs, linkage: table.linkage, primitives, entryNames: new Set(entryFacts.keys()) });
  const plan = usePrefilter ? new Set(selection.build) : everything(indexed.scanned, linked, primitives);
  // noinstr code is checked wherever it runs: every noinstr definition of the scanned files.
  if (usePrefilter && options.rules.some((r) => r.checksNoinstrCode)) {
    for (const ix of indexed.scanned) for (const d of table.definitionsIn(ix.path)) if (declaredNoinstr(d)) plan.add(d);
  }
  phaseDone('select');

  const limit = options.maxBuilt ?? MAX_BUILT;
  // Refused before building, when the plan alone is too large (it took 200 s
  // and 5 GB to find out after building a 50 MB file of 600,000 functions).
  if (plan.size > limit) throw new ScopeTooLargeError(plan.size, limit);
  const builder = new Builder({
    runner, cache, optionsKey, work, table, included: linked.included,
    headersOf: linked.headersOf, libraryFiles: linked.libraryFiles, unreadable,
  });
  await builder.build(plan, usePrefilter ? wholeFiles(linked.indexes, plan, primitives) : new Set(indexed.scanned));
  phaseDone(`build (${builder.count} functions)`);
  if (builder.count > limit) throw new ScopeTooLargeError(builder.count, limit);
  progress({ phase: 'analyse', done: 0, total: 1 });
  // What a path calls inside a window, and that may change the state there, is
  // built when the interpreter reaches it (the pre-filter cannot see windows).
  const mayMatter = usePrefilter ? selection.relevant : () => new Set<IndexDef>();
  const looksIntoCalls = options.rules.some((r) => r.onCall);
  const program: Program = new Program({
    built: builder.functions(), linkage: table.linkage, model, configuration, addressTaken: selection.addressTaken, handedToCode: selection.handedToCode, asmFunctions: indexed.asmFunctions,
    mayMatter: (link) => mayMatter().has(link as IndexDef),
    // A file parsed on demand builds what may matter there, and (where a rule looks
    // into calls) what may be looked into: one parse of the file, not one per callee.
    build: (link) => builder.buildNow(link as IndexDef, (file) => {
      const whole = looksIntoCalls && program.instrumentation.objectUninstrumented(file, archOf(file));
      return table.definitionsIn(file).filter((x) => mayMatter().has(x) || whole || (looksIntoCalls && declaredUninstrumented(x)));
    }),
  });
  const analysis = interpret(program, options, entryFacts, optionsKey, cache, indexed.scanned);
  phaseDone(`interpret (${program.builtLate.length} functions built on demand)`);
  progress({ phase: 'analyse', done: 1, total: 1 });

  const builtFns = program.functions.filter((f) => !f.def.opaque);
  const result: AnalyzeResult = {
    findings: analysis.findings,
    summary: {
      files: indexed.scanned.length,
      filesParsed: builder.parsedAmong(new Set(indexed.scanned.map((ix) => ix.path))),
      functions: builtFns.length,
      opaqueFunctions: table.defs.length - builtFns.length,
      functionsWithParseErrors: builtFns.filter((f) => f.def.parseErrors)
        .map((f) => ({ file: f.def.file, function: f.def.name, line: f.def.line })),
      functionsCut: builtFns.flatMap((f) => {
        const reason = f.def.tooLarge !== undefined ? tooLargeText(f.def.tooLarge) : f.cfg.nestingCut !== undefined ? NESTING_CUT_TEXT : null;
        return reason ? [{ file: f.def.file, function: f.def.name, line: f.def.line, reason }] : [];
      }),
      unnamedFunctions: builder.unnamedFunctions,
      skipped: [...skipped, ...linked.included.skipped()], latin1Files: indexed.latin1Files, userSpace, entryFactsNotApplied: notApplied, notBuilt,
      analysis: analysis.stats,
    },
  };
  if (cache) {
    if (runKey) storeRun(cache, runKey, linked.included, program.instrumentation.kbuildFilesRead(), result);
    cache.save();
    phaseDone('cache');
  }
  // After caching: the arch's facts are read again on every run.
  qualifyByArch(result.findings, configuration);
  return result;
}

/** The interpret phase: one arch at a time, each group's result kept with a cache. */
function interpret(program: Program, options: AnalyzeOptions, entryFacts: ReadonlyMap<string, EntryFact>, optionsKey: string,
  cache: Cache | null, scanned: readonly NameIndex[]): ProgramAnalysis {
  const results: GroupResults = {
    get: (key) => cache?.get<StoredResult>('analysis', key),
    put: (key, result) => cache?.put('analysis', key, result),
  };
  const arches = [...new Set(scanned.map((ix) => archDirOf(ix.path)).filter((d): d is string => d !== null))].sort();
  return analyseProgram(program, {
    rules: options.rules, entryFacts, scannedArches: arches, cache: cache ? { results, context: optionsKey } : null,
    onProgress: (done, total) => options.onProgress?.({ phase: 'analyse', done, total }),
  });
}

/** Programs of a kernel tree linked apart from the kernel (user space: tools/perf,
 *  scripts/kconfig …; boot code: arch/x86/boot) are not kernel code: their files
 *  leave the scan, counted by program. */
function setAsideUserSpace(indexed: IndexedFiles): { program: string; files: number }[] {
  const counts = new Map<string, number>();
  indexed.scanned = indexed.scanned.filter((ix) => {
    const domain = linkDomainOf(ix.path);
    if (domain === 'kernel') return true;
    counts.set(domain, (counts.get(domain) ?? 0) + 1);
    return false;
  });
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([program, files]) => ({ program, files }));
}

/** The shipped entry facts (unless turned off), then the model files' (a later
 *  fact of a name wins), each checked against the scanned tree. */
function entryFactsFor(files: readonly string[], options: AnalyzeOptions): CheckedFacts {
  const checked = [...(options.builtinFacts === false ? [] : [builtinEntryFacts(files)]),
    ...(options.models ?? []).map((m) => checkEntryFacts(m, files, { builtin: false }))];
  return { facts: new Map(checked.flatMap((c) => [...c.facts])), notApplied: checked.flatMap((c) => c.notApplied) };
}

/** Without the pre-filter: every definition of the scanned files (which are also
 *  parsed whole, for what the index could not see), and what they can reach of
 *  the headers they include (the reference the pre-filter is checked against:
 *  `--no-prefilter` gives the same findings). */
function everything(scanned: readonly NameIndex[], linked: Linked, primitives: PrimitiveHashes): Set<IndexDef> {
  const own = scanned.flatMap((ix) => linked.table.definitionsIn(ix.path));
  const out = new Set(own);
  const stack = [...own];
  while (stack.length) {
    for (const c of calleesOf(stack.pop()!, linked.table.linkage, primitives)) if (!out.has(c)) { out.add(c); stack.push(c); }
  }
  return out;
}

export class ScopeTooLargeError extends Error {
  constructor(readonly built: number, limit: number) {
    super(`the scan needs ${built.toLocaleString('en-US')} functions built to analyse, more than eqscheck can hold ` +
      `(limit ${limit.toLocaleString('en-US')}); name fewer directories`);
  }
}
