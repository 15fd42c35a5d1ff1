// A whole run's result, kept under the hashes of the files it scanned and the
// options: valid while the headers it read are unchanged, no include it did
// not find has appeared, the headers it refused as links out of the tree
// lead where they did, and the kbuild files it read (what is instrumented) are
// as they were.
import { existsSync } from 'node:fs';
import type { Cache } from '../cache/cache.js';
import { realPathOf } from '../io/within.js';
import type { IncludedHeaders } from '../scan/included-headers.js';
import type { AnalyzeResult } from './types.js';

interface CachedRun {
  /** The headers the run read, with their content hashes. */
  headers: [string, string][];
  /** Include candidates that did not exist (one appearing changes what is read). */
  missing: string[];
  /** Headers not read as links out of the tree, with where they led. */
  linksOut: [string, string][];
  /** Other files read (kbuild files), with their content hashes ('' when absent). */
  others: [string, string][];
  result: AnalyzeResult;
}

export function cachedRun(cache: Cache, runKey: string): AnalyzeResult | null {
  const hit = cache.get<CachedRun>('run', runKey);
  if (!hit || !hit.headers.every(([header, hash]) => cache.fileHash(header) === hash)) return null;
  if (!hit.linksOut.every(([header, real]) => realPathOf(header) === real)) return null;
  if (!hit.others.every(([file, hash]) => (cache.fileHash(file) ?? '') === hash)) return null;
  return hit.missing.some((m) => existsSync(m)) ? null : hit.result;
}

/** @param others files besides headers the result depends on (kbuild files), absolute */
export function storeRun(cache: Cache, runKey: string, included: IncludedHeaders, others: readonly string[], result: AnalyzeResult): void {
  const hashed = (f: string): [string, string] => [f, cache.fileHash(f) ?? ''];
  cache.put('run', runKey, {
    headers: included.readHeaders().map(hashed), missing: included.missingPaths(), linksOut: included.linksOutOfTree(),
    others: others.map(hashed), result,
  } satisfies CachedRun);
}
