// Reports of `eqscheck patch --each`: for every patch of a series, in order, what
// it introduces and fixes on top of the patches before it. Text: a heading per
// patch, its two lists, one summary line. SARIF: one run (GitHub code scanning
// refuses two runs of one tool and category in a file, and a category per patch
// would leave alerts of categories no later upload refreshes) whose results are
// tagged with their patch (`properties.patch`) and read their lines from the
// version they name: an introduced finding from the tree after its patch, a
// fixed one from the tree before it.
import type { ComparedFinding, ComparisonReport, ComparisonTextOptions } from './comparison.js';
import { comparisonSections, scopeWords } from './comparison.js';
import { buildSarif, type BaselineState, type SarifOptions } from './sarif.js';
import { plural, runNotices, skippedLines } from './text.js';

export interface SeriesStep {
  /** 1-based place of the patch in the series. */
  index: number;
  /** Its Subject line (`[PATCH 2/5] KVM: arm64: …`). */
  subject: string;
  /** The patch against the tree with the patches before it applied. */
  report: ComparisonReport;
}

export interface SeriesReport {
  /** The user's tree (fingerprints and SARIF URIs are relative to it). */
  root: string;
  /** Paths some patch of the series touches, relative to the root. */
  touched: string[];
  /** Directories analysed in every state of the tree, relative to the root. */
  scope: string[];
  steps: SeriesStep[];
}

/** Source text of one state of the tree (0: the tree, k: after patch k), by the path the findings name. */
export type StateText = (state: number) => (file: string) => string | undefined;

/** `patch 2 of 3 ([PATCH 2/3] KVM: x: …)`: how messages name a patch of a series. */
export function describePatch(index: number, count: number, subject: string): string {
  return `patch ${index} of ${count} (${subject})`;
}

/** How many findings the patches of the series introduce and fix, in all. */
export function seriesCounts(s: SeriesReport): { introduced: number; fixed: number } {
  return {
    introduced: s.steps.reduce((n, step) => n + step.report.introduced.length, 0),
    fixed: s.steps.reduce((n, step) => n + step.report.fixed.length, 0),
  };
}

/** `patch 2`, `patches 2, 4`: where findings came from. */
function byPatches(steps: readonly SeriesStep[], list: (s: SeriesStep) => readonly ComparedFinding[]): string {
  const which = steps.filter((s) => list(s).length).map((s) => s.index);
  return which.length ? ` (${which.length === 1 ? 'patch' : 'patches'} ${which.join(', ')})` : '';
}

/** Lines of several states' notices, each once, in order. */
function uniqueLines(groups: readonly string[][]): string[] {
  return [...new Set(groups.flat())];
}

export function formatSeriesText(s: SeriesReport, options: ComparisonTextOptions = {}): string {
  const count = s.steps.length;
  const blocks: string[][] = [];
  for (const step of s.steps) {
    const r = step.report;
    if (options.quiet && !r.introduced.length && !r.fixed.length) continue;
    const lines = comparisonSections(r, { introduced: 'Introduced', fixed: 'Fixed' }, options);
    blocks.push([`Patch ${step.index} of ${count}: ${step.subject}`, ...lines]);
  }
  const afters = s.steps.map((step) => step.report.after);
  const out = blocks.map((b) => b.join('\n'));
  if (options.quiet) {
    const lines = [out.join('\n\n'), ...uniqueLines(afters.map(skippedLines))].filter(Boolean);
    return lines.length ? lines.join('\n') + '\n' : '';
  }
  const { introduced, fixed } = seriesCounts(s);
  const first = s.steps[0]!.report;
  const last = s.steps[count - 1]!.report;
  const summary = `eqscheck: ${count} ${count === 1 ? 'patch' : 'patches'}: ${introduced} introduced${byPatches(s.steps, (x) => x.report.introduced)}, ` +
    `${fixed} fixed${byPatches(s.steps, (x) => x.report.fixed)}; ${plural(s.touched.length, 'file')} touched; ` +
    scopeWords(s.scope, first.before, last.after, { before: 'before the series', after: 'after it' });
  return [...out, [summary, ...uniqueLines(afters.map(runNotices))].join('\n')].join('\n\n') + '\n';
}

export interface SeriesSarifOptions extends Pick<SarifOptions, 'limits'> {
  /** Source text of each state of the tree. */
  textOf: StateText;
}

/** One run: each patch's introduced findings (baselineState `new`, lines of the tree after it) and fixed
 *  ones (`absent`, lines of the tree before it), in patch order, each with `properties.patch`. */
export function formatSeriesSarif(s: SeriesReport, options: SeriesSarifOptions): string {
  const results = s.steps.flatMap((step) => [
    ...step.report.introduced.map((x) => ({ x, step, state: 'new' as BaselineState, version: step.index })),
    ...step.report.fixed.map((x) => ({ x, step, state: 'absent' as BaselineState, version: step.index - 1 })),
  ]);
  const count = s.steps.length;
  const log = buildSarif({ findings: results.map((r) => r.x.finding), summary: s.steps[count - 1]!.report.after }, {
    root: s.root,
    limits: options.limits,
    fingerprints: results.map((r) => r.x.fingerprint),
    baselineStates: results.map((r) => r.state),
    readText: options.textOf(count),
    readTextOf: results.map((r) => options.textOf(r.version)),
    resultProperties: results.map((r) => ({ patch: { index: r.step.index, subject: r.step.subject } })),
    // The states the series passes through: each one's notices.
    moreSummaries: s.steps.slice(0, -1).map((step) => ({ summary: step.report.after, readText: options.textOf(step.index) })),
  });
  return JSON.stringify(log, null, 2) + '\n';
}
