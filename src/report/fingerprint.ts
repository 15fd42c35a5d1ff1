// A finding's identity without line numbers: what SARIF's partialFingerprints,
// the JSON report's `fingerprint`, `scan --baseline` and the patch and diff modes
// compare. It hashes the rule, the file (relative to a root), the function, and
// the text (spacing and comments ignored) of the reported line and of the cause's
// line, and numbers findings with equal keys in report order. It does not change
// when lines are added or removed elsewhere or functions are reordered, and
// changes when the reported or the causing code changes.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding } from '../analysis/interpreter.js';
import { readSource } from '../parser/source.js';

/** The partialFingerprints key (versioned: a change of the scheme changes the key). */
export const FINGERPRINT_KEY = 'eqscheckFindingHash/v1';

/** Whitespace-insensitive text of a source line (comments and spacing do not count). */
export function normaliseLine(text: string | undefined): string {
  if (text === undefined) return '';
  return text.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '').replace(/\s+/g, '');
}

/** A file's path as a URI relative to `root` (segments percent-encoded) when it is
 *  inside it, else its absolute `file://` URI. */
export function relativeUri(root: string, file: string): { uri: string; relative: boolean } {
  const abs = path.resolve(file);
  const rel = path.relative(path.resolve(root), abs);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), relative: true };
  }
  return { uri: pathToFileURL(abs).href, relative: false };
}

export function defaultReadText(file: string): string | undefined {
  try {
    return readSource(file).text;
  } catch {
    return undefined;
  }
}

/** Source lines by file, read once. */
export class SourceLines {
  private readonly cache = new Map<string, string[] | null>();
  constructor(private readonly read: (file: string) => string | undefined = defaultReadText) {}

  line(file: string, line: number): string | undefined {
    let lines = this.cache.get(file);
    if (lines === undefined) {
      const text = this.read(file);
      lines = text === undefined ? null : text.split(/\r\n|\n|\r/);
      this.cache.set(file, lines);
    }
    return lines?.[line - 1];
  }
}

export interface FingerprintOptions {
  /** Paths are made relative to it (default: the current directory). */
  root?: string;
  /** Source text by path (as the findings name it); default: read the file. */
  readText?: (file: string) => string | undefined;
  /** Lines already read (shared with a reporter). */
  sources?: SourceLines;
}

/** The fingerprints of `findings`, in their order (the order numbers equal keys). */
export function fingerprintFindings(findings: readonly Finding[], options: FingerprintOptions = {}): string[] {
  const root = path.resolve(options.root ?? process.cwd());
  const sources = options.sources ?? new SourceLines(options.readText);
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const cause = f.trace[0];
    const key = [
      f.ruleId, relativeUri(root, f.file).uri, f.function,
      normaliseLine(sources.line(f.file, f.line)),
      cause ? relativeUri(root, cause.file).uri : '', cause ? normaliseLine(sources.line(cause.file, cause.line)) : '',
    ].join('\u0000');
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return `${createHash('sha256').update(key).digest('hex').slice(0, 32)}:${n}`;
  });
}
