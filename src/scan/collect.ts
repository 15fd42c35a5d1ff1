// Which files a scan covers: files named on the command line must exist and
// be readable; directories are searched for *.c and *.h (and *.S, whose function
// names the analysis needs). The order is sorted,
// so output does not depend on the file system. What a directory holds under
// those names that is not a regular file (a FIFO, a directory named x.c, a
// symbolic link, which is not followed), and subdirectories that cannot be
// read, are skipped and named; so is a directory of a kernel tree's default
// scope that is a link leading out of the tree. What the user names is read
// wherever it leads.
import fg from 'fast-glob';
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { RealBounds } from '../io/within.js';
import { configArch, type ConfigSpec } from '../kernel/configuration.js';

export interface CollectedFiles {
  /** Paths to analyse, relative to the current directory when inside it. */
  files: string[];
  /** Paths named explicitly (their read errors are fatal, not notices). */
  explicit: Set<string>;
  /** Directories scanned, and the directories of files named (includes are not followed above them). */
  roots: string[];
  /** Entries of the scanned directories not read, with why (sorted by path). */
  skipped: { file: string; reason: string }[];
}

export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), path.resolve(p));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
}

/** A kernel tree's root: what `eqscheck scan ~/linux` points at. */
export function isKernelRoot(dir: string): boolean {
  return existsSync(path.join(dir, 'Makefile')) && existsSync(path.join(dir, 'arch')) &&
    existsSync(path.join(dir, 'include', 'linux'));
}

/** The default scope in a kernel tree: every arch's kvm directory (or only
 *  `arch`'s: the one a configuration is made for) and virt/kvm. */
export function kvmScope(root: string, arch: string | null = null): string[] {
  const dirs = fg.sync([`arch/${arch ?? '*'}/kvm`, 'virt/kvm'], { cwd: root, onlyDirectories: true, suppressErrors: true }).sort();
  return dirs.map((d) => path.join(root, d));
}

export interface CollectOptions {
  /** In a kernel tree, every file rather than the KVM scope. */
  all?: boolean;
  /** A build configuration: in a kernel tree, the default scope is its arch's (see configArch). */
  configuration?: ConfigSpec;
}

const SCANNED = /\.(c|h|S)$/;

function entryKind(e: Dirent): string | null {
  if (e.isFile()) return null;
  if (e.isSymbolicLink()) return 'a symbolic link (not followed inside a scanned directory)';
  if (e.isDirectory()) return 'is a directory, not a file';
  if (e.isFIFO()) return 'is a FIFO (named pipe), not a regular file';
  if (e.isSocket()) return 'is a socket, not a regular file';
  if (e.isCharacterDevice() || e.isBlockDevice()) return 'is a device, not a regular file';
  return 'is not a regular file';
}

/** The files to scan under `dir` (as fast-glob's `**\/*.{c,h,S}` without dot
 *  files would find them), and what was skipped there. */
function walk(dir: string, files: Set<string>, skipped: Map<string, string>): void {
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      skipped.set(displayPath(d), `directory not read (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? String(err)})`);
      continue;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory() && !SCANNED.test(e.name)) { stack.push(p); continue; }
      if (!SCANNED.test(e.name)) continue;
      const why = entryKind(e);
      if (why === null) files.add(displayPath(p));
      else if (e.isDirectory()) { skipped.set(displayPath(p), why); stack.push(p); }
      else skipped.set(displayPath(p), why);
    }
  }
}

export function collectFiles(paths: string[], options: CollectOptions = {}): CollectedFiles {
  const files = new Set<string>();
  const explicit = new Set<string>();
  const roots = new Set<string>();
  const skipped = new Map<string, string>();
  const inputs = paths.flatMap((p) => {
    if (options.all || !isKernelRoot(p)) return [p];
    const tree = new RealBounds([p]);
    const arch = options.configuration ? configArch(options.configuration, p) : null;
    return kvmScope(p, arch).filter((dir) => {
      const real = tree.leadsOutside(dir);
      if (real !== null) skipped.set(displayPath(dir), `a symbolic link to ${real}, outside the tree: not scanned`);
      return real === null;
    });
  });
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new InputError(input, code === 'ENOENT' ? 'no such file or directory' : `cannot access (${code})`);
    }
    if (st.isDirectory()) {
      // .S files are read for the functions they define, not analysed.
      walk(input, files, skipped);
      roots.add(path.resolve(input));
    } else {
      const p = displayPath(input);
      files.add(p);
      explicit.add(p);
      roots.add(path.dirname(path.resolve(input)));
    }
  }
  const sorted = [...skipped].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { files: [...files].sort(), explicit, roots: [...roots].sort(), skipped: sorted.map(([file, reason]) => ({ file, reason })) };
}
