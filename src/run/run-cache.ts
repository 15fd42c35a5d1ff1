// A whole run's result, kept under the hashes of the files it scanned and the
// options: valid while the headers it read are unchanged, no include it did
// not find has appeared, and the headers it refused as links out of the tree
// lead where they did.
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
  result: AnalyzeResult;
}

export function cachedRun(cache: Cache, runKey: string): AnalyzeResult | null {
  const hit = cache.get<CachedRun>('run', runKey);
  if (!hit || !hit.headers.every(([header, hash]) => cache.fileHash(header) === hash)) return null;
  if (!hit.linksOut.every(([header, real]) => realPathOf(header) === real)) return null;
  return hit.missing.some((m) => existsSync(m)) ? null : hit.result;
}

export function storeRun(cache: Cache, runKey: string, included: IncludedHeaders, result: AnalyzeResult): void {
  const headers = included.readHeaders().map((h) => [h, cache.fileHash(h) ?? ''] as [string, string]);
  cache.put('run', runKey, { headers, missing: included.missingPaths(), linksOut: included.linksOutOfTree(), result } satisfies CachedRun);
}
