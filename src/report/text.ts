// gcc/sparse-style text: `file:line:col: warning: message [rule-id]`, then the
// indented witness path, then what the run could not analyse.
import type { AnalyzeResult, RunSummary, SkippedFile } from '../run/types.js';
import type { NotBuiltFile } from '../kernel/built-sources.js';
import { MAX_CALL_DEPTH, type Finding } from '../analysis/interpreter.js';
import { describeEvent } from './describe.js';
import { SEVERITIES, countBySeverity, levelOf } from './severity.js';

export interface TextOptions {
  /** ANSI colours (the CLI turns them on for a terminal without NO_COLOR). */
  color?: boolean;
  /** Findings only: no summary lines. */
  quiet?: boolean;
  /** `scan --baseline`: how many findings the baseline matched (not shown). */
  baselineMatched?: number;
}

const SGR = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', magenta: '\x1b[35m', cyan: '\x1b[36m' } as const;

/** Whether text written to `stream` should be coloured: only a terminal, and
 *  never when NO_COLOR is set to a non-empty value (https://no-color.org). */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env['NO_COLOR'];
}

type Paint = (codes: string, s: string) => string;

export function painter(color: boolean | undefined): Paint {
  return color ? (codes, s) => `${codes}${s}${SGR.reset}` : (_codes, s) => s;
}

/** Each finding as `file:line:col: level: message [rule]`, its witness path and its notes. */
export function findingLines(findings: readonly Finding[], paint: Paint = painter(false)): string[] {
  const lines: string[] = [];
  for (const f of findings) {
    const level = levelOf(f.severity);
    const levelColor = level === 'error' ? SGR.red : level === 'warning' ? SGR.magenta : SGR.cyan;
    lines.push(`${paint(SGR.bold, `${f.file}:${f.line}:${f.column}:`)} ${paint(SGR.bold + levelColor, `${level}:`)} ${f.message} ${paint(SGR.dim, `[${f.ruleId}]`)}`);
    lines.push(`  in ${f.function}():`);
    for (const t of f.trace) lines.push(`    ${'  '.repeat(t.depth)}${paint(SGR.bold, `${t.file}:${t.line}:${t.column}:`)} ${describeEvent(t.event)}`);
    for (const r of f.related ?? []) lines.push(`  ${paint(SGR.bold, 'also:')} ${paint(SGR.bold, `${r.file}:${r.line}:${r.column}:`)} ${r.message}`);
    for (const n of f.notes) lines.push(`  ${paint(SGR.bold + SGR.cyan, 'note:')} ${n}`);
  }
  return lines;
}

/** "1 file", "2 files". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "N finding(s): e errors, w warnings, n notes (n rule, …)", severities with none left out:
 *  notes (latent, handled) do not fail a scan by default, so they are counted apart. */
export function countFindings(findings: readonly Finding[]): string {
  if (!findings.length) return '0 findings';
  const bySeverity = countBySeverity(findings);
  const severities = SEVERITIES.filter((s) => bySeverity[s]).map((s) => plural(bySeverity[s], s)).join(', ');
  const byRule = new Map<string, number>();
  for (const f of findings) byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1);
  return `${plural(findings.length, 'finding')}: ${severities} (${[...byRule].map(([r, n]) => `${n} ${r}`).join(', ')})`;
}

export function formatText(result: AnalyzeResult, options: TextOptions = {}): string {
  const lines = findingLines(result.findings, painter(options.color));
  // What was not read is shown whatever -q says: a quiet report must not look complete when it is not.
  if (options.quiet) { lines.push(...skippedLines(result.summary)); return lines.length ? lines.join('\n') + '\n' : ''; }
  lines.push(summaryLine(result, options.baselineMatched), ...runNotices(result.summary));
  return lines.join('\n') + '\n';
}

/** "eqscheck: N findings: …; F files, G functions analysed". */
export function summaryLine(result: AnalyzeResult, baselineMatched?: number): string {
  const s = result.summary;
  return `eqscheck: ${countFindings(result.findings)}; ` +
    (baselineMatched ? `${baselineMatched} more in the baseline not shown; ` : '') +
    `${s.files} files, ${s.functions} functions analysed` +
    (s.filesParsed < s.files || s.opaqueFunctions ? ` (${s.filesParsed} files parsed; ${s.opaqueFunctions} functions that cannot matter skipped)` : '');
}

