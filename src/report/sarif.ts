// SARIF 2.1.0 for code-review UIs (GitHub code scanning and others): the rules'
// own metadata, one result per finding with its witness path as a code flow,
// fingerprints that survive unrelated edits, and notifications for what the run
// could not analyse. Output is deterministic: no timestamps, fixed key order.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnalyzeResult, RunSummary } from '../run/types.js';
import { MAX_CALL_DEPTH, type Finding } from '../analysis/interpreter.js';
import { stateAfter, type StateSnapshot } from '../analysis/state.js';
import { MAX_NESTING } from '../cfg/build.js';
import { MAX_FUNCTION_CHARS } from '../parser/parse.js';
import { RULES } from '../rules/index.js';
import type { RuleMeta } from '../rules/types.js';
import { FINGERPRINT_KEY, SourceLines, defaultReadText, fingerprintFindings, normaliseLine, relativeUri } from './fingerprint.js';
import { describeEvent, stateParts } from './describe.js';
import { helpMarkdown, helpText } from './help.js';
import { describeNotBuilt, describeSkipped } from './text.js';
import { levelOf } from './severity.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';

export const SARIF_VERSION = '2.1.0';
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
/** Where the tool and its rules are documented. */
export const INFORMATION_URI = 'https://github.com/eqscheck/eqscheck';
/** The uriBaseId that artifact URIs are relative to (the scan root). */
export const SRCROOT = '%SRCROOT%';
export { FINGERPRINT_KEY, normaliseLine };

/** GitHub code scanning stores at most this much of an upload (its "soft" limits;
 *  the hard limits at which it rejects a file are 25,000 results per run, 10,000
 *  thread-flow locations per result and 20 tags per rule). Beyond these we
 *  truncate ourselves, with a notification, rather than let data vanish silently. */
export const GITHUB_LIMITS = {
  resultsPerRun: 5000,
  threadFlowLocationsPerResult: 1000,
  tagsPerRule: 10,
} as const;

export interface SarifLimits {
  resultsPerRun: number;
  threadFlowLocationsPerResult: number;
  tagsPerRule: number;
}

export interface SarifOptions {
  /** The scan root: artifact URIs are relative to it (default: the current directory). */
  root?: string;
  limits?: Partial<SarifLimits>;
  /** Source text by path (as the findings name it); default: read the file. */
  readText?: (file: string) => string | undefined;
  /** Per finding, in order: its fingerprint, when computed elsewhere (the patch and
   *  diff modes fingerprint each side against its own tree). Default: computed here. */
  fingerprints?: readonly string[];
  /** Per finding, in order: its SARIF baselineState (`scan --baseline`, patch and diff modes). */
  baselineStates?: readonly BaselineState[];
  /** Source text for the findings whose baselineState is `absent`: the baseline's
   *  version of the file (default: readText). */
  readBaselineText?: (file: string) => string | undefined;
  /** Per finding, in order: the version of the source it names, when the findings come
   *  from several versions (a patch series); it overrides readText and readBaselineText. */
  readTextOf?: readonly ReadText[];
  /** Per finding, in order: more properties of its result (a patch series names the patch). */
  resultProperties?: readonly Record<string, unknown>[];
  /** Other versions analysed for this run (a patch series): their notifications too, each once. */
  moreSummaries?: readonly { summary: RunSummary; readText: ReadText }[];
}

type ReadText = (file: string) => string | undefined;

/** SARIF's result.baselineState: new (introduced), absent (fixed), unchanged. */
export type BaselineState = 'new' | 'absent' | 'unchanged';

// ---- the object model (the subset we write) -------------------------------------

interface Message { text: string; markdown?: string }
interface Region { startLine: number; startColumn: number; endLine: number; endColumn: number }
interface ArtifactLocation { uri: string; uriBaseId?: string; index?: number }
interface PhysicalLocation { artifactLocation: ArtifactLocation; region?: Region }
interface Location {
  id?: number;
  physicalLocation: PhysicalLocation;
  logicalLocations?: { name: string; kind: string }[];
  message?: Message;
}
interface ThreadFlowLocation {
  location: Location;
  nestingLevel: number;
  executionOrder: number;
  kinds?: string[];
  importance?: 'essential' | 'important' | 'unimportant';
  state?: Record<string, { text: string }>;
}
interface Notification {
  descriptor: { id: string; index: number };
  level: 'error' | 'warning' | 'note';
  message: Message;
  locations?: Location[];
}

