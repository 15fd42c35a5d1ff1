// The link phase: the headers the scanned files include (read and indexed when
// they are outside the scan), the static-call facts in reading order (a file's
// own, then those of the headers it reads first), and the linkage over every
// definition indexed (run/index-table).
import path from 'node:path';
import type { Cache } from '../cache/cache.js';
import { emptyDispatchFacts } from '../kernel/linkage.js';
import { archOf } from '../kernel/paths.js';
import { mergeStaticCallFacts } from '../scan/dispatch-facts.js';
import { IncludedHeaders, type IncludeBounds } from '../scan/included-headers.js';
import type { NameIndex } from '../scan/name-index.js';
import { IndexTable } from './index-table.js';
import type { IndexedFiles } from './index-phase.js';

export interface Linked {
  table: IndexTable;
  /** The scanned files' and the headers' indexes, by path. */
  indexes: NameIndex[];
  included: IncludedHeaders;
  /** The headers a scanned C file includes, nearest first (worked out when asked). */
  headersOf(file: string): readonly string[];
  /** Headers outside the scan. */
  libraryFiles: Set<string>;
}

/** @param bounds the size cap headers are read under, the scanned directories
 *         includes stay in outside a kernel tree, and the trees the scanned one
 *         links into (see scan/included-headers) */
export function linkPhase(indexed: IndexedFiles, cache: Cache | null, isPrimitive: (name: string) => boolean,
  bounds: IncludeBounds = {}): Linked {
  const facts = emptyDispatchFacts();
  const library: NameIndex[] = [];
  const included = new IncludedHeaders((h) => {
    mergeStaticCallFacts(facts, archOf(h.index.path), h.staticCalls);
    library.push(h.index);
  }, cache, new Map(indexed.scanned.map((ix) => [path.resolve(ix.path), ix])), bounds);
  for (const ix of indexed.scanned) mergeStaticCallFacts(facts, archOf(ix.path), indexed.staticCalls.get(ix.path)!);
  included.readAll(indexed.scanned.filter((ix) => !ix.path.endsWith('.h')));
  const indexes = [...indexed.scanned, ...library].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const byPath = new Map(indexed.scanned.map((ix) => [ix.path, ix]));
  const memo = new Map<string, string[]>();
  const headersOf = (file: string): readonly string[] => {
    let headers = memo.get(file);
    if (!headers) {
      const ix = byPath.get(file);
      headers = ix && !file.endsWith('.h') ? included.headersOf(file, ix.includes) : [];
      memo.set(file, headers);
    }
    return headers;
  };
  return {
    table: new IndexTable(indexes, facts, isPrimitive), indexes, included, headersOf,
    libraryFiles: new Set(library.map((h) => h.path)),
  };
}
