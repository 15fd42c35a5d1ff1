// The command-line program. Exit codes: 0 no findings (patch, diff: none introduced),
// 1 findings (of the severities --fail-on names), 2 usage or input error, or files
// skipped (when --fail-on names `skipped`), 3 an internal error (a
// bug: one line naming what was being analysed; EQSCHECK_DEBUG=1 for the trace).
import { Command, CommanderError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { Cache, defaultCacheDir } from '../cache/cache.js';
import { InputError, InternalError } from '../errors.js';
import { DEFAULT_MAX_FILE_SIZE } from '../io/read-file.js';
import { analyzeFiles, ScopeTooLargeError, type RunSummary } from '../run/analyze.js';
import { ModelError } from '../model/model.js';
import { readUserModel } from '../model/user-model.js';
import { readBaseline } from '../report/baseline.js';
import { formatComparisonSarif, formatComparisonText, type ComparisonReport } from '../report/comparison.js';
import { fingerprintFindings } from '../report/fingerprint.js';
import { formatComparisonJson, formatJson, formatSeriesJson } from '../report/json.js';
import { formatSeriesSarif, formatSeriesText } from '../report/series.js';
import { formatComparisonHtml, formatHtml, type HtmlReport } from '../report/html.js';
import { writeHtmlReport } from '../report/html-directory.js';
import { ANALYSIS_SCOPE, helpText, wrap } from '../report/help.js';
import { formatSarif } from '../report/sarif.js';
import { formatText, wantsColor } from '../report/text.js';
import { runDiffMode } from '../patch/diff-mode.js';
import { runPatchMode, type ModeOptions, type SourceReaders } from '../patch/patch-mode.js';
import { runSeriesMode } from '../patch/series-mode.js';
import { RULES, RuleSelectionError, knownRule, rulesNamed } from '../rules/index.js';
import type { Rule } from '../rules/types.js';
import { collectFiles, isKernelRoot } from '../scan/collect.js';
import { NO_CONFIGURATION, configArch, isDefineSpec, isMacroName, readDotConfig, withCommandLine, type ConfigSpec } from '../kernel/configuration.js';
import { runCheck } from './check.js';
import { progressLine } from './progress.js';
import { TOOL_VERSION } from '../version.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

class UsageError extends Error {}

/** What makes a scan fail: findings of these severities (exit 1), and skipped files (exit 2). */
interface FailOn {
  severities: ReadonlySet<string>;
  skipped: boolean;
}

const FAIL_LEVELS: Record<string, readonly string[]> = {
  error: ['error'], warning: ['error', 'warning'], note: ['error', 'warning', 'note'], none: [],
};
// A whole tree holds files no scan can read (symbolic links, generated binaries):
// by default they are named in the summary and the scan exits as its findings say.
// Notes (latent and handled findings: the arch cannot enter the EQS today) do not
// fail a CI job by default; `--fail-on note` makes them.
const DEFAULT_FAIL_ON = 'warning';

function parseFailOn(value: string): FailOn {
  const words = value.split(',').map((w) => w.trim());
  const levels = words.filter((w) => w !== 'skipped');
  const bad = words.find((w) => !(w in FAIL_LEVELS) && w !== 'skipped');
  if (bad !== undefined || levels.length > 1 || !words.length) {
    throw new UsageError(`--fail-on wants one of ${Object.keys(FAIL_LEVELS).join(', ')}, optionally with ',skipped' (or 'skipped' alone), not '${value}'`);
  }
  return { severities: new Set(FAIL_LEVELS[levels[0] ?? 'none']), skipped: words.includes('skipped') };
}

/** `64M`, `512K`, `1G`, or a number of bytes. */
function parseSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$/i.exec(value);
  const n = m ? Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!m || !Number.isFinite(n) || n < 1) throw new UsageError(`--max-file-size wants a size such as 64M, 512K or a number of bytes, not '${value}'`);
  return Math.floor(n);
}

/** An option's value that must not be empty (`-o ''` would write nowhere, `--cache-dir ''` into the current directory). */
function nonEmpty(option: string, what: string): (value: string) => string {
  return (value: string) => {
    if (!value.trim()) throw new UsageError(`${option} wants ${what}, not an empty string`);
    return value;
  };
}

