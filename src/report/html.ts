// The HTML report: a directory a reviewer opens in a browser, offline. index.html
// lists the findings (sortable, filterable); finding-N.html (N: the finding's
// place in the report's order, so names are stable) shows one finding: its notes,
// its path step by step, and the source of every function the path runs through
// with the steps numbered beside their lines, the state after each, and links
// into the callee a step enters and back to the call. The words are describe.ts's
// (the text, JSON and SARIF reports say the same); every byte of the scanned files
// is escaped, and the same input gives the same bytes (no dates, no random ids).
import type { Finding } from '../analysis/interpreter.js';
import { stateAfter } from '../analysis/state.js';
import { archOf } from '../kernel/paths.js';
import type { AnalyzeResult } from '../run/types.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { comparisonHeadings, comparisonSummaryLine, type ComparisonReport } from './comparison.js';
import { describeEvent, stateParts, statePhrase } from './describe.js';
import { defaultReadText } from './fingerprint.js';
import { INDEX_SCRIPT, STYLE } from './html-assets.js';
import { SEVERITIES, levelOf } from './severity.js';
import { enclosingExtent, functionExtents, type Extent } from './source-extents.js';
import { countFindings, plural, runNotices, summaryLine } from './text.js';
import { pathSteps, type PathStep } from './witness-path.js';

/** The report's files by name, index.html first: each a whole page. */
export type HtmlReport = ReadonlyMap<string, string>;

const GENERATOR_MARK = `<meta name="generator" content="${TOOL_NAME} `;

/** Whether an index.html is an eqscheck report's (a directory holding one may be written over). */
export function isHtmlReportIndex(text: string): boolean {
  return text.includes(GENERATOR_MARK);
}

type Change = 'introduced' | 'fixed';

interface ReportedFinding {
  finding: Finding;
  /** Patch and diff reports: what the change does to it. */
  change?: Change;
}

interface Site {
  title: string;
  /** Above the index: what the report holds. */
  summary: string[];
  /** Below it: what the run could not fully analyse. */
  notices: string[];
  findings: ReportedFinding[];
  /** A file's text in the version the finding was found in. */
  readText: (file: string, change: Change | undefined) => string | undefined;
}

export interface HtmlOptions {
  /** Source text by the path the findings name (default: read from disk). */
  readText?: (file: string) => string | undefined;
  /** `scan --baseline`: how many findings the baseline matched (not shown). */
  baselineMatched?: number;
}

export function formatHtml(result: AnalyzeResult, options: HtmlOptions = {}): HtmlReport {
  const read = options.readText ?? defaultReadText;
  return buildSite({
    title: `${TOOL_NAME} report: ${plural(result.findings.length, 'finding')}`,
    summary: [summaryLine(result, options.baselineMatched)],
    notices: runNotices(result.summary),
    findings: result.findings.map((finding) => ({ finding })),
    readText: (file) => read(file),
  });
}

/** Patch and diff reports: introduced findings read the new version's text, fixed ones the old one's. */
export function formatComparisonHtml(c: ComparisonReport, sources: { readText: (file: string) => string | undefined; readBaselineText: (file: string) => string | undefined }): HtmlReport {
  const h = comparisonHeadings(c);
  return buildSite({
    title: `${TOOL_NAME} ${c.mode} report: ${c.introduced.length} introduced, ${c.fixed.length} fixed`,
    summary: [
      `${h.introduced}: ${c.introduced.length ? countFindings(c.introduced.map((x) => x.finding)) : 'none'}`,
      `${h.fixed}: ${c.fixed.length ? countFindings(c.fixed.map((x) => x.finding)) : 'none'}`,
      comparisonSummaryLine(c),
    ],
    notices: runNotices(c.after),
    findings: [
      ...c.introduced.map((x) => ({ finding: x.finding, change: 'introduced' as const })),
      ...c.fixed.map((x) => ({ finding: x.finding, change: 'fixed' as const })),
    ],
    readText: (file, change) => (change === 'fixed' ? sources.readBaselineText(file) : sources.readText(file)),
  });
}

/** The page of the finding at `index` (0-based) of the report's order. */
export function findingPageName(index: number): string {
  return `finding-${index + 1}.html`;
}

