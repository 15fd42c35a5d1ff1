// The on-disk cache: per-file results (name index, built CFGs) and whole-run
// results, keyed by content hashes and by the build of eqscheck that made them,
// so a rescan redoes only what an edit can change.
//
// Layout: <dir>/<build id>/<kind>.pack, one file per kind of entry (a map from
// key to the value in V8's serialization, Maps and Sets included), read when the
// kind is first asked for and written atomically (temp file + rename) at the end
// of a run, without the entries no run used in the last KEEP_RUNS runs. Files'
// content hashes are remembered with their size, times and inode in a manifest,
// so that an unchanged file is not read again to be hashed. Entries of other
// builds are removed when a build saves.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { InputError } from '../parser/source.js';

export function defaultCacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  return path.join(base, 'eqscheck', 'results');
}

export function sha1(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha1');
  for (const p of parts) { h.update(p); h.update('\0'); }
  return h.digest('hex');
}

let buildIdMemo: string | null = null;

/** A hash of eqscheck's own code (every module next to this one's parent): a
 *  rebuilt tool never reads another build's entries. */
export function buildId(): string {
  if (buildIdMemo) return buildIdMemo;
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|ts)$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(root);
  files.sort();
  const h = createHash('sha1');
  for (const f of files) { h.update(path.relative(root, f)); h.update(readFileSync(f)); }
  buildIdMemo = h.digest('hex').slice(0, 16);
  return buildIdMemo;
}

interface ManifestEntry { size: number; mtimeMs: number; ctimeMs: number; ino: number; hash: string; gen: number }

/** A kind's entries, serialized; `gen`: the run that last used the entry. */
type Pack = Map<string, { gen: number; data: Uint8Array }>;

/** Entries (and remembered file hashes) unused for this many runs are dropped
 *  when the cache is saved. */
const KEEP_RUNS = 8;

/** One instance serves one run: it counts the runs, and takes a file's hash once. */
export class Cache {
  private readonly root: string;
  private manifest = new Map<string, ManifestEntry>();
  private readonly manifestFile: string;
  /** Runs so far (stored with the manifest), for the packs' ages. */
  private generation = 0;
  private readonly packs = new Map<string, Pack>();
  private readonly touched = new Set<string>();
  private prunedOthers = false;
  private warned = false;
  /** Hashes taken in this run (an instance serves one run): the same headers are
   *  asked for by every file that includes them. */
  private readonly hashes = new Map<string, string | null>();

  /** @param warn told once when entries cannot be written (the run goes on without them)
   *  @throws InputError when `dir` exists and is not a directory */
  constructor(dir: string, private readonly build: string = buildId(), private readonly warn: (message: string) => void = () => {}) {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError(dir, 'not a directory (--cache-dir)');
    this.root = path.join(dir, build);
    this.manifestFile = path.join(this.root, 'manifest.bin');
    try {
      const stored = v8.deserialize(readFileSync(this.manifestFile)) as { generation?: unknown; files?: unknown };
      if (stored.files instanceof Map && typeof stored.generation === 'number') {
        this.manifest = stored.files as Map<string, ManifestEntry>;
        this.generation = stored.generation + 1;
      }
    } catch {
      // No manifest yet (or an unreadable one): files are hashed from their contents.
    }
  }

  /** The content hash of a file, or null when it cannot be read. */
  fileHash(file: string): string | null {
    let hash = this.hashes.get(file);
    if (hash === undefined) { hash = this.hashOf(path.resolve(file)); this.hashes.set(file, hash); }
    return hash;
  }

  private hashOf(abs: string): string | null {
    let st;
    try {
      st = statSync(abs);
    } catch {
      return null;
    }
    const known = this.manifest.get(abs);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs && known.ctimeMs === st.ctimeMs && known.ino === st.ino) {
      known.gen = this.generation;
      return known.hash;
    }
    let bytes;
    try {
      bytes = readFileSync(abs);
    } catch {
      return null;
    }
    const hash = sha1(bytes);
    this.manifest.set(abs, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, hash, gen: this.generation });
    return hash;
  }

  get<T>(kind: string, key: string): T | undefined {
    const entry = this.pack(kind).get(key);
    if (!entry) return undefined;
    try {
      const value = v8.deserialize(entry.data) as T;
      entry.gen = this.generation;
      this.touched.add(kind);
      return value;
    } catch {
      return undefined;
    }
  }

  put(kind: string, key: string, value: unknown): void {
    this.pack(kind).set(key, { gen: this.generation, data: v8.serialize(value) });
    this.touched.add(kind);
  }

  /** Writes the packs used and the manifest (at the end of a run). Many small files
   *  would cost more than the analysis on some file systems: one file per kind. */
  save(): void {
    try {
      this.pruneOtherBuilds();
      mkdirSync(this.root, { recursive: true });
      for (const kind of this.touched) {
        const pack = this.pack(kind);
        for (const [key, entry] of pack) if (this.generation - entry.gen >= KEEP_RUNS) pack.delete(key);
        writeAtomically(this.packFile(kind), v8.serialize(pack));
      }
      for (const [file, entry] of this.manifest) if (this.generation - (entry.gen ?? 0) >= KEEP_RUNS) this.manifest.delete(file);
      writeAtomically(this.manifestFile, v8.serialize({ generation: this.generation, files: this.manifest }));
    } catch (err) {
      // A cache that cannot be written only costs time; say so once.
      this.warnOnce(err);
    }
  }

  private pack(kind: string): Pack {
    let pack = this.packs.get(kind);
    if (!pack) {
      try {
        const stored: unknown = v8.deserialize(readFileSync(this.packFile(kind)));
        pack = stored instanceof Map ? stored as Pack : new Map();
      } catch {
        pack = new Map();
      }
      this.packs.set(kind, pack);
    }
    return pack;
  }

  private packFile(kind: string): string {
    return path.join(this.root, `${kind}.pack`);
  }

  private warnOnce(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    this.warn(`cannot write the cache under ${path.dirname(this.root)} (${code}); going on without it`);
  }

  private pruneOtherBuilds(): void {
    if (this.prunedOthers) return;
    this.prunedOthers = true;
    const parent = path.dirname(this.root);
    if (!existsSync(parent)) return;
    for (const e of readdirSync(parent, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== this.build && /^[0-9a-f]{16}$/.test(e.name)) {
        rmSync(path.join(parent, e.name), { recursive: true, force: true });
      }
    }
  }
}

function writeAtomically(file: string, data: Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}
