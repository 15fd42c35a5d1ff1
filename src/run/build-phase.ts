// The build phase: parse what the selection planned and build its CFGs, file by
// file (in worker threads on large scans, from the cache when it has them), each
// definition once in a run; on demand while interpreting, a file at a time (buildNow).
import type { BuiltFunction } from '../analysis/program.js';
import { sha1, type Cache } from '../cache/cache.js';
import { linkedDef } from '../kernel/linkage.js';
import type { FunctionDef } from '../parser/parse.js';
import type { IncludedHeaders } from '../scan/included-headers.js';
import { nameHash } from '../scan/name-hash.js';
import type { IndexedFunction, NameIndex } from '../scan/name-index.js';
import { buildFile, buildFileInPieces, type BuildResult, type BuildTask, type FileWork, type WantedDefinition } from './file-tasks.js';
import type { IndexDef, IndexTable } from './index-table.js';
import type { TaskRunner } from './task-runner.js';
import { pushTo } from '../util/multimap.js';

/** One file parsed on demand, for the definitions it was `wanted` for. */
interface DemandParse {
  result: BuildResult;
  key: string | null;
  reported: boolean;
  wanted: ReadonlySet<IndexDef>;
}

export interface BuildContext {
  runner: TaskRunner;
  cache: Cache | null;
  /** What besides a file and its headers a build depends on (rules, model, options). */
  optionsKey: string;
  work: FileWork;
  table: IndexTable;
  included: IncludedHeaders;
  /** The headers a scanned C file includes. */
  headersOf(file: string): readonly string[];
  /** Headers outside the scan: their definitions are library code (analysed through callers only). */
  libraryFiles: ReadonlySet<string>;
  unreadable(file: string, problem: string): void;
}

export class Builder {
  private readonly built = new Map<IndexDef, FunctionDef[]>();
  /** Definitions the index did not see, found by parsing a file whole. */
  private readonly extra = new Map<string, BuiltFunction>();
  private readonly parsedFiles = new Set<string>();
  private readonly parsedWhole = new Set<NameIndex>();
  /** Files parsed on demand while interpreting, once each (buildNow). */
  private readonly onDemand = new Map<string, DemandParse>();
  unnamedFunctions = 0;

  constructor(private readonly context: BuildContext) {}

  get count(): number {
    return this.built.size + this.extra.size;
  }

  /** Builds the planned definitions not built yet.
   *  @param whole files to parse whole, building every definition there (select's wholeFiles) */
  async build(plan: ReadonlySet<IndexDef>, whole: ReadonlySet<NameIndex>): Promise<void> {
    const { runner, table } = this.context;
    const byFile = new Map<NameIndex, IndexDef[]>();
    for (const file of whole) if (!this.parsedWhole.has(file)) byFile.set(file, []);
    for (const d of plan) {
      if (this.built.has(d)) continue;
      this.built.set(d, []);
      pushTo(byFile, d.index, d);
    }
    const tasks: BuildTask[] = [];
    for (const [index, wanted] of [...byFile].sort(([a], [b]) => (a.path < b.path ? -1 : 1))) {
      const parseWhole = whole.has(index);
      if (parseWhole) this.parsedWhole.add(index);
      tasks.push(this.taskFor(index, parseWhole ? null : wanted));
    }
    const keys = tasks.map((t) => this.keyOf(t));
    const withConstants = (t: BuildTask): BuildTask => this.withConstants(t);
    const results = await runner.run('build', tasks, (_, i) => keys[i] ?? null, (t) => buildFileInPieces(t, this.context.work), withConstants);
    results.forEach((r, i) => {
      const task = tasks[i]!;
      if (r.kind === 'unreadable') { this.context.unreadable(r.file, r.problem); return; }
      this.parsedFiles.add(task.file);
      this.unnamedFunctions += r.parsed.unnamedFunctions;
      const index = table.indexOf(task.file)!;
      r.parsed.functions.forEach((def, k) => {
        if (keys[i]) def.origin = `${keys[i]}#${k}`;
        if (this.context.libraryFiles.has(task.file)) def.library = true;
        this.place(def, index);
      });
    });
  }

  /** A built definition, with the linkage's record of it. */
  private place(def: FunctionDef, index: NameIndex): void {
    const { table } = this.context;
    const d = this.indexDefOf(def, index.path);
    if (d) {
      // Wanted in this task, or met by a whole parse for the first time.
      const defs = this.built.get(d);
      if (!defs) this.built.set(d, [def]);
      else if (!defs.some((x) => x.line === def.line && x.name === def.name)) defs.push(def);
      return;
    }
    const key = `${def.file}:${def.line}:${def.name}`;
    if (this.extra.has(key)) return;
    const link = lateDefinition(def, index);
    if (!link) return;
    table.linkage.add(link);
    this.extra.set(key, { def, link });
  }

  /** The index's record of a parsed definition: the one at its line, or for a
   *  macro the file's first of that name (the two readers may place a macro
   *  differently). */
  private indexDefOf(def: FunctionDef, file: string): IndexDef | undefined {
    const { table } = this.context;
    return table.definitionAt(file, def.name, def.line) ??
      (def.macro ? table.definitionsIn(file).find((x) => x.macro && x.name === def.name) : undefined);
  }

