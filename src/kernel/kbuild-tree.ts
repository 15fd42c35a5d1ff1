// The files of one kernel tree that kbuild reads, and what the tree's own
// scripts/Makefile.lib says about the sanitizer switches. Every read stays in
// the tree (symlinks included) and is cached for the life of the object.
import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { readRegularFile } from '../io/read-file.js';
import path from 'node:path';
import { parseMakefile, type ParsedMakefile } from './makefile.js';

interface Entry { name: string; dir: boolean }

export class TreeFiles {
  readonly root: string;
  private readonly texts = new Map<string, string | undefined>();
  private readonly makefiles = new Map<string, ParsedMakefile | undefined>();
  private readonly dirs = new Map<string, Entry[]>();
  private readonly realDirs = new Map<string, string | undefined>();
  private readonly kbuildFiles = new Map<string, string | undefined>();

  constructor(root: string) {
    this.root = realpathSync(root);
  }

  /** The path relative to the root, or undefined for a path outside the tree. */
  relative(file: string): string | undefined {
    const inside = (abs: string) => {
      const rel = path.relative(this.root, abs).split(path.sep).join('/');
      return rel === '..' || rel.startsWith('../') || path.isAbsolute(rel) ? undefined : rel;
    };
    const abs = path.resolve(this.root, file);
    if (inside(abs) !== undefined || !path.isAbsolute(file)) return inside(abs);
    try { return inside(realpathSync(abs)); } catch { return undefined; } // the tree named through a symlink
  }

  private within(real: string): boolean {
    return real === this.root || real.startsWith(this.root + path.sep);
  }

  /** A directory's real path when it is in the tree (its own symlinks resolved once). */
  private realDir(rel: string): string | undefined {
    if (!this.realDirs.has(rel)) {
      let real: string | undefined;
      try { real = realpathSync(path.join(this.root, rel)); } catch { real = undefined; }
      this.realDirs.set(rel, real !== undefined && this.within(real) ? real : undefined);
    }
    return this.realDirs.get(rel);
  }

  private absolute(rel: string): string | undefined {
    const inside = this.relative(rel);
    if (inside === undefined) return undefined;
    const dir = this.realDir(path.posix.dirname(inside));
    if (dir === undefined) return undefined;
    const abs = path.join(dir, path.posix.basename(inside));
    try {
      if (!lstatSync(abs).isSymbolicLink()) return abs;
      const real = realpathSync(abs);
      return this.within(real) ? real : undefined;
    } catch {
      return undefined;
    }
  }

  /** A file's text; undefined when it is missing, unreadable or outside the tree. */
  read(rel: string): string | undefined {
    if (!this.texts.has(rel)) this.texts.set(rel, this.readOnce(rel));
    return this.texts.get(rel);
  }

  /** The files read() was asked for, absolute, whether they were there or not (a
   *  file appearing changes what is read too). */
  filesRead(): string[] {
    return [...this.texts.keys()].map((rel) => path.join(this.root, rel));
  }

  /** A file's text, not kept (source files read once, for a quick look). */
  readOnce(rel: string): string | undefined {
    const abs = this.absolute(rel);
    try { return abs === undefined ? undefined : readRegularFile(abs).toString('latin1'); } catch { return undefined; }
  }

  makefile(rel: string): ParsedMakefile | undefined {
    if (!this.makefiles.has(rel)) {
      const text = this.read(rel);
      this.makefiles.set(rel, text === undefined ? undefined : parseMakefile(text, rel));
    }
    return this.makefiles.get(rel);
  }

  /** The kbuild file of a directory: Kbuild if there is one, else Makefile
   *  (scripts/Kbuild.include kbuild-file, scripts/Makefile.build). */
  kbuildFile(dir: string): string | undefined {
    if (!this.kbuildFiles.has(dir)) {
      const names = new Set(this.entries(dir).filter((e) => !e.dir).map((e) => e.name));
      const name = ['Kbuild', 'Makefile'].find((n) => names.has(n) && this.read(dir === '' ? n : `${dir}/${n}`) !== undefined);
      this.kbuildFiles.set(dir, name === undefined ? undefined : dir === '' ? name : `${dir}/${name}`);
    }
    return this.kbuildFiles.get(dir);
  }

