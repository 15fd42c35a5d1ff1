// One analysis run: read and parse the files, build the program, interpret it.
import { Model } from '../model/model.js';
import { BUILTIN_MODEL } from '../model/primitives.js';
import type { UserModel } from '../model/user-model.js';
import { buildCfg, type CfgOptions } from '../cfg/build.js';
import { parseMacro, parseSource, type FunctionDef, type ParsedFile } from '../parser/parse.js';
import { RELEASED_BODY } from '../parser/syntax.js';
import { InputError, readSource } from '../parser/source.js';
import type { Rule } from '../rules/types.js';
import { readAsm, type AsmFile } from '../scan/asm-symbols.js';
import { emptyDispatchFacts, readDispatchFacts } from '../scan/dispatch-facts.js';
import { IncludedHeaders, kernelRootOf } from '../scan/included-headers.js';
import { HeaderFunctions } from '../scan/header-functions.js';
import { archFacts } from '../scan/arch-facts.js';
import { archOf, Program } from './program.js';
import { Interpreter, type AnalysisStats, type Finding } from './interpreter.js';

export interface AnalyzeOptions {
  rules: readonly Rule[];
  defines: ReadonlySet<string>;
  /** Files whose read errors are fatal (named on the command line). */
  explicit?: ReadonlySet<string>;
  /** Model files: more primitives, and entry facts for functions entered from assembly. */
  models?: readonly UserModel[];
  /** false: no built-in wrapper table; wrappers come only from the tree's definitions. */
  builtinWrappers?: boolean;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface RunSummary {
  files: number;
  functions: number;
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
  const dispatchFacts = emptyDispatchFacts();
  const included = new IncludedHeaders((text, header) => readDispatchFacts(text, archOf(header), dispatchFacts));
  const headersOf = new Map<string, string[]>();
  const asmFunctions = new Map<string, AsmFile>();
  for (const file of files) {
    try {
      const source = readSource(file);
      if (file.endsWith('.S')) {
        const { functions, asm } = readAsm(file, source.text);
        for (const name of functions) if (!asmFunctions.has(name)) asmFunctions.set(name, asm);
        continue;
      }
      const result = parseSource(source);
      readDispatchFacts(source.text, archOf(file), dispatchFacts);
      // A file's own #defines win over those of the headers it includes.
      const { constants, headers } = included.forFile(file, source.text);
      for (const [k, v] of constants) if (!result.constants.has(k)) result.constants.set(k, v);
      headersOf.set(file, headers);
      // Build the CFGs now and let the syntax trees go: a large scan keeps only CFGs.
      const cfgOptions = (text: string) => ({
        isNoReturn: (n: string) => model.isNoReturn(n), constants: result.constants, defines: options.defines,
        iteratorLoops: result.iteratorLoops, source: text,
      });
      result.functions = result.functions.map((def) => ({
        ...def, body: RELEASED_BODY, variants: undefined, cfg: buildCfg(def, cfgOptions(source.text)),
      }));
      result.functions.push(...expandMacros(result, model, cfgOptions));
      parsed.push(result);
      if (source.encoding === 'latin1') latin1Files.push(file);
    } catch (err) {
      if (!(err instanceof InputError) || options.explicit?.has(file)) throw err;
      skipped.push({ file, reason: err.problem });
    }
    // tree-sitter's trees are freed only when the event loop turns.
    await yieldToEventLoop();
  }
  const library = new HeaderFunctions(included, (name) => model.isPrimitive(name)).collect(parsed, headersOf);
  for (const [file, text] of library.sources) sources.set(file, text);
  const entryFacts = new Map(models.flatMap((m) => [...m.entries]));
  const program = new Program([...parsed, ...library.files], model, options.defines, sources, asmFunctions, dispatchFacts);
  const interpreter = new Interpreter(program, options.rules, entryFacts);
  const findings = interpreter.run();
  qualifyByArch(findings);
  const summary: RunSummary = {
    files: parsed.length,
    functions: program.functions.length,
    functionsWithParseErrors: program.functions.filter((f) => f.def.parseErrors)
      .map((f) => ({ file: f.def.file, function: f.def.name, line: f.def.line })),
    unnamedFunctions: parsed.reduce((n, f) => n + f.unnamedFunctions, 0),
    skipped, latin1Files,
    analysis: interpreter.stats(),
  };
  return { findings, summary };
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