// ---- notification descriptors ---------------------------------------------------

const NOTIFICATIONS = [
  {
    id: 'not-built', text: 'A file the build configuration does not compile was not analysed.',
    full: 'With --config (or kbuild\'s autoconf.h), a .c file whose every object its kbuild files list only under Kconfig symbols the configuration leaves unset (obj-$(CONFIG_X) += file.o with CONFIG_X not set) is not part of that kernel; it was not analysed. The message names the kbuild line.',
    help: 'Scan without --config, or with a configuration that sets the symbol, to analyse it.',
  },
  {
    id: 'skipped-file', text: 'A file could not be read as C source and was skipped.',
    full: 'A file found under a scanned directory is binary (contains NUL bytes), is not a regular file (a FIFO, a directory, a symbolic link), is larger than the size cap or could not be read, a header is not a regular file or too large, or an #include (or a header that is a symbolic link, or a directory of the default scope that is one) leads outside the tree; it was skipped. A file named on the command line that cannot be read is an error instead.',
    help: 'Exclude the file from the scan, or fix its permissions.',
  },
  {
    id: 'function-not-fully-parsed', text: 'A function had syntax the parser could not read; it was analysed as far as possible.',
    full: 'The parser recovered from a syntax error inside the function (usually a macro that does not look like C). Paths through the unparsed part are not analysed, so findings there may be missed.',
    help: 'Check the function for unusual macros; -D NAME can select a readable #ifdef arm.',
  },
  {
    id: 'function-cut', text: 'Some functions were analysed only in part, or not at all: too deep or too large.',
    full: `So that no input can exhaust the stack or the memory, statements and expressions nested more than ${MAX_NESTING.toLocaleString('en-US')} levels inside one another are not looked into (such a construct is taken to do nothing, and paths through it may be missed), and a function whose body is larger than ${MAX_FUNCTION_CHARS / 1048576} MB is not analysed (it is taken to do nothing, and nothing is reported from it).`,
    help: 'Report the function if it is real code: no kernel function comes near either bound.',
  },
  {
    id: 'unnamed-function', text: 'Function definitions whose name could not be parsed were not analysed.',
    full: 'A function definition whose declarator the parser could not read (typically a macro that builds the name) has no name to analyse it under, so it was not analysed.',
    help: 'Nothing to do unless the function matters for guest entry; then report the construct.',
  },
  {
    id: 'latin1-file', text: 'A file that is not valid UTF-8 was read as Latin-1.',
    full: 'The file is not valid UTF-8 (kernel trees have Latin-1 comments); it was decoded byte for byte so that lines and columns stay exact.',
    help: 'Nothing to do: locations in the file are still right.',
  },
  {
    id: 'entry-fact-not-applied', text: 'An entry fact was not applied: the scanned tree does not show what it cites.',
    full: 'An entry fact says how assembly enters a C function (models/kernel-entry-facts.json ships the ones the kernel\'s own assembly shows). It is applied only where the tree holds what it cites: the function defined in the C file it names, the cited assembly present with the cited instructions. Otherwise the function is analysed with the entry state inferred from its C, and findings that depend on the fact are missed.',
    help: 'Check whether the tree still enters the function that way; update the fact (or your --model file) to the tree\'s files.',
  },
  {
    id: 'over-budget', text: 'Some functions were too large to analyse within the budget: nothing is reported from them.',
    full: 'The analysis of a function stops after a fixed amount of work (block visits), so that no input can make a run hang. A function that reached it was not fully analysed, and no finding is reported from it.',
    help: 'Report the function: the budget may be too small for it.',
  },
  {
    id: 'calls-too-deep', text: 'Some call chains were deeper than the analysis follows; the calls below were taken to do nothing.',
    full: 'Calls are followed to a fixed depth from the function an analysis starts in. A call below it is taken to change no state and to return, and paths that depend on it may be missed.',
    help: 'Nothing to do unless the call chain matters for an EQS window; then report it.',
  },
  {
    id: 'precision-lost', text: 'States were joined in some functions, so findings there may be missed.',
    full: 'A function had more distinct abstract states at one point than the analysis keeps; they were joined, and paths in the joined state are not reported.',
    help: 'Nothing to do; the functions are named in the message.',
  },
  {
    id: 'results-truncated', text: 'The run had more results than GitHub code scanning stores; the least severe were left out.',
    full: 'GitHub code scanning stores at most 5,000 results per run. eqscheck kept the most severe results (errors first) and left the rest out of the SARIF file.',
    help: 'Scan fewer directories per upload, or read all findings with --format json.',
  },
  {
    id: 'code-flow-truncated', text: 'A witness path had more steps than GitHub code scanning stores; its middle was shortened.',
    full: 'GitHub code scanning stores at most 1,000 thread-flow locations per result. The first steps (from the cause) and the last steps (to the reported location) were kept.',
    help: 'Read the whole path with --format text or --format json.',
  },
] as const;
type NotificationId = (typeof NOTIFICATIONS)[number]['id'];

