// Which files a scan covers: files named on the command line must exist and
// be readable; directories are searched for *.c and *.h (and *.S, whose function
// names the analysis needs). The order is sorted,
// so output does not depend on the file system.
import fg from 'fast-glob';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../parser/source.js';

export interface CollectedFiles {
  /** Paths to analyse, relative to the current directory when inside it. */
  files: string[];
  /** Paths named explicitly (their read errors are fatal, not notices). */
  explicit: Set<string>;
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

/** The default scope in a kernel tree: every arch's kvm directory and virt/kvm. */
export function kvmScope(root: string): string[] {
  const dirs = fg.sync(['arch/*/kvm', 'virt/kvm'], { cwd: root, onlyDirectories: true, suppressErrors: true }).sort();
  return dirs.map((d) => path.join(root, d));
}

export interface CollectOptions {
  /** In a kernel tree, every file rather than the KVM scope. */
  all?: boolean;
}

export function collectFiles(paths: string[], options: CollectOptions = {}): CollectedFiles {
  const files = new Set<string>();
  const explicit = new Set<string>();
  const inputs = paths.flatMap((p) => (!options.all && isKernelRoot(p) ? kvmScope(p) : [p]));
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
      const found = fg.sync(['**/*.c', '**/*.h', '**/*.S'], {
        cwd: input, onlyFiles: true, followSymbolicLinks: false, dot: false, suppressErrors: true,
      });
      for (const f of found) files.add(displayPath(path.join(input, f)));
    } else {
      const p = displayPath(input);
      files.add(p);
      explicit.add(p);
    }
  }
  return { files: [...files].sort(), explicit };
}
