// Reports of the patch and diff modes: the findings one version of a tree has and
// the other has not, matched by fingerprint. Introduced findings are the new
// version's (paths in the user's tree, lines of the new text); fixed findings are
// the old version's.
import type { RunSummary } from '../run/types.js';
import type { Finding } from '../analysis/interpreter.js';
import { buildSarif, type BaselineState, type SarifOptions } from './sarif.js';
import { countFindings, findingLines, painter, plural, runNotices, skippedLines } from './text.js';

export interface ComparedFinding {
  finding: Finding;
  fingerprint: string;
}

export interface ComparisonReport {
  mode: 'patch' | 'diff';
  /** The old and the new version, in words: "the tree" / "the patched tree", "HEAD" / "the working tree". */
  from: string;
  to: string;
  /** The user's tree (fingerprints and SARIF URIs are relative to it). */
  root: string;
  /** Paths the patch or diff touches, relative to the root. */
  touched: string[];
  /** Directories analysed on both sides, relative to the root. */
  scope: string[];
  introduced: ComparedFinding[];
  fixed: ComparedFinding[];
  before: RunSummary;
  after: RunSummary;
}

export function comparisonHeadings(c: ComparisonReport): { introduced: string; fixed: string } {
  if (c.mode === 'patch') return { introduced: 'Introduced by the patch', fixed: 'Fixed by the patch' };
  return { introduced: `Introduced in ${c.to} (since ${c.from})`, fixed: `Fixed in ${c.to} (since ${c.from})` };
}

export interface ComparisonTextOptions { color?: boolean; quiet?: boolean }

/** The introduced and the fixed findings under their titles (with -q, only the lists that hold some). */
export function comparisonSections(c: ComparisonReport, titles: { introduced: string; fixed: string }, options: ComparisonTextOptions = {}): string[] {
  const paint = painter(options.color);
  const lines: string[] = [];
  for (const [title, list] of [[titles.introduced, c.introduced], [titles.fixed, c.fixed]] as const) {
    if (options.quiet && !list.length) continue;
    if (lines.length) lines.push('');
    lines.push(list.length ? `${title}: ${countFindings(list.map((x) => x.finding))}` : `${title}: none`);
    lines.push(...findingLines(list.map((x) => x.finding), paint));
  }
  return lines;
}

/** What was analysed on both sides, in words: `analysed arch/x/kvm, virt/kvm: 4 files, 9 functions before, …`. */
export function scopeWords(scope: readonly string[], before: RunSummary, after: RunSummary, sides = { before: 'before', after: 'after' }): string {
  const size = (s: RunSummary) => `${plural(s.files, 'file')}, ${plural(s.functions, 'function')}`;
  return scope.length
    ? `analysed ${scope.join(', ')}: ${size(before)} ${sides.before}, ${size(after)} ${sides.after}`
    : 'nothing the default scan reads was touched';
}

export function formatComparisonText(c: ComparisonReport, options: ComparisonTextOptions = {}): string {
  const lines = comparisonSections(c, comparisonHeadings(c), options);
  if (options.quiet) { lines.push(...skippedLines(c.after)); return lines.length ? lines.join('\n') + '\n' : ''; }
  lines.push('', comparisonSummaryLine(c), ...runNotices(c.after));
  return lines.join('\n') + '\n';
}

/** "eqscheck: I introduced, F fixed (from -> to); N files touched; analysed …". */
export function comparisonSummaryLine(c: ComparisonReport): string {
  const touched = `${plural(c.touched.length, 'file')} touched`;
  return `eqscheck: ${c.introduced.length} introduced, ${c.fixed.length} fixed (${c.from} -> ${c.to}); ${touched}; ${scopeWords(c.scope, c.before, c.after)}`;
}

export interface ComparisonSarifOptions extends Pick<SarifOptions, 'limits'> {
  /** Source text of the new version (introduced results), by the path the findings name. */
  readText?: (file: string) => string | undefined;
  /** Source text of the old version (fixed results). */
  readBaselineText?: (file: string) => string | undefined;
}

/** One run: introduced findings are results with baselineState `new`, fixed ones `absent`. */
export function formatComparisonSarif(c: ComparisonReport, options: ComparisonSarifOptions = {}): string {
  const all = [...c.introduced, ...c.fixed];
  const states: BaselineState[] = [...c.introduced.map((): BaselineState => 'new'), ...c.fixed.map((): BaselineState => 'absent')];
  const log = buildSarif({ findings: all.map((x) => x.finding), summary: c.after }, {
    root: c.root,
    limits: options.limits,
    fingerprints: all.map((x) => x.fingerprint),
    baselineStates: states,
    readText: options.readText,
    readBaselineText: options.readBaselineText,
  });
  return JSON.stringify(log, null, 2) + '\n';
}