function notification(id: NotificationId, level: Notification['level'], text: string, locations?: Location[]): Notification {
  const n: Notification = { descriptor: { id, index: NOTIFICATIONS.findIndex((d) => d.id === id) }, level, message: { text } };
  if (locations?.length) n.locations = locations;
  return n;
}

// ---- rules -------------------------------------------------------------------------

function reportingDescriptor(rule: RuleMeta, limits: SarifLimits) {
  return {
    id: rule.id,
    name: rule.name,
    shortDescription: { text: rule.shortDescription },
    fullDescription: { text: rule.fullDescription },
    defaultConfiguration: { level: rule.defaultSeverity },
    helpUri: `${INFORMATION_URI}#rules`,
    help: { text: helpText(rule), markdown: helpMarkdown(rule) },
    properties: { precision: rule.precision, tags: rule.tags.slice(0, limits.tagsPerRule) },
  };
}

// ---- locations ---------------------------------------------------------------------

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The end column (exclusive, 1-based) of the token or call that starts at
 *  `column`: an identifier with its argument list when that closes on the same
 *  line, `return …;`, or one character. Column 1 (a function's own line, for the
 *  synthetic "entered" step) covers the whole line. */
export function endColumnOf(lineText: string | undefined, column: number): number {
  if (lineText === undefined || column > lineText.length) return column + 1;
  if (column === 1) return Math.max(lineText.trimEnd().length + 1, 2);
  const rest = lineText.slice(column - 1);
  const ident = IDENT.exec(rest);
  if (!ident) return column + 1;
  let end = ident[0].length;
  if (ident[0] === 'return') {
    const semi = rest.indexOf(';', end);
    return column + (semi >= 0 ? semi + 1 : end);
  }
  let i = end;
  while (rest[i] === ' ' || rest[i] === '\t') i++;
  if (rest[i] === '(') {
    let depth = 0;
    for (let j = i; j < rest.length; j++) {
      const c = rest[j];
      if (c === '"' || c === "'") {
        // Skip a string or character literal.
        for (j++; j < rest.length && rest[j] !== c; j++) if (rest[j] === '\\') j++;
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) { end = j + 1; break; }
    }
  }
  return column + end;
}

// ---- thread-flow state -------------------------------------------------------------

/** threadFlowLocation.state: the resources after the step, named as the text names them. */
function flowState(after: StateSnapshot): Record<string, { text: string }> {
  return Object.fromEntries(stateParts(after).map(([name, value]) => [name, { text: value }]));
}

// ---- the log -----------------------------------------------------------------------

const LEVEL_RANK = { error: 0, warning: 1, note: 2 } as const;