function repeatable(option: string, what: string, check: (value: string) => boolean = () => true) {
  return (value: string, acc: string[]): string[] => {
    if (!value.trim() || !check(value)) throw new UsageError(`${option} wants ${what}, not '${value}'`);
    return [...acc, value];
  };
}

const FORMATS = ['text', 'json', 'sarif', 'html'] as const;

function openCache(opts: AnalysisOptions): Cache | null {
  return opts.cache ? new Cache(opts.cacheDir ?? defaultCacheDir(), undefined,
    { warn: (m) => process.stderr.write(`eqscheck: ${m}\n`), maxFileSize: opts.maxFileSize }) : null;
}

function parseJobs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--jobs wants a whole number from 1 to 64, not '${value}'`);
  return n;
}

/** What a scan with --config took from it, for the text summary: the arch whose scope it scanned. */
function configurationLine(file: string, configuration: ConfigSpec, paths: string[]): string {
  const root = (paths.length ? paths : ['.']).find(isKernelRoot);
  if (!root) return `eqscheck: configuration ${file} applied to the files named\n`;
  const arch = configArch(configuration, root);
  return arch ? `eqscheck: configuration ${file}: arch/${arch}/kvm and virt/kvm scanned\n`
    : `eqscheck: configuration ${file} names no arch of the tree (its 'Linux/ARCH' header): every arch's kvm directory scanned\n`;
}

/** --config FILE, then -D and -U over it. */
function configurationOf(opts: AnalysisOptions): ConfigSpec {
  const names = (list: string[]) => list.map((d) => d.split('=')[0]!);
  const both = names(opts.define).find((n) => opts.undefine.includes(n));
  if (both !== undefined) throw new UsageError(`-D ${both} and -U ${both} both given: say one`);
  return withCommandLine(opts.config ? readDotConfig(opts.config) : NO_CONFIGURATION, opts.define, opts.undefine);
}

function selectRules(spec: string | undefined): readonly Rule[] {
  return spec === undefined ? RULES : rulesNamed(spec);
}

interface AnalysisOptions {
  format: string; output?: string; rules?: string; define: string[]; undefine: string[]; config?: string; quiet?: boolean;
  model: string[]; builtinWrappers: boolean; builtinFacts: boolean; prefilter: boolean; jobs?: number;
  cache: boolean; cacheDir?: string; maxFileSize: number; failOn: FailOn;
}

/** The exit status of a report: skipped files (when they fail the run) before findings. */
function exitStatus(opts: AnalysisOptions, findings: readonly { severity: string }[], summaries: readonly RunSummary[]): number {
  if (opts.failOn.skipped && summaries.some((s) => s.skipped.length)) return EXIT_USAGE;
  return findings.some((f) => opts.failOn.severities.has(f.severity)) ? EXIT_FINDINGS : EXIT_CLEAN;
}

interface ScanOptions extends AnalysisOptions {
  all?: boolean; baseline?: string; writeBaseline?: string;
}

interface CompareOptions extends AnalysisOptions {
  tree?: string; wholeScope?: boolean; each?: boolean;
}

function checkFormat(opts: AnalysisOptions): void {
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`unknown format '${opts.format}' (known formats: ${FORMATS.join(', ')})`);
  }
  if (opts.format === 'html' && !opts.output) throw new UsageError('--format html writes a directory of pages: give it with -o DIR');
}

