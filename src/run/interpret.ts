// The program's analysis, one arch at a time. A kernel is built for one arch, so
// the roots of arch/X, and the generic roots analysed in arch X's kernel (once per
// scanned arch, so that their arch hooks are that arch's and a scan of one arch
// with virt/kvm sees what a scan of all arches sees for it), form a group analysed
// by an interpreter of its own: summaries are shared inside a group, never across.
// A group's result then depends only on what its roots can reach (group-key), so
// with a cache a group that an edit cannot reach is not analysed again (an edit in
// arch/arm64 leaves x86 alone).
//
// What a group's paths call inside an EQS window and was not built (the
// pre-filter cannot see windows) is built when reached (Program.build); a cached
// result names those functions, and stands only while they are what they were.
import { findRule } from '../rules/index.js';
import { findingKey, Interpreter, type AnalysisStats, type Finding, type InterpreterResult, type RootTask } from '../analysis/interpreter.js';
import type { FnInfo, Program } from '../analysis/program.js';
import { during } from '../errors.js';
import { archDirOf, archOfImpl } from '../kernel/paths.js';
import type { EntryFact } from '../model/user-model.js';
import type { Rule } from '../rules/types.js';
import { builtOnDemandKey, groupKey } from './group-key.js';
import { TIMINGS, timingLine } from './timings.js';

/** A group's result, with what it depends on beyond its key (builtOnDemandKey). */
export interface StoredResult {
  result: InterpreterResult;
  builtOnDemandKey: string;
}

/** Where results of earlier runs are kept, under a group's key. */
export interface GroupResults {
  get(key: string): StoredResult | undefined;
  put(key: string, result: StoredResult): void;
}

export interface ProgramAnalysis {
  findings: Finding[];
  stats: AnalysisStats;
}

export interface AnalyseProgramOptions {
  rules: readonly Rule[];
  entryFacts: ReadonlyMap<string, EntryFact>;
  /** The arch directories of the scan (archDirOf of its files); by default those
   *  of the program's functions. */
  scannedArches?: readonly string[];
  /** Earlier results (of this run's earlier rounds, and of earlier runs), and
   *  `context`: what besides the program they depend on (rules, model, options). */
  cache?: { results: GroupResults; context: string } | null;
  /** Called as arches are done (for a progress display). */
  onProgress?: (arches: number, total: number) => void;
}

export function analyseProgram(program: Program, options: AnalyseProgramOptions): ProgramAnalysis {
  const { rules, entryFacts } = options;
  const idOf = stableIds(program);
  const arches = options.scannedArches ? [...options.scannedArches] :
    [...new Set(program.functions.map((f) => archDirOf(f.def.file)).filter((d): d is string => d !== null))].sort();
  const implsOf = (fn: FnInfo): (string | null)[] => {
    const own = archDirOf(fn.def.file);
    return own !== null || arches.length === 0 ? [own] : arches;
  };
  // Only a function that may enter or leave an EQS (or that assembly enters in one)
  // can start a path on which a rule fires: the others are analysed only through
  // their callers.
  // So can noinstr code of the scanned files, for a rule that checks it wherever it runs.
  const checksNoinstr = options.rules.some((r) => r.checksNoinstrCode);
  const mayReport = (fn: FnInfo): boolean => program.touchesEqs(fn) || entryFacts.has(fn.def.name) ||
    (checksNoinstr && !fn.def.library && !fn.def.opaque && program.instrumentation.inNoinstrSection(fn.link));

  const groups = new Map<string | null, RootTask[]>();
  for (const fn of program.functions) {
    if (!program.isRoot(fn) || !mayReport(fn)) continue;
    for (const impl of implsOf(fn)) {
      const tasks = groups.get(impl) ?? [];
      tasks.push({ fn, impl });
      groups.set(impl, tasks);
    }
  }
  const keyOf = (kind: string, tasks: RootTask[], impl: string | null): string | null => options.cache
    ? groupKey(program, tasks, impl === null ? null : archOfImpl(impl), `${kind}\u0001${arches.join()}\u0001${options.cache.context}`, entryFacts, idOf)
    : null;
  // An earlier result stands if the functions its analysis built on demand are
  // still what they were (built again here, as its analysis would).
  const stillValid = (earlier: StoredResult, impl: string | null): boolean => {
    const fns: FnInfo[] = [];
    for (const id of earlier.result.builtOnDemand) {
      const fn = program.byId(id);
      if (!fn || !program.build(fn)) return false;
      fns.push(fn);
    }
    return builtOnDemandKey(program, fns, impl === null ? null : archOfImpl(impl), entryFacts, idOf) === earlier.builtOnDemandKey;
  };
  const run = (key: string | null, impl: string | null, analyse: (interpreter: Interpreter) => void): InterpreterResult => {
    const earlier = key ? options.cache!.results.get(key) : undefined;
    if (earlier && stillValid(earlier, impl)) return earlier.result;
    const interpreter = new Interpreter(program, rules, entryFacts, idOf);
    analyse(interpreter);
    const result = interpreter.result();
    if (key) {
      const late = result.builtOnDemand.map((id) => program.byId(id)!);
      options.cache!.results.put(key, { result, builtOnDemandKey: builtOnDemandKey(program, late, impl === null ? null : archOfImpl(impl), entryFacts, idOf) });
    }
    return result;
  };

  const results: InterpreterResult[] = [];
  const impls = [...groups.keys()].sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
  // Every key before any analysis: what one group builds on demand must not change another's key.
  const keys = impls.map((impl) => keyOf('group', groups.get(impl)!, impl));
  impls.forEach((impl, i) => {
    options.onProgress?.(results.length, impls.length);
    const tasks = groups.get(impl)!;
    results.push(run(keys[i]!, impl, (interpreter) => { for (const t of tasks) timed(t, () => during(analysing(t.fn), () => interpreter.analyseRoot(t))); }));
  });
  options.onProgress?.(results.length, impls.length);
  // Functions reached by no root (only called from within a cycle): roots too, in
  // one more group, each unless an earlier one of them reached it.
  const analysed = new Set(results.flatMap((r) => r.analysed));
  const rest = program.functions.filter((fn) => !analysed.has(idOf(fn)) && program.mayStartAnalysis(fn) && mayReport(fn));
  if (rest.length) {
    const tasks = rest.flatMap((fn) => implsOf(fn).map((impl) => ({ fn, impl })));
    results.push(run(keyOf('unreached', tasks, null), null, (interpreter) => {
      for (const fn of rest) if (!interpreter.hasAnalysed(fn)) for (const impl of implsOf(fn)) during(analysing(fn), () => interpreter.analyseRoot({ fn, impl }));
    }));
  }
  return merge(program, results, idOf);
}

