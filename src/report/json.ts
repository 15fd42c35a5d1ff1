// The JSON report: a stable schema (version 1). Keys are written in a fixed order.
// Each finding carries its fingerprint (the one SARIF's partialFingerprints holds),
// which `scan --baseline` reads back.
import type { AnalyzeResult, RunSummary } from '../run/types.js';
import type { Finding } from '../analysis/interpreter.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { describeEvent } from './describe.js';
import { countBySeverity } from './severity.js';
import type { ComparisonReport } from './comparison.js';
import { seriesCounts, type SeriesReport } from './series.js';
import { fingerprintFindings, type FingerprintOptions } from './fingerprint.js';

export interface JsonOptions extends FingerprintOptions {
  /** Per finding, in order, when computed elsewhere; default: computed (relative to `root`). */
  fingerprints?: readonly string[];
  /** `scan --baseline`: the baseline file and how many findings it matched (not reported). */
  baseline?: { file: string; matched: number };
}

export function findingJson(f: Finding, fingerprint: string) {
  return {
    ruleId: f.ruleId, severity: f.severity, file: f.file, line: f.line, column: f.column, function: f.function,
    // Generic code's findings: the arch whose kernel runs the path.
    ...(f.arch ? { arch: f.arch } : {}),
    message: f.message,
    trace: f.trace.map((t) => ({ file: t.file, line: t.line, column: t.column, message: describeEvent(t.event), depth: t.depth })),
    notes: f.notes,
    related: f.related ?? [],
    fingerprint,
  };
}

export function summaryJson(s: RunSummary) {
  return {
    files: s.files,
    filesParsed: s.filesParsed,
    functions: s.functions,
    functionsSkipped: s.opaqueFunctions,
    functionsNotFullyParsed: s.functionsWithParseErrors,
    functionsCut: s.functionsCut,
    unnamedFunctions: s.unnamedFunctions,
    skippedFiles: s.skipped,
    latin1Files: s.latin1Files,
    entryFactsNotApplied: s.entryFactsNotApplied,
    notBuiltByConfiguration: s.notBuilt,
    precisionLost: s.analysis.precisionLost,
    overBudget: s.analysis.overBudget,
    callsTooDeep: s.analysis.callsTooDeep,
    unknownCallees: s.analysis.unknownCallees,
    indirectCalls: s.analysis.indirectCalls,
  };
}

export function formatJson(result: AnalyzeResult, options: JsonOptions = {}): string {
  const fingerprints = options.fingerprints ?? fingerprintFindings(result.findings, options);
  // Counted by severity: notes (latent, handled) do not fail a scan by default.
  const summary: Record<string, unknown> = { findings: { total: result.findings.length, ...countBySeverity(result.findings) }, ...summaryJson(result.summary) };
  if (options.baseline) summary['baseline'] = options.baseline;
  const report = {
    version: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    findings: result.findings.map((f, i) => findingJson(f, fingerprints[i]!)),
    summary,
  };
  return JSON.stringify(report, null, 2) + '\n';
}

/** A comparison's `introduced`, `fixed` and `summary`. */
function comparisonJson(c: ComparisonReport) {
  return {
    introduced: c.introduced.map((x) => findingJson(x.finding, x.fingerprint)),
    fixed: c.fixed.map((x) => findingJson(x.finding, x.fingerprint)),
    summary: {
      introduced: c.introduced.length,
      fixed: c.fixed.length,
      from: c.from,
      to: c.to,
      touchedFiles: c.touched,
      scope: c.scope,
      before: summaryJson(c.before),
      after: summaryJson(c.after),
    },
  };
}

/** The patch and diff modes: `{version, tool, mode, introduced, fixed, summary}`. */
export function formatComparisonJson(c: ComparisonReport): string {
  const report = { version: 1, tool: { name: TOOL_NAME, version: TOOL_VERSION }, mode: c.mode, ...comparisonJson(c) };
  return JSON.stringify(report, null, 2) + '\n';
}

/** `patch --each`: `{version, tool, mode, patches: [{index, subject, introduced, fixed, summary}], summary}`,
 *  each patch's part as a single patch's report (compared with the tree after the patches before it). */
export function formatSeriesJson(s: SeriesReport): string {
  const report = {
    version: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    mode: 'patch',
    patches: s.steps.map((step) => ({ index: step.index, subject: step.subject, ...comparisonJson(step.report) })),
    summary: {
      patches: s.steps.length,
      ...seriesCounts(s),
      touchedFiles: s.touched,
      scope: s.scope,
    },
  };
  return JSON.stringify(report, null, 2) + '\n';
}