export function buildSarif(result: AnalyzeResult, options: SarifOptions = {}) {
  const limits: SarifLimits = { ...GITHUB_LIMITS, ...options.limits };
  const root = path.resolve(options.root ?? process.cwd());
  const sources = new SourceLines(options.readText ?? defaultReadText);
  const baselineSources = options.readBaselineText ? new SourceLines(options.readBaselineText) : sources;
  const rootUri = pathToFileURL(root).href.replace(/\/?$/, '/');

  const artifactLocation = (file: string): ArtifactLocation => {
    const { uri, relative } = relativeUri(root, file);
    return relative ? { uri, uriBaseId: SRCROOT } : { uri };
  };
  const region = (file: string, line: number, column: number, text: SourceLines = sources): Region => {
    const startLine = Math.max(1, line);
    const startColumn = Math.max(1, column);
    return { startLine, startColumn, endLine: startLine, endColumn: endColumnOf(text.line(file, startLine), startColumn) };
  };
  const physical = (file: string, line: number, column: number, text: SourceLines = sources): PhysicalLocation =>
    ({ artifactLocation: artifactLocation(file), region: region(file, line, column, text) });

  const notifications: Notification[] = [];

  // Fingerprints: the finding's identity without line numbers, numbered among
  // equals over every finding (before any are left out below).
  const fingerprints = options.fingerprints ?? fingerprintFindings(result.findings, { root, sources });
  const states = options.baselineStates;
  const linesOf = new Map<ReadText, SourceLines>();
  const versionOf = (read: ReadText | undefined): SourceLines | undefined => {
    if (!read) return undefined;
    if (!linesOf.has(read)) linesOf.set(read, new SourceLines(read));
    return linesOf.get(read)!;
  };
  const extra = new Map(result.findings.map((f, i) => [f, {
    fingerprint: fingerprints[i]!, state: states?.[i], text: versionOf(options.readTextOf?.[i]), properties: options.resultProperties?.[i],
  }]));

  // Results beyond the limit: keep the most severe, in report order.
  let findings = result.findings;
  if (findings.length > limits.resultsPerRun) {
    const keep = new Set(findings.map((f, i) => ({ f, i }))
      .sort((a, b) => LEVEL_RANK[levelOf(a.f.severity)] - LEVEL_RANK[levelOf(b.f.severity)] || a.i - b.i)
      .slice(0, limits.resultsPerRun).map((x) => x.f));
    notifications.push(notification('results-truncated', 'warning',
      `${findings.length} results, more than the ${limits.resultsPerRun} that GitHub code scanning stores per run: ` +
      `the ${findings.length - limits.resultsPerRun} least severe were left out of this file (--format json has them all)`));
    findings = findings.filter((f) => keep.has(f));
  }

  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  const artifactFiles: string[] = [];
  const artifactIndex = new Map<string, number>();
  let truncatedFlows = 0;

  const results = findings.map((f) => {
    const { fingerprint, state, text: version, properties } = extra.get(f)!;
    const text = version ?? (state === 'absent' ? baselineSources : sources);
    if (!artifactIndex.has(f.file)) { artifactIndex.set(f.file, artifactFiles.length); artifactFiles.push(f.file); }
    const loc = physical(f.file, f.line, f.column, text);
    loc.artifactLocation.index = artifactIndex.get(f.file)!;
    const steps = threadFlowSteps(f);
    const flow = steps.map((t, i): ThreadFlowLocation => {
      const tfl: ThreadFlowLocation = {
        location: { physicalLocation: physical(t.file, t.line, t.column, text), message: { text: t.message } },
        nestingLevel: t.depth,
        executionOrder: i + 1,
      };
      if (i === 0 || i === steps.length - 1) tfl.importance = 'essential';
      if (t.after) tfl.state = flowState(t.after);
      return tfl;
    });
    const locations = truncateFlow(flow, limits.threadFlowLocationsPerResult);
    if (locations.length < flow.length) truncatedFlows++;
    const cause = f.trace.length ? steps[0] : undefined;
    const out: Record<string, unknown> = {
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId) ?? -1,
      level: levelOf(f.severity),
      message: { text: f.message },
      locations: [{ physicalLocation: loc, logicalLocations: [{ name: f.function, kind: 'function' }] }],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint },
    };
    if (state) out['baselineState'] = state;
    // The cause first (id 1), then the defect's other places.
    const related = [...(cause ? [cause] : []), ...(f.related ?? [])];
    if (related.length) {
      out['relatedLocations'] = related.map((r, i) => ({ id: i + 1, physicalLocation: physical(r.file, r.line, r.column, text), message: { text: r.message } }));
    }
    out['codeFlows'] = [{
      message: { text: `witness path in ${f.function}()${cause ? `, from: ${cause.message}` : ''}` },
      threadFlows: [{ locations }],
    }];
    if (f.notes.length || properties) out['properties'] = { ...(f.notes.length ? { notes: f.notes } : {}), ...properties };
    return out;
  });
  if (truncatedFlows) {
    notifications.push(notification('code-flow-truncated', 'note',
      `the paths of ${truncatedFlows} result(s) had more than the ${limits.threadFlowLocationsPerResult} steps that GitHub code scanning ` +
      'stores per result: their middle steps were left out (--format json has them all)'));
  }

  // What each version analysed could not analyse fully; the same notice of two versions once.
  const seen = new Set<string>();
  const versions = [{ summary: result.summary, text: sources }, ...(options.moreSummaries ?? []).map((v) => ({ summary: v.summary, text: versionOf(v.readText)! }))];
  versions.forEach(({ summary, text }, v) => {
    for (const n of summaryNotifications(summary, { physical: (file, line, column) => physical(file, line, column, text), artifact: artifactLocation })) {
      const key = JSON.stringify(n);
      if (v > 0 && seen.has(key)) continue;
      seen.add(key);
      notifications.push(n);
    }
  });

  const latin1 = new Set(versions.flatMap((v) => v.summary.latin1Files));
  const invocation: Record<string, unknown> = { executionSuccessful: true };
  if (notifications.length) invocation['toolExecutionNotifications'] = notifications;

  return {
    $schema: SARIF_SCHEMA_URI,
    version: SARIF_VERSION,
    runs: [{
      tool: {
        driver: {
          name: TOOL_NAME,
          version: TOOL_VERSION,
          semanticVersion: TOOL_VERSION,
          informationUri: INFORMATION_URI,
          rules: RULES.map((r) => reportingDescriptor(r, limits)),
          notifications: NOTIFICATIONS.map((n) => ({
            id: n.id, shortDescription: { text: n.text }, fullDescription: { text: n.full }, help: { text: n.help },
          })),
        },
      },
      invocations: [invocation],
      originalUriBaseIds: { [SRCROOT]: { uri: rootUri } },
      artifacts: artifactFiles.map((file) => {
        const a: Record<string, unknown> = { location: artifactLocation(file), sourceLanguage: 'c' };
        if (latin1.has(file)) a['encoding'] = 'iso-8859-1';
        return a;
      }),
      results,
      defaultEncoding: 'utf-8',
      defaultSourceLanguage: 'c',
      columnKind: 'utf16CodeUnits',
    }],
  };
}

