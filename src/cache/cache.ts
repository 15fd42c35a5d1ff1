// The on-disk cache: per-file results (name index, built CFGs) and whole-run
// results, keyed by content hashes and by the build of eqscheck that made them,
// so a rescan redoes only what an edit can change.
//
// Layout: <dir>/<build id>/<kind>.pack, one file per kind of entry (a map from
// key to the value in V8's serialization, Maps and Sets included), read when the
// kind is first asked for and written atomically (temp file + rename) at the end
// of a run, without the entries no run used in the last KEEP_RUNS runs. Files'
// content hashes are remembered with their size, times and inode in a manifest,
// so that an unchanged file is not read again to be hashed.
//
// Nothing in the cache is believed on its own word, and nothing is deleted that
// the cache did not write: a build's directory is marked by a CACHEDIR.TAG that
// names the format and the build; every entry carries the key it was stored
// under and a checksum, checked on read (a bad entry is dropped and recomputed,
// with a notice); the manifest carries a checksum too. Other builds' marked
// directories are removed when a build saves — their files that the cache
// writes, then the directory if that left it empty.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { InputError } from '../errors.js';
import { DEFAULT_MAX_FILE_SIZE, readRegularFile } from '../io/read-file.js';

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

/** One entry of a pack: the key it was stored under, a checksum of key and
 *  data, and `gen`: the run that last used the entry. */
interface PackEntry { gen: number; key: string; sum: string; data: Uint8Array }
type Pack = Map<string, PackEntry>;

/** Bumped when the layout of packs, entries or the manifest changes. */
export const CACHE_FORMAT = 2;

/** The marker of a directory the cache wrote (https://bford.info/cachedir/):
 *  backup tools skip it, and pruning removes only directories that have it. */
export const MARKER = 'CACHEDIR.TAG';
const SIGNATURE = 'Signature: 8a477f597d28d172789f06886806bc55';
function markerText(build: string): string {
  return `${SIGNATURE}\n# This directory holds cached results of eqscheck; it may be deleted.\n` +
    `# eqscheck-cache-format: ${CACHE_FORMAT}\n# eqscheck-build: ${build}\n`;
}

/** The files the cache writes in a build's directory (and its temporary files). */
const OWN_FILE = /^(?:manifest\.bin|[a-z]+\.pack|CACHEDIR\.TAG)(?:\.\d+\.tmp)?$/;

/** Packs and the manifest are read under this cap (a whole kernel tree's CFGs
 *  take a few hundred MB). */
const MAX_PACK_SIZE = 4 * 2 ** 30;

/** Entries (and remembered file hashes) unused for this many runs are dropped
 *  when the cache is saved. */
const KEEP_RUNS = 8;

function entrySum(kind: string, key: string, data: Uint8Array): string {
  return sha1('entry', kind, key, data);
}

function isManifestEntry(v: unknown): v is ManifestEntry {
  const e = v as ManifestEntry;
  return typeof e === 'object' && e !== null && typeof e.size === 'number' && typeof e.mtimeMs === 'number' &&
    typeof e.ctimeMs === 'number' && typeof e.ino === 'number' && typeof e.hash === 'string' && typeof e.gen === 'number';
}

/** `mkdir -p` that gives up: Node's recursive mkdir loops forever where a parent
 *  exists and a child cannot be made in it (/proc/eqs). */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

