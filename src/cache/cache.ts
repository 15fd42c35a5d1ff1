// The on-disk cache: per-file results (name index, built CFGs) and whole-run
// results, keyed by content hashes and by the build of eqscheck that made them,
// so a rescan redoes only what an edit can change.
//
// Layout: <dir>/<build id>/<kind>/<2 hex>/<key>.bin, written atomically
// (temp file + rename), values in V8's serialization (Maps and Sets included).
// Files' content hashes are remembered with their size and mtime in a manifest,
// so that an unchanged file is not read again to be hashed. Entries of other
// builds are removed when a build writes its first entry.
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

interface ManifestEntry { size: number; mtimeMs: number; ctimeMs: number; ino: number; hash: string }

export class Cache {
  private readonly root: string;
  private manifest = new Map<string, ManifestEntry>();
  private manifestChanged = false;
  private prunedOthers = false;
  private readonly manifestFile: string;

  private warned = false;

  /** @param warn told once when entries cannot be written (the run goes on without them)
   *  @throws InputError when `dir` exists and is not a directory */
  constructor(dir: string, private readonly build: string = buildId(), private readonly warn: (message: string) => void = () => {}) {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError(dir, 'not a directory (--cache-dir)');
    this.root = path.join(dir, build);
    this.manifestFile = path.join(this.root, 'manifest.bin');
    try {
      this.manifest = v8.deserialize(readFileSync(this.manifestFile)) as Map<string, ManifestEntry>;
    } catch {
      // No manifest yet (or an unreadable one): files are hashed from their contents.
    }
  }

  /** The content hash of a file, or null when it cannot be read. */
  fileHash(file: string): string | null {
    const abs = path.resolve(file);
    let st;
    try {
      st = statSync(abs);
    } catch {
      return null;
    }
    const known = this.manifest.get(abs);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs && known.ctimeMs === st.ctimeMs && known.ino === st.ino) return known.hash;
    let bytes;
    try {
      bytes = readFileSync(abs);
    } catch {
      return null;
    }
    const hash = sha1(bytes);
    this.manifest.set(abs, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, hash });
    this.manifestChanged = true;
    return hash;
  }

  get<T>(kind: string, key: string): T | undefined {
    try {
      return v8.deserialize(readFileSync(this.entryPath(kind, key))) as T;
    } catch {
      return undefined;
    }
  }

  put(kind: string, key: string, value: unknown): void {
    const file = this.entryPath(kind, key);
    try {
      this.pruneOtherBuilds();
      mkdirSync(path.dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, v8.serialize(value));
      renameSync(temp, file);
    } catch (err) {
      // A cache that cannot be written only costs time; say so once.
      this.warnOnce(err);
    }
  }

  private warnOnce(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    this.warn(`cannot write the cache under ${path.dirname(this.root)} (${code}); going on without it`);
  }

  /** Writes the manifest of content hashes (at the end of a run). */
  save(): void {
    if (!this.manifestChanged) return;
    try {
      mkdirSync(this.root, { recursive: true });
      const temp = `${this.manifestFile}.${process.pid}.tmp`;
      writeFileSync(temp, v8.serialize(this.manifest));
      renameSync(temp, this.manifestFile);
      this.manifestChanged = false;
    } catch (err) {
      this.warnOnce(err);
    }
  }

  private entryPath(kind: string, key: string): string {
    return path.join(this.root, kind, key.slice(0, 2), `${key}.bin`);
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