/** The notifications of what one analysed version could not analyse fully. */
function summaryNotifications(s: RunSummary, at: {
  physical: (file: string, line: number, column: number) => PhysicalLocation; artifact: (file: string) => ArtifactLocation;
}): Notification[] {
  const notifications: Notification[] = [];
  const { physical, artifact: artifactLocation } = at;
  for (const n of s.notBuilt) {
    notifications.push(notification('not-built', 'note', describeNotBuilt(n), [{ physicalLocation: { artifactLocation: artifactLocation(n.file) } }]));
  }
  for (const k of s.skipped) {
    notifications.push(notification('skipped-file', 'warning', describeSkipped(k),
      [{ physicalLocation: { artifactLocation: artifactLocation(k.file) } }]));
  }
  for (const p of s.functionsWithParseErrors) {
    notifications.push(notification('function-not-fully-parsed', 'warning',
      `${p.function}() in ${p.file} was not fully parsed; it was analysed as far as possible`,
      [{ physicalLocation: physical(p.file, p.line, 1) }]));
  }
  for (const p of s.functionsCut) {
    notifications.push(notification('function-cut', 'warning', `${p.function}() in ${p.file}: ${p.reason}`,
      [{ physicalLocation: physical(p.file, p.line, 1) }]));
  }
  if (s.unnamedFunctions) {
    notifications.push(notification('unnamed-function', 'warning',
      `${s.unnamedFunctions} function definition(s) whose name could not be parsed were not analysed`));
  }
  for (const file of s.latin1Files) {
    notifications.push(notification('latin1-file', 'note', `${file} is not valid UTF-8 and was read as Latin-1`,
      [{ physicalLocation: { artifactLocation: artifactLocation(file) } }]));
  }
  for (const f of s.entryFactsNotApplied) {
    notifications.push(notification('entry-fact-not-applied', 'warning', `entry fact of ${f.name}() (${f.source}) not applied: ${f.reason}`));
  }
  if (s.analysis.overBudget.length) {
    notifications.push(notification('over-budget', 'warning',
      `${s.analysis.overBudget.length} function(s) too large to analyse within the budget, nothing reported from them: ${s.analysis.overBudget.join(', ')}`));
  }
  if (s.analysis.callsTooDeep.length) {
    notifications.push(notification('calls-too-deep', 'note',
      `calls deeper than ${MAX_CALL_DEPTH} levels not followed (taken to do nothing) from: ${s.analysis.callsTooDeep.join(', ')}`));
  }
  if (s.analysis.precisionLost.length) {
    notifications.push(notification('precision-lost', 'note',
      `precision lost to state joins in ${s.analysis.precisionLost.length} function(s): ${s.analysis.precisionLost.join(', ')}`));
  }
  return notifications;
}