function writeFile(file: string, text: string, what: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new InputError(file, `cannot write ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function emit(opts: AnalysisOptions, out: string | HtmlReport): void {
  if (typeof out !== 'string') writeHtmlReport(opts.output!, out);
  else if (opts.output) writeFile(opts.output, out, 'output');
  else process.stdout.write(out);
}

async function scan(paths: string[], opts: ScanOptions): Promise<number> {
  checkFormat(opts);
  const rules = selectRules(opts.rules);
  const models = opts.model.map((m) => readUserModel(m, opts.maxFileSize));
  const baseline = opts.baseline ? readBaseline(opts.baseline, opts.maxFileSize) : null;
  const configuration = configurationOf(opts);
  const { files, explicit, roots, skipped } = collectFiles(paths.length ? paths : ['.'], { all: opts.all, configuration });
  const progress = progressLine(process.stderr);
  const all = await analyzeFiles(files, {
    rules, configuration, explicit, models, builtinWrappers: opts.builtinWrappers, builtinFacts: opts.builtinFacts,
    prefilter: opts.prefilter, maxFileSize: opts.maxFileSize, roots, skipped,
    jobs: opts.jobs, cache: openCache(opts), onProgress: progress ? (p) => progress.update(p) : undefined,
  }).finally(() => progress?.done());
  // Fingerprints are relative to the current directory (SARIF's %SRCROOT%).
  const allFingerprints = fingerprintFindings(all.findings);
  if (opts.writeBaseline) writeFile(opts.writeBaseline, formatJson(all, { fingerprints: allFingerprints }), 'the baseline');
  const keep = all.findings.map((_, i) => !baseline || !baseline.has(allFingerprints[i]!));
  const result = { findings: all.findings.filter((_, i) => keep[i]), summary: all.summary };
  const fingerprints = allFingerprints.filter((_, i) => keep[i]);
  const matched = all.findings.length - result.findings.length;
  const out = opts.format === 'json' ? formatJson(result, { fingerprints, baseline: baseline ? { file: opts.baseline!, matched } : undefined }) :
    opts.format === 'sarif' ? formatSarif(result, { fingerprints, baselineStates: baseline ? result.findings.map(() => 'new' as const) : undefined }) :
    opts.format === 'html' ? formatHtml(result, { baselineMatched: matched }) :
    formatText(result, { quiet: opts.quiet, color: !opts.output && wantsColor(process.stdout), baselineMatched: matched }) +
      (opts.quiet || !opts.config ? '' : configurationLine(opts.config, configuration, paths));
  emit(opts, out);
  return exitStatus(opts, result.findings, [result.summary]);
}

/** What the patch and diff modes analyse, and how (the report's form aside). */
function comparedAnalysis(opts: CompareOptions): Omit<ModeOptions, 'render'> {
  checkFormat(opts);
  return {
    analyze: {
      rules: selectRules(opts.rules), configuration: configurationOf(opts), models: opts.model.map((m) => readUserModel(m, opts.maxFileSize)),
      // Scratch trees live at new paths every run: nothing to find in a cache.
      builtinWrappers: opts.builtinWrappers, builtinFacts: opts.builtinFacts, prefilter: opts.prefilter, jobs: opts.jobs,
      maxFileSize: opts.maxFileSize,
    },
    wholeScope: opts.wholeScope,
  };
}

function modeOptions(opts: CompareOptions): ModeOptions<string | HtmlReport> {
  const render = (report: ComparisonReport, sources: SourceReaders): string | HtmlReport =>
    opts.format === 'json' ? formatComparisonJson(report) :
    opts.format === 'sarif' ? formatComparisonSarif(report, sources) :
    opts.format === 'html' ? formatComparisonHtml(report, sources) :
    formatComparisonText(report, { quiet: opts.quiet, color: !opts.output && wantsColor(process.stdout) });
  return { ...comparedAnalysis(opts), render };
}

/** `eqscheck patch --each FILE|-`: every patch of a series on top of the ones before it; exit 1 when one introduces findings. */
async function patchEach(source: string, opts: CompareOptions): Promise<number> {
  if (opts.format === 'html') throw new UsageError('--each reports a series as text, JSON or SARIF; --format html is for one patch, a diff or a scan');
  const { report, output } = await runSeriesMode(source, opts.tree, {
    ...comparedAnalysis(opts),
    render: (series, textOf) =>
      opts.format === 'json' ? formatSeriesJson(series) :
      opts.format === 'sarif' ? formatSeriesSarif(series, { textOf }) :
      formatSeriesText(series, { quiet: opts.quiet, color: !opts.output && wantsColor(process.stdout) }),
  });
  emit(opts, output);
  return exitStatus(opts, report.steps.flatMap((s) => s.report.introduced.map((x) => x.finding)),
    report.steps.flatMap((s) => [s.report.before, s.report.after]));
}

/** `eqscheck patch FILE|-`: exit 1 when the patch introduces findings. */
async function patch(source: string, opts: CompareOptions): Promise<number> {
  if (opts.each) return patchEach(source, opts);
  const { report, output } = await runPatchMode(source, opts.tree, modeOptions(opts));
  emit(opts, output);
  return exitStatus(opts, report.introduced.map((x) => x.finding), [report.before, report.after]);
}

/** `eqscheck diff [REV | A..B]`: exit 1 when the newer version introduces findings. */
async function diff(spec: string | undefined, opts: CompareOptions): Promise<number> {
  const { report, output } = await runDiffMode(spec, opts.tree ?? '.', modeOptions(opts));
  emit(opts, output);
  return exitStatus(opts, report.introduced.map((x) => x.finding), [report.before, report.after]);
}

/** `eqscheck rules`: one line per rule (id, default severity, short description). */
export function formatRuleList(): string {
  const idWidth = Math.max(...RULES.map((r) => r.id.length));
  const sevWidth = Math.max(...RULES.map((r) => r.defaultSeverity.length));
  return RULES.map((r) => `${r.id.padEnd(idWidth)}  ${r.defaultSeverity.padEnd(sevWidth)}  ${r.shortDescription}\n`).join('');
}

/** `eqscheck explain RULE`: the rule's full help, with its bad and good example. */
export function formatExplanation(rule: Rule): string {
  return `${rule.id} (${rule.name})\n` +
    `${rule.shortDescription}\n` +
    `default severity: ${rule.defaultSeverity}; precision: ${rule.precision}; tags: ${rule.tags.join(', ')}\n\n` +
    helpText(rule) + `\n${wrap(ANALYSIS_SCOPE, 80)}\n`;
}

export async function main(argv: string[]): Promise<number> {
  // kbuild's checker takes the compiler's flags, which no option parser of ours should judge.
  if (argv[0] === 'check') return check(argv.slice(1));
  let exitCode = EXIT_CLEAN;
  const program = new Command('eqscheck')
    .description('Find interrupts enabled while RCU is not watching (EQS) and unbalanced EQS/accounting enter/exit in kernel C')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const analysisOptions = (cmd: Command): Command => cmd
    .addOption(new Option('-f, --format <format>', 'output format').choices([...FORMATS]).default('text'))
    .option('-o, --output <file>', 'write the report to a file (html: a directory of pages)', nonEmpty('--output', 'a file name'))
    .option('-r, --rules <ids>', 'comma-separated rule ids to run')
    .option('-D, --define <name[=value]>', 'treat NAME as defined, in every spelling of a test of it: #ifdef, #if defined(), IS_ENABLED() … (repeatable)',
      repeatable('--define', 'a macro name, or NAME=VALUE', isDefineSpec), [] as string[])
    .option('-U, --undefine <name>', 'treat NAME as not defined, in every spelling of a test of it (repeatable)',
      repeatable('--undefine', 'a macro name', isMacroName), [] as string[])
    .option('--config <file>', 'a kernel .config (or /proc/config.gz): what it sets is defined, every other CONFIG_ symbol is not; it also picks the arch to scan and its context-tracking facts',
      nonEmpty('--config', 'a file name'))
    .option('-q, --quiet', 'text format: print the findings (and the files skipped) only, no summary lines')
    .option('-m, --model <file>', 'model file: extra primitives and entry facts (repeatable; see models/)', repeatable('--model', 'a file name'), [] as string[])
    .option('--no-builtin-wrappers', 'derive the guest_*/user_* wrappers only from the headers of the tree, without the built-in table')
    .option('--no-builtin-facts', 'without the shipped entry facts of functions entered from the kernel\'s assembly (models/kernel-entry-facts.json)')
    .option('--no-prefilter', 'parse every file and build every function (slower; the same findings)')
    .option('-j, --jobs <n>', 'worker threads for reading and parsing (default: cores - 1 on machines of 4+ cores, for scans of 64+ files; 1: none)', parseJobs)
    .option('--cache-dir <dir>', `where results are kept between runs (default: ${defaultCacheDir()})`, nonEmpty('--cache-dir', 'a directory'))
    .option('--no-cache', 'neither read nor write the cache')
    .addOption(new Option('--max-file-size <size>', 'files larger than this are not read: named ones are an error, others skipped')
      .argParser(parseSize).default(DEFAULT_MAX_FILE_SIZE, `${DEFAULT_MAX_FILE_SIZE / 2 ** 20}M`))
    .addOption(new Option('--fail-on <what>', 'findings that give exit 1: error, warning, note (every finding) or none; with ",skipped": files not read give exit 2')
      .argParser(parseFailOn).default(parseFailOn(DEFAULT_FAIL_ON), DEFAULT_FAIL_ON));
  analysisOptions(program.command('scan')
    .description('analyse C files and directories (recursing over *.c and *.h)')
    .argument('[paths...]', 'files or directories', []))
    .option('--all', 'in a kernel tree, scan every .c/.h file instead of arch/*/kvm and virt/kvm')
    .option('--baseline <file>', 'do not report findings of this earlier report (eqscheck JSON or SARIF), matched by fingerprint', nonEmpty('--baseline', 'a file name'))
    .option('--write-baseline <file>', 'also write every finding of this scan, as JSON, to FILE (a baseline for --baseline)', nonEmpty('--write-baseline', 'a file name'))
    .action(async (paths: string[], opts: ScanOptions) => { exitCode = await scan(paths, opts); });
  analysisOptions(program.command('patch')
    .description('report the findings a patch introduces (exit 1) and those it fixes, without modifying the tree')
    .argument('<patch>', 'the patch file (unified diff, as git diff or git format-patch write it), or - for standard input'))
    .option('--tree <dir>', 'the tree the patch applies to (default: the kernel tree around the current directory, or the current directory)', nonEmpty('--tree', 'a directory'))
    .option('--whole-scope', 'analyse the whole default scope (every arch/*/kvm and virt/kvm) before and after, not only what the patch touches')
    .option('--each', 'a series (git format-patch mails in one mbox): report every patch on top of the ones before it')
    .action(async (source: string, opts: CompareOptions) => { exitCode = await patch(source, opts); });
  analysisOptions(program.command('diff')
    .description('report the findings introduced (exit 1) and fixed: the working tree since HEAD, since REV, or commit B since commit A')
    .argument('[revisions]', 'REV (the working tree against REV) or A..B (commit B against commit A); default: HEAD'))
    .option('--tree <dir>', 'a directory of the git repository (default: the current directory)', nonEmpty('--tree', 'a directory'))
    .option('--whole-scope', 'analyse the whole default scope (every arch/*/kvm and virt/kvm) before and after, not only what the change touches')
    .action(async (spec: string | undefined, opts: CompareOptions) => { exitCode = await diff(spec, opts); });
  program.command('check')
    .description('kbuild\'s checker, as sparse is: make C=1 CHECK="eqscheck check" DIR/ (takes the compiler\'s flags and file.c; gcc-form diagnostics on stderr; exit 0)')
    .argument('[flags-and-file...]', 'what kbuild passes: $(CHECKFLAGS), the compiler\'s flags, file.c');
  program.command('rules')
    .description('list the rules: id, default severity, what each reports')
    .action(() => { process.stdout.write(formatRuleList()); });
  program.command('explain')
    .description('print a rule\'s full help, with an example of code it reports and the fix')
    .argument('<rule>', 'rule id (see `eqscheck rules`)')
    .action((id: string) => { process.stdout.write(formatExplanation(knownRule(id))); });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_CLEAN : EXIT_USAGE;
    }
    if (err instanceof InputError || err instanceof UsageError || err instanceof ModelError || err instanceof ScopeTooLargeError || err instanceof RuleSelectionError) {
      process.stderr.write(`eqscheck: error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(internalErrorMessage(err));
    return EXIT_INTERNAL;
  }
}

/** `eqscheck check <compiler flags> file.c` (cli/check): exit 0 even on a bug of ours, so that the build goes on. */
async function check(argv: string[]): Promise<number> {
  try {
    return await runCheck(argv, { stderr: (s) => process.stderr.write(s) });
  } catch (err) {
    if (err instanceof ModelError) { process.stderr.write(`eqscheck: error: ${err.message}\n`); return EXIT_CLEAN; }
    process.stderr.write(internalErrorMessage(err));
    return EXIT_CLEAN;
  }
}

/** An internal error, in one line naming what was being analysed (the trace with EQSCHECK_DEBUG=1). */
export function internalErrorMessage(err: unknown): string {
  if (process.env['EQSCHECK_DEBUG']) return `eqscheck: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`;
  const what = err instanceof InternalError ? err.message : `(${err instanceof Error ? `${err.name}: ${err.message}` : String(err)})`;
  return `eqscheck: internal error ${what.split('\n')[0]}; this is a bug of eqscheck: please report it with the command ` +
    `and the file (EQSCHECK_DEBUG=1 prints the trace)\n`;
}