function buildSite(site: Site): HtmlReport {
  const files = new Map<string, string>([['index.html', indexPage(site)]]);
  const sources = new SourceFiles(site.readText);
  site.findings.forEach((_, i) => files.set(findingPageName(i), findingPage(site, i, sources)));
  return files;
}

// ---- escaping --------------------------------------------------------------

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element or a quoted attribute. Control characters other than tab and
 *  newline (which HTML shows as nothing, or refuses) are shown as their pictures (U+24xx). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => String.fromCharCode(c === '\x7f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
}

function page(title: string, body: string, script = ''): string {
  return '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `${GENERATOR_MARK}${escapeHtml(TOOL_VERSION)}">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    // No request leaves the page: scripts and styles are inline, nothing else loads.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">\n` +
    `<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${body}` +
    (script ? `<script>${script}</script>\n` : '') + '</body>\n</html>\n';
}

// ---- the index ---------------------------------------------------------------

/** Shown for a finding outside every arch/ directory and not qualified by one. */
const NO_ARCH = '\u2014';

/** The arch a finding's path runs in: the one qualifying generic code, or the file's. */
function archOfFinding(f: Finding): string {
  return f.arch ?? archOf(f.file) ?? '';
}

interface Column {
  head: string;
  /** `sort`: the value sorted and filtered by; `label`: its words in the column's select. */
  cell: (r: ReportedFinding, i: number) => { html: string; sort?: string; label?: string };
  numeric?: boolean;
  /** Offer a select of the column's values. */
  filter?: boolean;
}

function columns(site: Site): Column[] {
  const cols: Column[] = [
    { head: '#', numeric: true, cell: (_, i) => ({ html: `<a href="${findingPageName(i)}">${i + 1}</a>`, sort: String(i + 1) }) },
  ];
  if (site.findings.some((r) => r.change)) {
    cols.push({ head: 'change', filter: true, cell: (r) => ({ html: changeBadge(r.change), sort: r.change ?? '', label: r.change }) });
  }
  cols.push(
    { head: 'severity', numeric: true, filter: true, cell: (r) => {
      const level = levelOf(r.finding.severity);
      return { html: levelBadge(level), sort: String(SEVERITIES.indexOf(level)), label: level };
    } },
    { head: 'rule', filter: true, cell: (r) => ({ html: `<code>${escapeHtml(r.finding.ruleId)}</code>`, sort: r.finding.ruleId, label: r.finding.ruleId }) },
    { head: 'arch', filter: true, cell: (r) => {
      const arch = archOfFinding(r.finding) || NO_ARCH;
      return { html: escapeHtml(arch), sort: arch, label: arch };
    } },
    { head: 'file', cell: (r) => ({ html: `<span class="mono">${escapeHtml(`${r.finding.file}:${r.finding.line}`)}</span>`, sort: `${r.finding.file}\t${String(r.finding.line).padStart(9, '0')}` }) },
    { head: 'function', cell: (r) => ({ html: `<code>${escapeHtml(r.finding.function)}()</code>`, sort: r.finding.function }) },
    { head: 'message', cell: (r, i) => ({ html: `<a href="${findingPageName(i)}">${escapeHtml(r.finding.message)}</a>` }) },
  );
  return cols;
}