/** Roots whose analysis takes longer than this are named (EQSCHECK_TIMINGS). */
const SLOW_ROOT_MS = 1000;

function timed(task: RootTask, analyse: () => void): void {
  if (!TIMINGS) return analyse();
  const start = performance.now();
  analyse();
  const ms = performance.now() - start;
  if (ms > SLOW_ROOT_MS) timingLine(`root ${task.fn.id} (${task.impl ?? 'generic'}) ${ms.toFixed(0)} ms`);
}

/** What an internal error names: the root being analysed. */
function analysing(fn: FnInfo): string {
  return `analysing ${fn.def.name}() of ${fn.def.file}`;
}

/** Findings in a stable order, each reported once (the first group's), with the
 *  precision note of a function that lost precision in any group. */
function merge(program: Program, results: InterpreterResult[], idOf: (fn: FnInfo) => string): ProgramAnalysis {
  const precisionLost = new Set(results.flatMap((r) => r.precisionLost));
  const byKey = new Map<string, Finding>();
  for (const r of results) {
    for (const { finding, fn } of r.findings) {
      const key = findingKey(finding);
      if (byKey.has(key)) continue;
      byKey.set(key, finding);
      if (precisionLost.has(fn)) finding.notes.push(`precision was lost to a join of states in ${finding.function}(); other paths may hide further findings`);
    }
  }
  const names = new Map(program.functions.map((f) => [idOf(f), `${f.def.file}:${f.def.name}`]));
  return {
    findings: withoutYielded([...byKey.values()]).sort(compareFindings),
    stats: {
      functionsAnalysed: new Set(results.flatMap((r) => r.analysed)).size,
      summaries: results.reduce((n, r) => n + r.summaries, 0),
      precisionLost: [...precisionLost].map((id) => names.get(id)!).sort(),
      overBudget: namesOf(results.flatMap((r) => r.overBudget), names),
      callsTooDeep: namesOf(results.flatMap((r) => r.callsTooDeep), names),
      unknownCallees: new Set(results.flatMap((r) => r.unknownCallees)).size,
      indirectCalls: new Set(results.flatMap((r) => r.indirectCalls)).size,
    },
  };
}

/** A rule's finding whose innermost step is where a rule it yields to found a
 *  defect too (the same call, met once inside a window and once outside) is that
 *  defect: only the other is kept. */
function withoutYielded(findings: Finding[]): Finding[] {
  const innermost = (f: Finding): string => {
    const last = f.trace[f.trace.length - 1];
    return last ? `${last.file}:${last.line}:${last.column}` : `${f.file}:${f.line}:${f.column}`;
  };
  const found = new Set(findings.map((f) => `${f.ruleId}|${innermost(f)}`));
  return findings.filter((f) => !(findRule(f.ruleId)?.yieldsTo ?? []).some((id) => found.has(`${id}|${innermost(f)}`)));
}

function namesOf(ids: readonly string[], names: ReadonlyMap<string, string>): string[] {
  return [...new Set(ids)].map((id) => names.get(id) ?? id).sort();
}

/** Each function's id (file, line, name), made unique by a suffix for the rare
 *  definitions that share one (configuration variants on one line). */
function stableIds(program: Program): (fn: FnInfo) => string {
  const ids = new Map<FnInfo, string>();
  const seen = new Map<string, number>();
  for (const fn of program.functions) {
    const n = seen.get(fn.id) ?? 0;
    seen.set(fn.id, n + 1);
    ids.set(fn, n ? `${fn.id}#${n}` : fn.id);
  }
  // Functions known by name only are made on demand: their own id.
  return (fn) => ids.get(fn) ?? fn.id;
}

function compareFindings(a: Finding, b: Finding): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
}