  /** A definition built now in this thread (from the cache when it has it):
   *  what a path calls inside a window, found only while interpreting. Its file
   *  is parsed once for every definition there that may matter (`mayMatter`, a
   *  set fixed for the run: the same parse whatever is asked for first), and again,
   *  for all of those and it, when a definition outside that set is asked for. */
  buildNow(d: IndexDef, mayMatter: (file: string) => readonly IndexDef[]): FunctionDef | null {
    let r = this.onDemand.get(d.file);
    if (!r) {
      r = this.parseForDemand(d, mayMatter(d.file));
      this.onDemand.set(d.file, r);
    }
    if (r.result.kind === 'built' && !r.wanted.has(d)) {
      // Not among what the file was parsed for (a header's function looked into for
      // its calls, which its includer's object decides): the file again, for both.
      r = this.parseForDemand(d, [...r.wanted]);
      this.onDemand.set(d.file, r);
    }
    if (r.result.kind !== 'built') {
      if (!r.reported) { r.reported = true; this.context.unreadable(r.result.file, r.result.problem); }
      return null;
    }
    this.parsedFiles.add(d.file);
    // The same definition a whole parse would have placed here (see place()).
    const functions = r.result.parsed.functions;
    const def = functions.find((f) => f.name === d.name && this.indexDefOf(f, d.file) === d);
    if (!def) return null;
    if (r.key) def.origin = `${r.key}#${functions.indexOf(def)}`;
    if (this.context.libraryFiles.has(d.file)) def.library = true;
    this.built.set(d, [def]);
    return def;
  }

  private parseForDemand(d: IndexDef, mayMatter: readonly IndexDef[]): DemandParse {
    const { cache, work } = this.context;
    const wanted = new Set([d, ...mayMatter]);
    const task = this.taskFor(d.index, [...wanted]);
    const key = this.keyOf(task);
    let result = key ? cache!.get<BuildResult>('build', key) : undefined;
    if (!result) {
      // Synchronous, inside the interpreter: a large file's pieces are parsed one
      // after the other, but their trees are freed only when the event loop turns
      // (parser/pieces), so an on-demand parse does not get the build phase's saving.
      result = buildFile(this.withConstants(task), work);
      if (key) cache!.put('build', key, result);
    }
    return { result, key, reported: false, wanted };
  }

  /** The task that parses `wanted` of a file (null: the whole file). */
  private taskFor(index: NameIndex, wanted: readonly IndexDef[] | null): BuildTask {
    return {
      file: index.path, unreliable: !index.reliable,
      wanted: wanted && [...wanted].sort((a, b) => a.fn.declStart - b.fn.declStart || a.line - b.line).map((d): WantedDefinition => ({
        name: d.name, line: d.line, declStart: d.fn.declStart, end: d.fn.end,
      })),
      known: index.reliable ? [] : index.functions.filter((f) => !f.macro).map((f) => `${f.name}:${f.line}`),
      headerConstants: [], headerPredicates: [],
    };
  }

  /** A task's cache key: it names the file's headers and their content hashes;
   *  their constants and predicates (thousands per file) go only into tasks the cache does not have. */
  private keyOf(task: BuildTask): string | null {
    const { cache, optionsKey } = this.context;
    const hash = cache?.fileHash(task.file);
    if (!cache || !hash) return null;
    const headers = this.context.headersOf(task.file).flatMap((h) => [h, cache.fileHash(h) ?? '']);
    return sha1('build', optionsKey, task.file, hash, JSON.stringify([task.wanted, task.unreliable, headers]));
  }

  private withConstants(task: BuildTask): BuildTask {
    const { constants, predicates } = this.context.included.definitionsOf(this.context.headersOf(task.file));
    return { ...task, headerConstants: [...constants], headerPredicates: [...predicates] };
  }

  /** The built definitions, in a stable order (by file and position). */
  functions(): BuiltFunction[] {
    const out: BuiltFunction[] = [];
    for (const [link, defs] of this.built) for (const def of defs) out.push({ def, link });
    for (const extra of this.extra.values()) out.push(extra);
    return out.sort((a, b) => (a.def.file < b.def.file ? -1 : a.def.file > b.def.file ? 1 : a.def.line - b.def.line));
  }

  /** How many of these files had something built. */
  parsedAmong(files: ReadonlySet<string>): number {
    let n = 0;
    for (const f of this.parsedFiles) if (files.has(f)) n++;
    return n;
  }
}

/** A definition the name index did not see (found by parsing its file whole),
 *  as the index would have read it: what its CFG calls. */
function lateDefinition(def: FunctionDef, index: NameIndex): IndexDef | null {
  if (!def.cfg) return null;
  const calls = new Set<number>();
  const values = new Set<number>();
  const memberCalls: number[] = [];
  const keys: [string, string][] = [];
  for (const b of def.cfg.blocks) for (const e of b.events) {
    if (e.kind !== 'call') continue;
    if (e.callee) calls.add(nameHash(e.callee));
    for (const a of e.args) if (a.ident) values.add(nameHash(a.ident));
    if (e.dispatch?.kind === 'member') memberCalls.push(nameHash(e.dispatch.member), e.dispatch.container ? nameHash(e.dispatch.container) : 0);
    if (e.dispatch?.kind === 'key') keys.push([e.dispatch.macro, e.dispatch.key]);
  }
  for (const v of def.cfg.valueNames) values.add(nameHash(v));
  const fn: IndexedFunction = {
    name: def.name, line: def.line, declStart: 0, start: 0, bodyStart: 0, end: 0, isStatic: def.isStatic, macro: !!def.macro,
    flags: 0, calls: Uint32Array.from(calls), values: Uint32Array.from(values), integerValues: new Uint32Array(0), memberCalls: Uint32Array.from(memberCalls), keys,
  };
  return { ...linkedDef(def.name, def.file, def.line, def.isStatic, !!def.macro, 0), fn, index };
}