function indexPage(site: Site): string {
  const cols = columns(site);
  const cells = site.findings.map((r, i) => cols.map((c) => c.cell(r, i)));
  const filters = cols.map((c, k) => {
    if (!c.filter) return '';
    const options = new Map<string, string>();
    for (const row of cells) options.set(row[k]!.sort ?? '', row[k]!.label ?? '');
    const sorted = [...options].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `<label>${escapeHtml(c.head)} <select data-column="${k}"><option value="">all</option>` +
      sorted.map(([value, label]) => `<option value="${escapeHtml(value)}">${escapeHtml(label)}</option>`).join('') + '</select></label>';
  }).filter(Boolean);
  const rows = cells.map((row, i) => `<tr data-index="${i}">` +
    row.map((c) => `<td${c.sort !== undefined ? ` data-sort="${escapeHtml(c.sort)}"` : ''}>${c.html}</td>`).join('') + '</tr>\n').join('');
  const body = `<h1>${escapeHtml(site.title)}</h1>\n` +
    site.summary.map((l) => `<p class="summary">${escapeHtml(l)}</p>\n`).join('') +
    (site.findings.length ? `<div class="filters"><input id="filter-text" type="search" placeholder="filter: any text of a row" aria-label="filter">` +
      `${filters.join('')}<span id="shown" class="summary"></span></div>\n` +
      `<table id="findings">\n<thead><tr>${cols.map((c) => `<th${c.numeric ? ' data-numeric' : ''}>${escapeHtml(c.head)}</th>`).join('')}</tr></thead>\n` +
      `<tbody>\n${rows}</tbody>\n</table>\n` : '') +
    (site.notices.length ? `<h2>Not fully analysed</h2>\n<pre class="mono">${site.notices.map(escapeHtml).join('\n')}</pre>\n` : '');
  return page(site.title, body, site.findings.length ? INDEX_SCRIPT : '');
}

function levelBadge(level: string): string {
  return `<span class="level level-${level}">${level}</span>`;
}

function changeBadge(change: Change | undefined): string {
  return change ? `<span class="change change-${change}">${change}</span>` : '';
}

// ---- source files --------------------------------------------------------------

interface SourceFile {
  lines: string[];
  extents: Extent[];
}

/** Each file read and parsed once per report (per version, for patch and diff reports). */
class SourceFiles {
  private readonly files = new Map<string, SourceFile | null>();
  constructor(private readonly read: Site['readText']) {}

  get(file: string, change: Change | undefined): SourceFile | null {
    const key = `${change ?? ''}\0${file}`;
    let source = this.files.get(key);
    if (source === undefined) {
      const text = this.read(file, change);
      if (text === undefined) source = null;
      else {
        const lines = text.split(/\r\n|\n|\r/);
        source = { lines, extents: functionExtents(file, text, lines) };
      }
      this.files.set(key, source);
    }
    return source;
  }
}

// ---- a finding's page ------------------------------------------------------------

/** Lines shown around the steps of a function whose extent the parser could not give. */
const CONTEXT_LINES = 3;

/** One function's source on the page, with the steps that run in it. */
interface Listing {
  file: string;
  name: string;
  /** 1-based, inclusive; null: the file could not be read, or has no such line (changed since the scan). */
  range: [number, number] | null;
  lines: string[] | null;
  /** The range is the steps' lines (no definition encloses them): shown with some context. */
  approximate: boolean;
  steps: number[];
}

/** The functions a path runs through, in the order the path first reaches them. */
function listings(f: Finding, change: Change | undefined, steps: PathStep[], sources: SourceFiles): Listing[] {
  const byKey = new Map<string, Listing>();
  for (const s of steps) {
    const t = f.trace[s.index]!;
    const source = sources.get(t.file, change);
    const placed = source !== null && t.line >= 1 && t.line <= source.lines.length;
    const extent = placed ? enclosingExtent(source.extents, t.line) : undefined;
    const key = extent ? `${t.file}\0${extent.start}` : `${t.file}\0${placed ? 'near' : 'unread'}\0${s.functionName}`;
    let listing = byKey.get(key);
    if (!listing) {
      listing = {
        file: t.file, name: extent?.name ?? s.functionName, lines: placed ? source.lines : null,
        range: extent ? [extent.start, extent.end] : placed ? [t.line, t.line] : null, approximate: !extent, steps: [],
      };
      byKey.set(key, listing);
    }
    listing.steps.push(s.index);
    if (listing.range && listing.approximate) {
      listing.range = [Math.min(listing.range[0], t.line), Math.max(listing.range[1], t.line)];
    }
  }
  for (const l of byKey.values()) {
    if (l.range && l.lines && l.approximate) {
      l.range = [Math.max(1, l.range[0] - CONTEXT_LINES), Math.min(l.lines.length, l.range[1] + CONTEXT_LINES)];
    }
  }
  return [...byKey.values()];
}