/** One location of a code flow: where, at which call depth, its words, and the state after it. */
export interface FlowStep {
  file: string;
  line: number;
  column: number;
  depth: number;
  message: string;
  after?: StateSnapshot;
}

/** The code flow of a finding: its trace, cause first; when the trace ends inside
 *  a callee (the finding is reported at the call that put the callee in its
 *  state), a last step returns to the reported location. */
export function threadFlowSteps(f: Finding): FlowStep[] {
  const steps: FlowStep[] = f.trace.length ?
    f.trace.map((t) => ({ file: t.file, line: t.line, column: t.column, depth: t.depth, message: describeEvent(t.event), after: stateAfter(t.event) })) :
    [{ file: f.file, line: f.line, column: f.column, message: f.message, depth: 0 }];
  const last = steps[steps.length - 1]!;
  if (last.file !== f.file || last.line !== f.line || last.column !== f.column || last.depth !== 0) {
    const here = [...steps].reverse().find((t) => t.depth === 0 && t.file === f.file && t.line === f.line && t.column === f.column);
    steps.push({ file: f.file, line: f.line, column: f.column, depth: 0, message: `reported here: ${here ? here.message : f.message}`, after: here?.after });
  }
  return steps;
}

/** At most `max` locations: the first and the last are kept (the cause and the
 *  reported location), the middle is shortened with a marker step. */
function truncateFlow(flow: ThreadFlowLocation[], limit: number): ThreadFlowLocation[] {
  const max = Math.max(3, limit);
  if (flow.length <= max) return flow;
  const keepHead = Math.max(1, Math.floor((max - 1) / 2));
  const keepTail = Math.max(1, max - 1 - keepHead);
  const head = flow.slice(0, keepHead);
  const tail = flow.slice(flow.length - keepTail);
  const next = tail[0]!;
  const marker: ThreadFlowLocation = {
    location: { physicalLocation: next.location.physicalLocation, message: { text: `… ${flow.length - keepHead - keepTail} steps omitted` } },
    nestingLevel: next.nestingLevel,
    executionOrder: next.executionOrder - 1,
    importance: 'unimportant',
  };
  return [...head, marker, ...tail];
}

export function formatSarif(result: AnalyzeResult, options: SarifOptions = {}): string {
  return JSON.stringify(buildSarif(result, options), null, 2) + '\n';
}
