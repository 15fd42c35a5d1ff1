// What a run takes and gives (see run/analyze).
import type { Cache } from '../cache/cache.js';
import type { ConfigSpec } from '../kernel/configuration.js';
import type { NotBuiltFile } from '../kernel/built-sources.js';
import type { AnalysisStats, Finding } from '../analysis/interpreter.js';
import type { UserModel } from '../model/user-model.js';
import type { Rule } from '../rules/types.js';
import type { FactNotApplied } from '../scan/entry-facts.js';

export interface AnalyzeOptions {
  rules: readonly Rule[];
  /** What the build's configuration decides (--config, -D, -U); default: nothing, every arm a path. */
  configuration?: ConfigSpec;
  /** Files whose read errors are fatal (named on the command line). */
  explicit?: ReadonlySet<string>;
  /** Model files: more primitives, and entry facts for functions entered from assembly. */
  models?: readonly UserModel[];
  /** false: no built-in wrapper table; wrappers come only from the tree's definitions. */
  builtinWrappers?: boolean;
  /** false: without the shipped entry facts (models/kernel-entry-facts.json). */
  builtinFacts?: boolean;
  /** false: parse every file and build every function (the pre-filter's reference). */
  prefilter?: boolean;
  /** Worker threads: 1 runs everything in this thread; default: see workerCount. */
  jobs?: number;
  /** Called as files are done (for a progress display). */
  onProgress?: (p: Progress) => void;
  /** Per-file and whole-run results from earlier runs (null: none). */
  cache?: Cache | null;
  /** The size cap files are read under (default: io/read-file DEFAULT_MAX_FILE_SIZE). */
  maxFileSize?: number;
  /** The directories and files the scan was given: outside a kernel tree,
   *  #include is not followed above them (default: each file's directory). */
  roots?: readonly string[];
  /** Trees the scanned tree's symbolic links lead into by design (a scratch
   *  tree's original): a header reached through them is inside the tree. Any
   *  other link that leads out of the tree is not followed. */
  linkedTrees?: readonly string[];
  /** What the scanned directories hold that collection did not take (see
   *  scan/collect): listed first in the summary's skipped files. */
  skipped?: readonly SkippedFile[];
  /** Refuse a scan that needs more functions built than this (default: what
   *  fits in memory, see run/analyze MAX_BUILT). */
  maxBuilt?: number;
}

export interface Progress {
  phase: 'index' | 'select' | 'build' | 'analyse';
  done: number;
  total: number;
}

export interface SkippedFile {
  /** The file not read (for an include: the file that has it). */
  file: string;
  reason: string;
  /** An #include not followed (as written: `"../x.h"`), rather than a file not read. */
  include?: string;
}

export interface RunSummary {
  /** C files read. */
  files: number;
  /** Of those, parsed (the others cannot matter: see run/select). */
  filesParsed: number;
  /** Functions built (CFGs), and definitions known but not looked into. */
  functions: number;
  opaqueFunctions: number;
  functionsWithParseErrors: { file: string; function: string; line: number }[];
  /** Functions analysed in part (nesting deeper than cfg/build MAX_NESTING) or not
   *  at all (a body larger than parser/parse MAX_FUNCTION_CHARS), and why. */
  functionsCut: { file: string; function: string; line: number; reason: string }[];
  unnamedFunctions: number;
  skipped: SkippedFile[];
  latin1Files: string[];
  /** Files of a kernel tree's user-space programs (tools/, scripts/): not kernel
   *  code, not linked with it, not analysed; counted per program. */
  userSpace: { program: string; files: number }[];
  /** Entry facts the scanned tree does not show, so not applied. */
  entryFactsNotApplied: FactNotApplied[];
  /** Files the build configuration does not compile (kernel/built-sources): not analysed. */
  notBuilt: NotBuiltFile[];
  analysis: AnalysisStats;
}

export interface AnalyzeResult {
  findings: Finding[];
  summary: RunSummary;
}
