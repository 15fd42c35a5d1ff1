// The index phase: every file's names, read from its bytes (run/file-tasks), in
// worker threads on large scans, from the cache when it has them.
import { sha1 } from '../cache/cache.js';
import type { AsmFile } from '../scan/asm-symbols.js';
import type { StaticCallFacts } from '../scan/dispatch-facts.js';
import type { NameIndex } from '../scan/name-index.js';
import { indexFile, type FileWork, type IndexTask } from './file-tasks.js';
import type { TaskRunner } from './task-runner.js';

export interface IndexedFiles {
  /** The C files' indexes, in the scan's order. */
  scanned: NameIndex[];
  staticCalls: Map<string, StaticCallFacts>;
  /** Functions defined in assembly, with the file that defines them (the first). */
  asmFunctions: Map<string, AsmFile>;
  latin1Files: string[];
  unreadable: { file: string; problem: string }[];
}

/** @param hashes each file's content hash, when a cache keeps results (null: not cached) */
/** @param maxBytes the size cap files are read under (see io/read-file) */
export async function indexPhase(files: readonly string[], hashes: readonly (string | null)[], runner: TaskRunner,
  work: FileWork, maxBytes?: number): Promise<IndexedFiles> {
  const results = await runner.run('index', files.map((file): IndexTask => ({ file, maxBytes })),
    (t, i) => (hashes[i] ? sha1('index', t.file, hashes[i]!, work.configuration.hash) : null), (t) => indexFile(t, work));
  const out: IndexedFiles = { scanned: [], staticCalls: new Map(), asmFunctions: new Map(), latin1Files: [], unreadable: [] };
  for (const r of results) {
    if (r.kind === 'unreadable') { out.unreadable.push(r); continue; }
    if (r.kind === 'asm') {
      for (const name of r.functions) if (!out.asmFunctions.has(name)) out.asmFunctions.set(name, r.asm);
      continue;
    }
    out.scanned.push(r.index);
    out.staticCalls.set(r.file, r.staticCalls);
    if (r.encoding === 'latin1') out.latin1Files.push(r.file);
  }
  return out;
}