function findingPage(site: Site, i: number, sources: SourceFiles): string {
  const { finding: f, change } = site.findings[i]!;
  const level = levelOf(f.severity);
  const steps = pathSteps(f);
  const shown = listings(f, change, steps, sources);
  // The related locations (a window's other offending calls) a listing shows: each in the first that does.
  const alsoIn = new Map<number, number>();
  (f.related ?? []).forEach((r, k) => {
    const at = shown.findIndex((l) => inListing(l, r.file, r.line));
    if (at >= 0) alsoIn.set(k, at);
  });
  const nav = `<nav><a href="index.html">all findings</a>` +
    (i > 0 ? `<a href="${findingPageName(i - 1)}">&larr; previous</a>` : '') +
    (i + 1 < site.findings.length ? `<a href="${findingPageName(i + 1)}">next &rarr;</a>` : '') +
    `<span>finding ${i + 1} of ${site.findings.length}</span></nav>\n`;
  const arch = archOfFinding(f);
  const facts = `<dl class="facts">` +
    `<dt>rule</dt><dd><code>${escapeHtml(f.ruleId)}</code></dd>` +
    `<dt>at</dt><dd><span class="mono">${escapeHtml(`${f.file}:${f.line}:${f.column}`)}</span> in <code>${escapeHtml(f.function)}()</code></dd>` +
    (arch ? `<dt>arch</dt><dd>${escapeHtml(arch)}</dd>` : '') +
    (change ? `<dt>change</dt><dd>${changeBadge(change)}</dd>` : '') +
    `</dl>\n`;
  const notes = f.notes.length || f.related?.length
    ? `<div class="notes">` +
      (f.notes.length ? `<strong>notes</strong><ul>${f.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '') +
      (f.related?.length ? `<strong>also</strong><ul>${f.related.map((r, k) => {
        const where = `<span class="mono">${escapeHtml(`${r.file}:${r.line}:${r.column}`)}</span>`;
        return `<li>${alsoIn.has(k) ? `<a href="#also-${k + 1}">${where}</a>` : where} ${escapeHtml(r.message)}</li>`;
      }).join('')}</ul>` : '') +
      `</div>\n`
    : '';
  const path = `<h2>Path (${f.trace.length} ${f.trace.length === 1 ? 'step' : 'steps'})</h2>\n<ol class="path">\n` +
    steps.map((s) => {
      const t = f.trace[s.index]!;
      return `<li id="path-${s.index + 1}" style="--depth:${t.depth}"><a class="num" href="#step-${s.index + 1}">${s.index + 1}</a> ` +
        `<span class="mono">${escapeHtml(`${t.file}:${t.line}`)}</span> ${escapeHtml(describeEvent(t.event))}</li>\n`;
    }).join('') + '</ol>\n';
  const source = `<h2>Source of the functions on the path</h2>\n` + shown.map((l, k) => listingHtml(f, l, k, steps, alsoIn)).join('');
  const title = `${level}: ${f.message}`;
  const body = nav + `<h1>${levelBadge(level)} ${escapeHtml(f.message)}</h1>\n` + facts + notes + path + source;
  return page(title, body);
}

function inListing(l: Listing, file: string, line: number): boolean {
  return l.file === file && l.range !== null && l.range[0] <= line && line <= l.range[1];
}

function listingHtml(f: Finding, l: Listing, k: number, steps: PathStep[], alsoIn: ReadonlyMap<number, number>): string {
  const head = `<section class="fn" id="fn-${k + 1}" data-file="${escapeHtml(l.file)}" data-function="${escapeHtml(l.name)}"` +
    (l.range ? ` data-start="${l.range[0]}" data-end="${l.range[1]}"` : '') + '>\n' +
    `<header><h3><code>${escapeHtml(l.name)}()</code></h3><span class="loc mono">${escapeHtml(l.file)}` +
    (l.range ? `:${l.range[0]}&ndash;${l.range[1]}` : '') + '</span>' +
    (l.approximate && l.range ? '<span class="loc">the lines around its steps (no definition found there)</span>' : '') + '</header>\n';
  if (!l.range || !l.lines) {
    return head + `<p class="unread">${escapeHtml(l.file)} could not be read, or does not have these lines; the steps:</p>\n` +
      `<div class="steps">${l.steps.map((s) => stepHtml(f, steps, s)).join('')}</div>\n</section>\n`;
  }
  const atLine = new Map<number, number[]>();
  for (const s of l.steps) {
    const line = f.trace[s]!.line;
    atLine.set(line, [...(atLine.get(line) ?? []), s]);
  }
  const alsoAt = new Map<number, number[]>();
  for (const [r, at] of alsoIn) {
    const line = f.related![r]!.line;
    if (at === k) alsoAt.set(line, [...(alsoAt.get(line) ?? []), r]);
  }
  let rows = '';
  for (let n = l.range[0]; n <= l.range[1]; n++) {
    const here = atLine.get(n) ?? [];
    const also = alsoAt.get(n) ?? [];
    const text = l.lines[n - 1] ?? '';
    rows += `<tr data-line="${n}"${here.length || also.length ? ' class="stepped"' : ''}>` +
      `<td class="g">${[...here.map((s) => `<a class="badge" href="#step-${s + 1}">${s + 1}</a>`), ...also.map(() => '<span class="badge also">also</span>')].join(' ')}</td>` +
      `<td class="ln">${n}</td><td class="code">${codeHtml(text, [...here.map((s) => f.trace[s]!.column), ...also.map((r) => f.related![r]!.column)])}</td>` +
      `<td class="ann">${here.map((s) => stepHtml(f, steps, s)).join('')}` +
      also.map((r) => `<div class="also" id="also-${r + 1}"><span class="badge also">also</span> ${escapeHtml(f.related![r]!.message)}</div>`).join('') + '</td></tr>\n';
  }
  return head + `<table class="src"><colgroup><col class="g"><col class="ln"><col><col class="ann"></colgroup>\n<tbody>\n${rows}</tbody></table>\n</section>\n`;
}

/** A step beside its line: number, sentence, state after it, the way into its callee and back. */
function stepHtml(f: Finding, steps: PathStep[], index: number): string {
  const s = steps[index]!;
  const t = f.trace[index]!;
  const after = stateAfter(t.event);
  const state = after
    ? `<span class="state">${stateParts(after).map((part) => `<span class="chip ${chipClass(part[0], after)}">${escapeHtml(statePhrase(part))}</span>`).join('')}</span>`
    : '';
  const links: string[] = [];
  if (s.enters !== null) links.push(`<a class="enter" href="#step-${s.enters + 1}">&rarr; into ${escapeHtml(steps[s.enters]!.functionName)}() (step ${s.enters + 1})</a>`);
  if (s.caller !== null && s.caller === index - 1) links.push(`<a class="back" href="#step-${s.caller + 1}">&#8617; back to the call (step ${s.caller + 1})</a>`);
  return `<div class="step" id="step-${index + 1}" data-step="${index + 1}" data-file="${escapeHtml(t.file)}" data-line="${t.line}">` +
    `<a class="num" href="#path-${index + 1}">${index + 1}</a> ${escapeHtml(describeEvent(t.event))}${state}` +
    (links.length ? `<span class="links">${links.join('')}</span>` : '') + '</div>';
}

function chipClass(part: string, s: NonNullable<ReturnType<typeof stateAfter>>): string {
  return part === 'interrupts' ? `irq-${s.irq}` : part === 'context' ? `ct-${s.ct}` : 'other';
}

/** A source line, escaped, with the identifier at each step's column marked. */
function codeHtml(text: string, columns: number[]): string {
  const marks: [number, number][] = [];
  for (const col of [...new Set(columns)].sort((a, b) => a - b)) {
    const start = col - 1;
    const word = /[A-Za-z_]\w*/y;
    word.lastIndex = start;
    const m = start >= 0 ? word.exec(text) : null;
    if (m && (!marks.length || start >= marks[marks.length - 1]![1])) marks.push([start, start + m[0].length]);
  }
  let out = '';
  let at = 0;
  for (const [a, b] of marks) {
    out += escapeHtml(text.slice(at, a)) + `<mark>${escapeHtml(text.slice(a, b))}</mark>`;
    at = b;
  }
  return out + escapeHtml(text.slice(at));
}
