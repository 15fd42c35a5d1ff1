// One analysis run: read and parse the files, build the program, interpret it.
import { Model } from '../model/model.js';
import { BUILTIN_MODEL } from '../model/primitives.js';
import type { UserModel } from '../model/user-model.js';
import { buildCfg, opaqueCfg, type CfgOptions } from '../cfg/build.js';
import { parseMacro, parseSource, type FunctionDef, type ParsedFile } from '../parser/parse.js';
import { RELEASED_BODY } from '../parser/syntax.js';
import { InputError, readSource, type SourceText } from '../parser/source.js';
import type { Rule } from '../rules/types.js';
import { readAsm, type AsmFile } from '../scan/asm-symbols.js';
import { emptyDispatchFacts, readDispatchFacts } from '../scan/dispatch-facts.js';
import { IncludedHeaders, kernelRootOf } from '../scan/included-headers.js';
import { HeaderFunctions, type CfgMaker } from '../scan/header-functions.js';
import { archFacts } from '../scan/arch-facts.js';
import { indexNames, type IndexedFunction, type NameIndex } from '../scan/name-index.js';
import { prefilter } from '../scan/prefilter.js';
import { blankRanges } from '../parser/blank.js';
import { displayPath } from '../scan/collect.js';
import { archOf, opResource, Program } from './program.js';
import { archDirOf, Interpreter, type AnalysisStats, type Finding } from './interpreter.js';
import path from 'node:path';

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

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function analyzeFiles(files: string[], options: AnalyzeOptions): Promise<AnalyzeResult> {
  const parsed: ParsedFile[] = [];
  const sources = new Map<string, string>();
  const skipped: SkippedFile[] = [];
  const latin1Files: string[] = [];
  const models = options.models ?? [];
  const model = new Model([...BUILTIN_MODEL, ...models.map((m) => m.generation)], { builtinWrappers: options.builtinWrappers });
  const entryFacts = new Map(models.flatMap((m) => [...m.entries]));
  const dispatchFacts = emptyDispatchFacts();
  const included = new IncludedHeaders((text, header) => readDispatchFacts(text, archOf(header), dispatchFacts));
  const headersOf = new Map<string, string[]>();
  const asmFunctions = new Map<string, AsmFile>();
  const read = (file: string): SourceText | null => {
    try {
      return readSource(file);
    } catch (err) {
      if (!(err instanceof InputError) || options.explicit?.has(file)) throw err;
      skipped.push({ file, reason: err.problem });
      return null;
    }
  };

  // Phase 1: every file's names (and the facts read from raw text), then the
  // pre-filter's decision of what to parse and build.
  const cFiles: string[] = [];
  const indexes = new Map<string, NameIndex>();
  const headerIndexes = new Map<string, NameIndex>();
  const headerIndex = (h: string): NameIndex => {
    let index = headerIndexes.get(h);
    if (!index) { index = indexNames(displayPath(h), included.text(h)); headerIndexes.set(h, index); }
    return index;
  };
  const scannedPaths = new Set(files.map((f) => path.resolve(f)));
  for (const file of files) {
    const source = read(file);
    if (!source) continue;
    if (file.endsWith('.S')) {
      const { functions, asm } = readAsm(file, source.text);
      for (const name of functions) if (!asmFunctions.has(name)) asmFunctions.set(name, asm);
      continue;
    }
    cFiles.push(file);
    if (source.encoding === 'latin1') latin1Files.push(file);
    readDispatchFacts(source.text, archOf(file), dispatchFacts);
    const { headers } = included.forFile(file, source.text);
    headersOf.set(file, headers);
    if (options.prefilter === false) continue;
    indexes.set(file, indexNames(file, source.text));
    for (const h of headers) if (!scannedPaths.has(h)) headerIndex(h);
  }
  const decision = options.prefilter === false ? null : prefilter({
    files: [...indexes.values()], headers: [...headerIndexes.values()], entryNames: new Set(entryFacts.keys()),
    isRelevantPrimitive: (name) => model.ops(name)?.some((o) => !NEUTRAL_OPS.has(o.op)) ?? false,
    isEqsPrimitive: (name) => model.ops(name)?.some((o) => opResource(o) !== null) ?? false,
  });

  // Phase 2: parse what can matter, build the CFGs of what is needed, and let
  // the syntax trees go: a large scan keeps only CFGs.
  for (const file of cFiles) {
    if (decision && !decision.parse.has(file)) {
      const stubs = decision.stubs.get(file);
      if (stubs) parsed.push(opaqueFile(file, stubs));
      continue;
    }
    const source = read(file);
    if (!source) continue;
    const index = indexes.get(file);
    let result: ParsedFile;
    if (decision && index) {
      // The bodies of functions not built are blanked: tree-sitter skips them.
      const build = (name: string): boolean => decision.build.has(name);
      const skippedBodies = index.reliable ? index.functions.filter((f) => !f.macro && !build(f.name))
        .map((f) => [f.bodyStart + 1, f.end - 1] as const) : [];
      result = parseSource({ ...source, text: blankRanges(source.text, skippedBodies) }, { build });
    } else {
      result = parseSource(source);
    }
    // A file's own #defines win over those of the headers it includes.
    const { constants } = included.forFile(file, source.text);
    for (const [k, v] of constants) if (!result.constants.has(k)) result.constants.set(k, v);
    const cfgOptions = (text: string) => ({
      isNoReturn: (n: string) => model.isNoReturn(n), constants: result.constants, defines: options.defines,
      iteratorLoops: result.iteratorLoops, source: text,
    });
    result.functions = result.functions.map((def) => ({
      ...def, body: RELEASED_BODY, variants: undefined, cfg: def.opaque ? opaqueCfg(def) : buildCfg(def, cfgOptions(source.text)),
    }));
    result.functions.push(...expandMacros(result, model, cfgOptions));
    parsed.push(result);
    // tree-sitter's trees are freed only when the event loop turns.
    await yieldToEventLoop();
  }
  const buildLibrary: CfgMaker = (def, text, iteratorLoops, constants) => buildCfg(def, {
    isNoReturn: (n: string) => model.isNoReturn(n), constants, defines: options.defines, iteratorLoops, source: text,
  });
  const library = new HeaderFunctions(included, (name) => model.isPrimitive(name), headerIndex, buildLibrary).collect(parsed, headersOf);
  for (const [file, text] of library.sources) sources.set(file, text);
  const program = new Program([...parsed, ...library.files], model, options.defines, sources, asmFunctions, dispatchFacts);
  const arches = [...new Set(cFiles.map(archDirOf).filter((d): d is string => d !== null))].sort();
  const interpreter = new Interpreter(program, options.rules, entryFacts, arches);
  const findings = interpreter.run();
  qualifyByArch(findings);
  const built = program.functions.filter((f) => !f.def.opaque);
  const summary: RunSummary = {
    files: cFiles.length,
    filesParsed: parsed.filter((f) => !f.opaqueOnly).length,
    functions: built.length,
    opaqueFunctions: program.functions.length - built.length,
    functionsWithParseErrors: built.filter((f) => f.def.parseErrors)
      .map((f) => ({ file: f.def.file, function: f.def.name, line: f.def.line })),
    unnamedFunctions: parsed.reduce((n, f) => n + f.unnamedFunctions, 0),
    skipped, latin1Files,
    analysis: interpreter.stats(),
  };
  return { findings, summary };
}

/** Calls the analysis treats as known and stateless: they make no function relevant. */
const NEUTRAL_OPS = new Set(['known', 'returns-true', 'forward']);

/** A file the pre-filter did not parse: the definitions needed code may call, opaque. */
function opaqueFile(file: string, stubs: IndexedFunction[]): ParsedFile {
  const functions: FunctionDef[] = stubs.map((s) => ({
    name: s.name, file, params: [], body: RELEASED_BODY, line: s.line, parseErrors: false, isStatic: s.isStatic, opaque: true,
  }));
  for (const def of functions) def.cfg = opaqueCfg(def);
  return {
    path: file, encoding: 'utf-8', functions, constants: new Map(), fileScopeNames: new Set(), macros: [],
    memberAssignments: [], iteratorLoops: new Set(), unnamedFunctions: 0, topLevelErrors: 0, opaqueOnly: true,
  };
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