  private entries(dir: string): Entry[] {
    let list = this.dirs.get(dir);
    if (!list) {
      const abs = this.realDir(dir);
      try {
        list = abs === undefined ? [] : readdirSync(abs, { withFileTypes: true })
          .map((d) => ({ name: d.name, dir: d.isDirectory() || d.isSymbolicLink() }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch { list = []; }
      this.dirs.set(dir, list);
    }
    return list;
  }

  /** Subdirectories that have a kbuild file. */
  kbuildSubdirs(dir: string): string[] {
    return this.entries(dir).filter((e) => e.dir).map((e) => (dir === '' ? e.name : `${dir}/${e.name}`))
      .filter((d) => this.kbuildFile(d) !== undefined);
  }

  /** The files of a directory whose names pass `test`. */
  filesNamed(dir: string, test: (name: string) => boolean): string[] {
    return this.entries(dir).filter((e) => !e.dir && test(e.name)).map((e) => (dir === '' ? e.name : `${dir}/${e.name}`));
  }
}

interface TreePlace { file: string; line: number; text: string }

function findLine(tree: TreeFiles, file: string, pattern: RegExp): TreePlace | undefined {
  const lines = (tree.read(file) ?? '').split('\n');
  const i = lines.findIndex((l) => pattern.test(l));
  return i < 0 ? undefined : { file, line: i + 1, text: (lines[i] as string).trim() };
}

/** Where a Kconfig file makes a symbol depend on `symbol` (lib/Kconfig.kmsan: `depends on HAVE_ARCH_KMSAN`). */
export function kconfigDependency(tree: TreeFiles, file: string, symbol: string): TreePlace | undefined {
  return findLine(tree, file, new RegExp(`^\\s*depends on\\b.*\\b${symbol}\\b`));
}

/** Whether an arch's Kconfig files (arch/<arch>/Kconfig*) select one of the symbols. */
export function archSelects(tree: TreeFiles, arch: string, symbols: string[]): boolean {
  const select = new RegExp(`^\\s*select\\s+(?:${symbols.join('|')})\\b`);
  return tree.filesNamed(`arch/${arch}`, (n) => n.startsWith('Kconfig')).some((f) => findLine(tree, f, select) !== undefined);
}

/** What an object is instrumented with when its kbuild file sets nothing (the last term of
 *  `$(if $(patsubst n%,, $(X_obj.o)$(X)DEFAULT), $(CFLAGS_X))` in scripts/Makefile.lib). */
export type SwitchDefault =
  | { on: 'always' } // `y`
  | { on: 'config'; config: string } // `$(CONFIG_KCOV_INSTRUMENT_ALL)`: when that is set
  | { on: 'kernel-object'; config?: string } // 6.12 `$(is-kernel-object)`, optionally `$(if ...,$(CONFIG_X))`
  | { on: 'never' }; // empty

export interface SwitchRule {
  /** The per-object variable's key: `$(basetarget)` (file name, 6.1) or `$(target-stem)` (path from the directory, 6.12). */
  objectKey: 'basetarget' | 'target-stem';
  default: SwitchDefault;
  /** Where Makefile.lib says so; undefined when the tree has no such line (the 6.12 rule is assumed). */
  place?: { file: string; line: number; text: string };
}

const MAKEFILE_LIB = 'scripts/Makefile.lib';

/** The tree's rule for one switch variable (KASAN_SANITIZE...). */
export function switchRule(tree: TreeFiles, variable: string, fallback: SwitchRule): SwitchRule {
  const text = tree.read(MAKEFILE_LIB);
  if (text === undefined) return fallback;
  const m = new RegExp(`\\$\\(${variable}_\\$\\((basetarget|target-stem)\\)\\.o\\)\\$\\(${variable}\\)`).exec(text);
  if (!m) return fallback;
  let end = m.index + m[0].length;
  for (let depth = 0; end < text.length; end++) {
    if (text[end] === '(') depth++;
    else if (text[end] === ')' && depth-- === 0) break;
  }
  const term = text.slice(m.index + m[0].length, end).trim();
  const line = text.slice(0, m.index).split('\n').length;
  return {
    objectKey: m[1] as SwitchRule['objectKey'],
    default: parseDefault(term),
    place: { file: MAKEFILE_LIB, line, text: (text.split('\n')[line - 1] as string).trim() },
  };
}

function parseDefault(term: string): SwitchDefault {
  if (term === 'y') return { on: 'always' };
  if (term === '') return { on: 'never' };
  if (term === '$(is-kernel-object)') return { on: 'kernel-object' };
  const config = /^\$\((CONFIG_\w+)\)$/.exec(term);
  if (config) return { on: 'config', config: config[1] as string };
  const both = /^\$\(if \$\(is-kernel-object\),\s*\$\((CONFIG_\w+)\)\)$/.exec(term);
  if (both) return { on: 'kernel-object', config: both[1] as string };
  return { on: 'always' }; // a term we cannot read: take the object as instrumented
}

/** Whether removing `-pg` removes ftrace for objects of this directory: yes on arches that keep
 *  the top Makefile's `CC_FLAGS_FTRACE := -pg`; not always on one whose arch Makefile sets its own
 *  (arm64, riscv, loongarch: -fpatchable-function-entry), nor, for generic code, on every arch. */
export function pgRemovesFtrace(tree: TreeFiles, dir: string): boolean {
  const arch = /^arch\/([^/]+)\//.exec(`${dir}/`)?.[1];
  if (arch === undefined) return false;
  const archMakefile = tree.makefile(`arch/${arch}/Makefile`);
  if (!archMakefile) return false;
  return !archMakefile.statements.some((s) => s.kind === 'assign' && s.name === 'CC_FLAGS_FTRACE' && !/(?:^|\s)-pg(?:\s|$)/.test(s.value));
}