/** The files and directories a run did not read, one line each. */
export function skippedLines(s: RunSummary): string[] {
  return s.skipped.map((k) => `eqscheck: ${describeSkipped(k)}`);
}

/** "skipped FILE: why", or for an include not followed "skipped #include "x" in FILE: why". */
export function describeSkipped(k: SkippedFile): string {
  return k.include ? `skipped #include ${k.include} in ${k.file}: ${k.reason}` : `skipped ${k.file}: ${k.reason}`;
}

/** "arch/x86/kernel/doublefault_32.c (arch/x86/kernel/Makefile:108: obj-$(CONFIG_X86_32) += doublefault_32.o)". */
export function describeNotBuilt(n: NotBuiltFile): string {
  return `${n.file} (${n.namedAt.file}:${n.namedAt.line}: ${n.namedAt.text.trim()})`;
}

/** What a run could not fully analyse, one line each (the summary's tail). */
export function runNotices(s: RunSummary): string[] {
  const lines: string[] = [];
  if (s.functionsWithParseErrors.length) {
    lines.push(`eqscheck: ${plural(s.functionsWithParseErrors.length, 'function')} not fully parsed (analysed as far as possible):`);
    for (const p of s.functionsWithParseErrors.slice(0, 20)) lines.push(`  ${p.file}:${p.line}: ${p.function}()`);
    if (s.functionsWithParseErrors.length > 20) lines.push(`  … and ${s.functionsWithParseErrors.length - 20} more (see --format json)`);
  }
  for (const p of s.functionsCut) lines.push(`eqscheck: ${p.file}:${p.line}: ${p.function}(): ${p.reason}`);
  if (s.unnamedFunctions) lines.push(`eqscheck: ${plural(s.unnamedFunctions, 'function definition')} whose name could not be parsed were not analysed`);
  lines.push(...skippedLines(s));
  if (s.userSpace.length) {
    const files = s.userSpace.reduce((n, p) => n + p.files, 0);
    lines.push(`eqscheck: ${plural(files, 'file')} of programs linked apart from the kernel not analysed (user space, boot code): ` +
      `${s.userSpace.slice(0, 6).map((p) => `${p.program} (${p.files})`).join(', ')}${s.userSpace.length > 6 ? ', …' : ''}`);
  }
  if (s.notBuilt.length) {
    lines.push(`eqscheck: ${plural(s.notBuilt.length, 'file')} the configuration does not build, not analysed:`);
    for (const n of s.notBuilt.slice(0, 20)) lines.push(`  ${describeNotBuilt(n)}`);
    if (s.notBuilt.length > 20) lines.push(`  … and ${s.notBuilt.length - 20} more (see --format json)`);
  }
  for (const f of s.entryFactsNotApplied) lines.push(`eqscheck: entry fact of ${f.name}() (${f.source}) not applied: ${f.reason}`);
  if (s.analysis.overBudget.length) lines.push(`eqscheck: ${s.analysis.overBudget.length} function(s) too large to analyse within the budget, nothing reported from them: ${s.analysis.overBudget.slice(0, 5).join(', ')}${s.analysis.overBudget.length > 5 ? ', …' : ''}`);
  if (s.analysis.callsTooDeep.length) lines.push(`eqscheck: calls deeper than ${MAX_CALL_DEPTH} levels not followed (taken to do nothing) from ${s.analysis.callsTooDeep.length} function(s): ${s.analysis.callsTooDeep.slice(0, 5).join(', ')}${s.analysis.callsTooDeep.length > 5 ? ', …' : ''}`);
  if (s.analysis.precisionLost.length) lines.push(`eqscheck: precision lost to state joins in ${s.analysis.precisionLost.length} function(s): ${s.analysis.precisionLost.slice(0, 5).join(', ')}${s.analysis.precisionLost.length > 5 ? ', …' : ''}`);
  return lines;
}