export interface CacheOptions {
  /** Told once when entries cannot be written, and once when bad entries are dropped. */
  warn?: (message: string) => void;
  /** The size cap files are hashed under (see io/read-file): a file beyond it has no hash. */
  maxFileSize?: number;
}

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
  private warnedBad = false;
  private readonly warn: (message: string) => void;
  private readonly maxFileSize: number;
  /** Hashes taken in this run (an instance serves one run): the same headers are
   *  asked for by every file that includes them. */
  private readonly hashes = new Map<string, string | null>();

  /** @throws InputError when `dir` exists and is not a directory */
  constructor(dir: string, private readonly build: string = buildId(), options: CacheOptions = {}) {
    this.warn = options.warn ?? (() => {});
    this.maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError(dir, 'not a directory (--cache-dir)');
    this.root = path.join(dir, build);
    this.manifestFile = path.join(this.root, 'manifest.bin');
    if (!existsSync(this.manifestFile)) return;
    const stored = this.readStored(this.manifestFile) as { format?: unknown; generation?: unknown; files?: unknown; sum?: unknown } | undefined;
    if (stored === undefined) return;
    if (stored.format !== CACHE_FORMAT || typeof stored.generation !== 'number' || !(stored.files instanceof Uint8Array) ||
      stored.sum !== sha1('manifest', stored.files)) {
      this.dropped(this.manifestFile);
      return;
    }
    const files = this.deserialize(stored.files, this.manifestFile);
    if (!(files instanceof Map)) { this.dropped(this.manifestFile); return; }
    for (const [file, entry] of files as Map<unknown, unknown>) {
      if (typeof file === 'string' && isManifestEntry(entry)) this.manifest.set(file, entry);
    }
    this.generation = stored.generation + 1;
  }

  /** The content hash of a file, or null when it cannot be read (not a regular
   *  file, beyond the size cap, gone). */
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
    if (!st.isFile() || st.size > this.maxFileSize) return null;
    const known = this.manifest.get(abs);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs && known.ctimeMs === st.ctimeMs && known.ino === st.ino) {
      known.gen = this.generation;
      return known.hash;
    }
    let bytes;
    try {
      bytes = readRegularFile(abs, this.maxFileSize);
    } catch {
      return null;
    }
    const hash = sha1(bytes);
    this.manifest.set(abs, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, hash, gen: this.generation });
    return hash;
  }

  /** The value stored under `key`, if its entry is sound (else it is dropped: the caller recomputes it). */
  get<T>(kind: string, key: string): T | undefined {
    const pack = this.pack(kind);
    const entry = pack.get(key);
    if (!entry) return undefined;
    const value = entry.key === key && entry.data instanceof Uint8Array && entry.sum === entrySum(kind, key, entry.data)
      ? this.deserialize(entry.data, this.packFile(kind)) : undefined;
    if (value === undefined) {
      pack.delete(key);
      this.touched.add(kind);
      this.dropped(this.packFile(kind));
      return undefined;
    }
    entry.gen = this.generation;
    this.touched.add(kind);
    return value as T;
  }

  put(kind: string, key: string, value: unknown): void {
    const data = v8.serialize(value);
    this.pack(kind).set(key, { gen: this.generation, key, sum: entrySum(kind, key, data), data });
    this.touched.add(kind);
  }

  /** Writes the packs used and the manifest (at the end of a run). Many small files
   *  would cost more than the analysis on some file systems: one file per kind. */
  save(): void {
    try {
      this.pruneOtherBuilds();
      makeDirs(this.root);
      writeAtomically(path.join(this.root, MARKER), Buffer.from(markerText(this.build)));
      for (const kind of this.touched) {
        const pack = this.pack(kind);
        for (const [key, entry] of pack) if (this.generation - entry.gen >= KEEP_RUNS) pack.delete(key);
        writeAtomically(this.packFile(kind), v8.serialize({ format: CACHE_FORMAT, entries: pack }));
      }
      for (const [file, entry] of this.manifest) if (this.generation - (entry.gen ?? 0) >= KEEP_RUNS) this.manifest.delete(file);
      const files = v8.serialize(this.manifest);
      writeAtomically(this.manifestFile, v8.serialize({ format: CACHE_FORMAT, generation: this.generation, files, sum: sha1('manifest', files) }));
    } catch (err) {
      // A cache that cannot be written only costs time; say so once.
      this.warnOnce(err);
    }
  }

  private pack(kind: string): Pack {
    let pack = this.packs.get(kind);
    if (!pack) {
      pack = new Map();
      const file = this.packFile(kind);
      const stored = existsSync(file) ? this.readStored(file) as { format?: unknown; entries?: unknown } | undefined : undefined;
      if (stored !== undefined) {
        if (stored.format === CACHE_FORMAT && stored.entries instanceof Map) pack = stored.entries as Pack;
        else this.dropped(file);
      }
      this.packs.set(kind, pack);
    }
    return pack;
  }

  /** A file the cache wrote, deserialized (undefined, with a notice, when it is not readable as one). */
  private readStored(file: string): unknown {
    let bytes;
    try {
      bytes = readRegularFile(file, MAX_PACK_SIZE);
    } catch {
      this.dropped(file);
      return undefined;
    }
    const value = this.deserialize(bytes, file);
    if (typeof value !== 'object' || value === null) { this.dropped(file); return undefined; }
    return value;
  }

  private deserialize(bytes: Uint8Array, file: string): unknown {
    try {
      return v8.deserialize(bytes);
    } catch {
      this.dropped(file);
      return undefined;
    }
  }

  private packFile(kind: string): string {
    return path.join(this.root, `${kind}.pack`);
  }

  /** A bad entry or file is never believed: it is recomputed, and the user told once. */
  private dropped(file: string): void {
    if (this.warnedBad) return;
    this.warnedBad = true;
    this.warn(`cache entries in ${file} are damaged or not eqscheck's: dropped, their results computed again`);
  }

  private warnOnce(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    this.warn(`cannot write the cache under ${path.dirname(this.root)} (${code}); going on without it`);
  }

  /** Other builds' directories, recognised by their marker (a directory without
   *  one is not the cache's, whatever its name): the files the cache writes are
   *  removed, then the directory if nothing else is left in it. */
  private pruneOtherBuilds(): void {
    if (this.prunedOthers) return;
    this.prunedOthers = true;
    const parent = path.dirname(this.root);
    if (!existsSync(parent)) return;
    for (const e of readdirSync(parent, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name === this.build) continue;
      const dir = path.join(parent, e.name);
      if (!isOwnBuildDir(dir, e.name)) continue;
      for (const f of readdirSync(dir, { withFileTypes: true })) {
        if (f.isFile() && OWN_FILE.test(f.name) && f.name !== MARKER) unlinkSync(path.join(dir, f.name));
      }
      unlinkSync(path.join(dir, MARKER));
      try {
        rmdirSync(dir);
      } catch {
        // something the cache did not write is in it: left alone
      }
    }
  }
}

/** Whether `dir` is a build directory this cache wrote: its marker names it. */
function isOwnBuildDir(dir: string, name: string): boolean {
  const marker = path.join(dir, MARKER);
  try {
    if (!lstatSync(marker).isFile()) return false;
    const text = readRegularFile(marker, 4096).toString('utf8');
    return text.startsWith(SIGNATURE) && text.split('\n').includes(`# eqscheck-build: ${name}`);
  } catch {
    return false;
  }
}

function writeAtomically(file: string, data: Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}
