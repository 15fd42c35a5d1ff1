// A scratch copy of a tree in a temporary directory that costs little: the
// directories the analysis scans are copied (their C, header and assembly
// files — the scan does not follow symbolic links), the files a patch touches
// are copied or written, and everything else is a symbolic link into the
// original tree, so that headers, Kconfig and the kernel-root layout are found
// as usual. Every directory on the way to a copied or written file is a real
// directory of the scratch tree: nothing is ever written through a link, and
// links are removed, never followed, when the scratch tree goes.
import {
  copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, unlinkSync,
  writeFileSync, type Stats,
} from 'node:fs';
import path from 'node:path';

/** The files the analysis reads from a scanned directory; others stay links. */
const SOURCE = /\.(c|h|S)$/;

/** What to put at a path of the scratch tree. */
export type Content =
  | { kind: 'copy' }
  | { kind: 'data'; data: Buffer }
  | { kind: 'symlink'; target: string }
  | { kind: 'absent' };

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export class ScratchTree {
  /** Real directories of the scratch tree (relative, '/'-separated; '' is the root). */
  private readonly real = new Set<string>();
  private readonly copied = new Set<string>();
  private readonly rootReal: string;

  /** @param source the original tree; @param root where the scratch tree goes (created). */
  constructor(readonly source: string, readonly root: string) {
    mkdirSync(root, { recursive: true });
    this.rootReal = realpathSync(root);
    this.real.add('');
    this.linkChildren('');
  }

  /** The scratch tree's path for a tree-relative path. */
  at(rel: string): string {
    return rel ? path.join(this.root, ...rel.split('/')) : this.root;
  }

  private from(rel: string): string {
    return rel ? path.join(this.source, ...rel.split('/')) : this.source;
  }

  /** Links every entry of the original directory not yet in the scratch one (but .git). */
  private linkChildren(rel: string): void {
    const src = this.from(rel);
    if (!isDir(src)) return;
    for (const name of readdirSync(src)) {
      if (name === '.git') continue;
      const dest = path.join(this.at(rel), name);
      if (!lstatOrNull(dest)) symlinkSync(path.join(src, name), dest);
    }
  }

  private insideCopy(rel: string): boolean {
    for (let r = rel; ; r = parentOf(r)) {
      if (this.copied.has(r)) return true;
      if (!r) return false;
    }
  }

  /** Makes `rel` and its parents real directories (their other entries links). */
  realDir(rel: string): void {
    if (this.real.has(rel)) return;
    const parent = parentOf(rel);
    this.realDir(parent);
    const dest = this.at(rel);
    const st = lstatOrNull(dest);
    if (st?.isDirectory()) {
      // A real directory already (copied with its parent): nothing to link.
      this.real.add(rel);
      return;
    }
    if (st) this.remove(rel);
    mkdirSync(dest);
    this.real.add(rel);
    if (!this.insideCopy(rel)) this.linkChildren(rel);
  }

  /** Copies a directory of the original tree: its source files as copies, the rest as links. */
  copyDir(rel: string): void {
    if (this.insideCopy(rel)) return;
    this.realDir(rel);
    const src = this.from(rel);
    if (isDir(src)) {
      for (const entry of readdirSync(src, { withFileTypes: true })) {
        if (entry.name === '.git') continue;
        const child = rel ? `${rel}/${entry.name}` : entry.name;
        this.remove(child);
        this.copyEntry(path.join(src, entry.name), this.at(child), entry);
      }
    }
    this.copied.add(rel);
  }

  private copyEntry(src: string, dest: string, entry: { name: string; isDirectory(): boolean; isSymbolicLink(): boolean; isFile(): boolean }): void {
    if (entry.isDirectory()) this.copyTree(src, dest);
    else if (entry.isSymbolicLink()) symlinkSync(path.resolve(path.dirname(src), readlinkSync(src)), dest);
    else if (entry.isFile() && SOURCE.test(entry.name)) copyFileSync(src, dest);
    else symlinkSync(src, dest);
  }

  private copyTree(src: string, dest: string): void {
    mkdirSync(dest);
    for (const entry of readdirSync(src, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      this.copyEntry(path.join(src, entry.name), path.join(dest, entry.name), entry);
    }
  }

  /** Puts a file at `rel`: a copy of the original, given bytes, a link, or nothing. */
  putFile(rel: string, content: Content): void {
    this.realDir(parentOf(rel));
    const dest = this.at(rel);
    if (lstatOrNull(dest)) this.remove(rel);
    this.assertInside(path.dirname(dest));
    switch (content.kind) {
      case 'copy': {
        const src = this.from(rel);
        const st = lstatOrNull(src);
        if (!st) return;
        if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dest);
        else if (st.isFile()) copyFileSync(src, dest);
        else if (st.isDirectory()) this.copyTree(src, dest);
        return;
      }
      case 'data': writeFileSync(dest, content.data); return;
      case 'symlink': symlinkSync(content.target, dest); return;
      case 'absent': return;
    }
  }

  /** Removes an entry of the scratch tree (a link itself, never its target). */
  private remove(rel: string): void {
    const dest = this.at(rel);
    this.assertInside(path.dirname(dest));
    const st = lstatOrNull(dest);
    if (!st) return;
    if (st.isDirectory()) rmSync(dest, { recursive: true, force: true });
    else unlinkSync(dest);
    for (const r of [...this.real]) if (r === rel || r.startsWith(`${rel}/`)) this.real.delete(r);
    for (const r of [...this.copied]) if (r === rel || r.startsWith(`${rel}/`)) this.copied.delete(r);
  }

  /** A directory we write into must resolve inside the scratch tree. */
  private assertInside(dir: string): void {
    const real = realpathSync(dir);
    if (real !== this.rootReal && !real.startsWith(this.rootReal + path.sep)) {
      throw new Error(`internal error: ${dir} resolves outside the scratch tree (${real})`);
    }
  }

  /** Whether the original tree has `rel`. */
  hasOriginal(rel: string): boolean {
    return existsSync(this.from(rel));
  }
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}
