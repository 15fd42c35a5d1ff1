// Analysing two versions of a tree over the same scope and matching their
// findings by fingerprint, each side fingerprinted against its own root (so a
// scratch copy in /tmp and the user's tree agree). Findings are then named by
// the user's tree: introduced ones at the new version's lines, fixed ones at
// the old version's.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { analyzeFiles } from '../run/analyze.js';
import type { AnalyzeOptions, AnalyzeResult, RunSummary } from '../run/types.js';
import type { Finding } from '../analysis/interpreter.js';
import type { ComparedFinding } from '../report/comparison.js';
import { fingerprintFindings } from '../report/fingerprint.js';
import { collectFiles, displayPath } from '../scan/collect.js';
import { InputError } from '../errors.js';

export interface SideResult {
  /** The version's root (the user's tree, or a scratch tree). */
  root: string;
  result: AnalyzeResult;
  /** Fingerprints of result.findings, relative to `root`. */
  fingerprints: string[];
}

export interface Compared {
  introduced: ComparedFinding[];
  fixed: ComparedFinding[];
  before: SideResult;
  after: SideResult;
  /** The sides' results with paths named by the user's tree. */
  beforeShown: RunSummary;
  afterShown: RunSummary;
  /** A user-tree path as the findings show it, to the file of a side (for reading its text). */
  sidePath: (side: 'before' | 'after', shown: string) => string;
}

const EMPTY_SUMMARY: RunSummary = {
  files: 0, filesParsed: 0, functions: 0, opaqueFunctions: 0, functionsWithParseErrors: [], functionsCut: [], unnamedFunctions: 0, skipped: [], latin1Files: [], userSpace: [], entryFactsNotApplied: [], notBuilt: [],
  analysis: { functionsAnalysed: 0, summaries: 0, precisionLost: [], overBudget: [], callsTooDeep: [], unknownCallees: 0, indirectCalls: 0 },
};

/** Analyses the scope's directories that exist in `root`.
 *  @param original the tree `root` is a scratch copy of (its links lead there) */
export async function analyseSide(root: string, dirs: readonly string[], options: AnalyzeOptions, original?: string): Promise<SideResult> {
  const inputs = dirs.map((d) => (d ? path.join(root, ...d.split('/')) : root)).filter((d) => existsSync(d));
  if (!inputs.length) return { root, result: { findings: [], summary: EMPTY_SUMMARY }, fingerprints: [] };
  const { files, skipped } = collectFiles(inputs, { all: true });
  const result = await analyzeFiles(files, { ...options, explicit: new Set(), roots: [root], linkedTrees: original === undefined ? [] : [original], skipped });
  return { root, result, fingerprints: fingerprintFindings(result.findings, { root }) };
}

/** A touched file one side could not analyse (binary, unreadable, not a regular
 *  file) would make the change look harmless: it is an error, never "nothing introduced".
 *  @throws InputError naming the change and the file */
export function refuseUnanalysed(change: string, touched: readonly string[], sides: readonly SideResult[]): void {
  const wanted = new Set(touched);
  for (const side of sides) {
    for (const k of side.result.summary.skipped) {
      if (k.include) continue; // the file was analysed, without what it includes from outside the tree
      const rel = path.relative(side.root, path.resolve(k.file)).split(path.sep).join('/');
      if (wanted.has(rel)) throw new InputError(change, `${rel} cannot be analysed (${k.reason}): the change cannot be checked`);
    }
  }
}

/** A path of one version, as the user's tree names it (relative to the cwd when inside it). */
function shownPath(sideRoot: string, userRoot: string, file: string): string {
  const rel = path.relative(sideRoot, path.resolve(file));
  if (rel.startsWith('..') || path.isAbsolute(rel)) return file;
  return displayPath(path.join(userRoot, rel));
}

/** Messages name locations too ("… at FILE:LINE"): those in a scratch tree are renamed.
 *  (Trace steps hold theirs as fields, in their events no path.) */
function showText(text: string, sideRoot: string, userRoot: string): string {
  const prefix = path.resolve(sideRoot) + path.sep;
  if (!text.includes(prefix)) return text;
  return text.replace(new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\s:,;()]+`, 'g'),
    (file) => shownPath(sideRoot, userRoot, file));
}

function showFinding(f: Finding, sideRoot: string, userRoot: string): Finding {
  const show = (file: string) => shownPath(sideRoot, userRoot, file);
  const text = (s: string) => showText(s, sideRoot, userRoot);
  return {
    ...f, file: show(f.file), message: text(f.message),
    trace: f.trace.map((t) => ({ ...t, file: show(t.file) })), notes: f.notes.map(text),
  };
}

export function showSummary(s: RunSummary, sideRoot: string, userRoot: string): RunSummary {
  const show = (file: string) => shownPath(sideRoot, userRoot, file);
  const showFunction = (p: string): string => {
    const colon = p.lastIndexOf(':');
    return colon > 0 ? `${show(p.slice(0, colon))}${p.slice(colon)}` : p;
  };
  return {
    ...s,
    functionsWithParseErrors: s.functionsWithParseErrors.map((p) => ({ ...p, file: show(p.file) })),
    functionsCut: s.functionsCut.map((p) => ({ ...p, file: show(p.file) })),
    skipped: s.skipped.map((k) => ({ ...k, file: show(k.file) })),
    latin1Files: s.latin1Files.map(show),
    analysis: {
      ...s.analysis,
      precisionLost: s.analysis.precisionLost.map(showFunction),
      overBudget: s.analysis.overBudget.map(showFunction),
      callsTooDeep: s.analysis.callsTooDeep.map(showFunction),
    },
  };
}

/** The findings `after` has and `before` has not (introduced), and the reverse (fixed). */
export function compareSides(before: SideResult, after: SideResult, userRoot: string): Compared {
  const beforeSet = new Set(before.fingerprints);
  const afterSet = new Set(after.fingerprints);
  const introduced = after.result.findings.flatMap((f, i) => (beforeSet.has(after.fingerprints[i]!) ? [] :
    [{ finding: showFinding(f, after.root, userRoot), fingerprint: after.fingerprints[i]! }]));
  const fixed = before.result.findings.flatMap((f, i) => (afterSet.has(before.fingerprints[i]!) ? [] :
    [{ finding: showFinding(f, before.root, userRoot), fingerprint: before.fingerprints[i]! }]));
  const sidePath = (side: 'before' | 'after', shown: string): string => {
    const rel = path.relative(userRoot, path.resolve(shown));
    if (rel.startsWith('..') || path.isAbsolute(rel)) return shown;
    return path.join(side === 'before' ? before.root : after.root, rel);
  };
  return {
    introduced, fixed, before, after, sidePath,
    beforeShown: showSummary(before.result.summary, before.root, userRoot),
    afterShown: showSummary(after.result.summary, after.root, userRoot),
  };
}
