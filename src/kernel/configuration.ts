// A build configuration as the preprocessor sees it: the macros it defines (with
// their values) and those it leaves undefined. It comes from a kernel `.config`
// (`--config`), from kbuild's `-include include/generated/autoconf.h`, and from
// `-D` / `-U`. A .config is a whole configuration: a CONFIG_ symbol it does not set
// is undefined, as kconfig's autoconf.h leaves it. Other macros (`MODULE`,
// `__KVM_NVHE_HYPERVISOR__`) stay unknown unless -D/-U names them: both arms of a
// test of them are paths, as without a configuration.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../errors.js';
import { readRegularFile } from '../io/read-file.js';

/** A configuration as plain data (it crosses into worker threads and cache keys). */
export interface ConfigSpec {
  /** Macros defined, with the value a #define gives them ('1' for y). */
  defined: [string, string][];
  /** Macros known to be undefined. */
  undefined: string[];
  /** Every CONFIG_ macro not in `defined` is undefined (read from a whole configuration). */
  closed: boolean;
  /** `Linux/ARCH` of the configuration's header (the make ARCH it was made for), if it says. */
  makeArch: string | null;
  /** What it was read from, for messages: the file, or null for -D/-U alone. */
  origin: string | null;
}

export const NO_CONFIGURATION: ConfigSpec = { defined: [], undefined: [], closed: false, makeArch: null, origin: null };

const SYMBOL = /^[A-Za-z_]\w*$/;

export class Configuration {
  private readonly values: Map<string, string>;
  private readonly cleared: Set<string>;

  constructor(readonly spec: ConfigSpec) {
    this.values = new Map(spec.defined);
    this.cleared = new Set(spec.undefined);
  }

  /** Decides nothing: every config test has both arms (no -D, -U or --config). */
  get empty(): boolean {
    return !this.spec.closed && this.values.size === 0 && this.cleared.size === 0;
  }

  /** Whether `name` is defined: true, false, or undefined when the configuration does not say. */
  isDefined(name: string): boolean | undefined {
    if (this.values.has(name)) return true;
    if (this.cleared.has(name) || (this.spec.closed && name.startsWith('CONFIG_'))) return false;
    return undefined;
  }

  /** A defined macro's value; null when it is known undefined; undefined when not known. */
  valueOf(name: string): string | null | undefined {
    const v = this.values.get(name);
    if (v !== undefined) return v;
    return this.isDefined(name) === false ? null : undefined;
  }

  /** include/linux/kconfig.h's tests of a config symbol, in three values: IS_ENABLED is
   *  "built in or a module", IS_BUILTIN only the first, IS_MODULE only the second
   *  (CONFIG_X_MODULE); IS_REACHABLE also counts a module when the code is one (MODULE).
   *  Undefined for any other macro. */
  test(macro: string, symbol: string): boolean | undefined {
    const builtin = this.definedAsOne(symbol);
    const module = this.definedAsOne(`${symbol}_MODULE`);
    switch (macro) {
      case 'IS_ENABLED': return or(builtin, module);
      case 'IS_BUILTIN': return builtin;
      case 'IS_MODULE': return module;
      case 'IS_REACHABLE': return or(builtin, and(module, this.definedAsOne('MODULE')));
      default: return undefined;
    }
  }

  /** A Kconfig option (`NO_HZ_FULL`) is y or m: true; n or unset: false; not known: undefined
   *  (IS_ENABLED(CONFIG_NO_HZ_FULL), as the kernel's code asks it). */
  option(symbol: string): boolean | undefined {
    return this.test('IS_ENABLED', `CONFIG_${symbol}`);
  }

  /** `$(CONFIG_X)` as kbuild reads it in a list's name: y, m, '' (unset), or undefined (not known). */
  kbuildValue(symbol: string): 'y' | 'm' | '' | undefined {
    const builtin = this.test('IS_BUILTIN', symbol);
    if (builtin) return 'y';
    const module = this.test('IS_MODULE', symbol);
    if (module) return 'm';
    return builtin === false && module === false ? '' : undefined;
  }

  /** kconfig.h's __is_defined(x): true only when x expands to `1` (it pastes
   *  __ARG_PLACEHOLDER_ to the expansion, and only __ARG_PLACEHOLDER_1 is a macro),
   *  so a symbol defined to 0, to 123 or to nothing is not enabled. A value that
   *  is a macro name expands further: not known. */
  private definedAsOne(name: string): boolean | undefined {
    const value = this.valueOf(name);
    if (value === undefined) return undefined;
    if (value === null) return false;
    const v = value.trim();
    return v === '1' ? true : v === '' || /^\d\w*$/.test(v) ? false : undefined;
  }

  /** A stable hash of what it decides ('' when nothing), for cache keys: the same for a
   *  .config and the autoconf.h made from it (a closed configuration's unset CONFIG_
   *  symbols go without saying), so that kbuild's checker finds what a scan left in the cache. */
  get hash(): string {
    if (this.empty) return '';
    const cleared = [...this.cleared].filter((n) => !(this.spec.closed && n.startsWith('CONFIG_'))).sort();
    this.memoHash ??= createHash('sha1').update(JSON.stringify([[...this.values].sort(byName), cleared, this.spec.closed])).digest('hex');
    return this.memoHash;
  }

  private memoHash: string | undefined;
}

function or(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  return a === true || b === true ? true : a === false && b === false ? false : undefined;
}

function and(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  return a === false || b === false ? false : a === true && b === true ? true : undefined;
}

function byName(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** -D NAME[=VALUE] and -U NAME over a configuration (a later -D/-U of a name wins). */
export function withCommandLine(base: ConfigSpec, defines: readonly string[], undefines: readonly string[]): ConfigSpec {
  const defined = new Map(base.defined);
  const cleared = new Set(base.undefined);
  for (const d of defines) {
    const eq = d.indexOf('=');
    const name = eq < 0 ? d : d.slice(0, eq);
    defined.set(name, eq < 0 ? '1' : d.slice(eq + 1));
    cleared.delete(name);
  }
  for (const u of undefines) {
    defined.delete(u);
    cleared.add(u);
  }
  return { ...base, defined: [...defined].sort(byName), undefined: [...cleared].sort() };
}

/** A `-D` value: NAME or NAME=VALUE. */
export function isDefineSpec(value: string): boolean {
  const eq = value.indexOf('=');
  return SYMBOL.test(eq < 0 ? value : value.slice(0, eq));
}

export function isMacroName(value: string): boolean {
  return SYMBOL.test(value);
}

// `# Linux/x86 6.1.0 Kernel Configuration`, as kconfig heads .config and autoconf.h.
const HEADER = /^[#* \t]*Linux\/(\S+) \S+ Kernel Configuration\s*$/m;

/** Reads a kernel .config (or a gzip-compressed one, such as /proc/config.gz). */
export function readDotConfig(file: string): ConfigSpec {
  const text = configText(file);
  const defined: [string, string][] = [];
  const cleared: string[] = [];
  let symbols = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const unset = /^#\s*(CONFIG_\w+) is not set$/.exec(line);
    if (unset) { cleared.push(unset[1]!); symbols++; return; }
    if (line.startsWith('#')) return;
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (!m) throw new InputError(file, `line ${i + 1}: not a .config line (CONFIG_NAME=value or '# CONFIG_NAME is not set'): '${line.slice(0, 60)}'`);
    symbols++;
    const [, name, value] = m as unknown as [string, string, string];
    if (value === 'y') defined.push([name, '1']);
    else if (value === 'm') defined.push([`${name}_MODULE`, '1']);
    else if (value === 'n') cleared.push(name);
    else defined.push([name, value]);
  });
  if (!symbols) throw new InputError(file, 'not a kernel configuration: no CONFIG_ line (a .config, as make defconfig writes it)');
  return { defined: defined.sort(byName), undefined: [...new Set(cleared)].sort(), closed: true, makeArch: HEADER.exec(text)?.[1] ?? null, origin: file };
}

/** Reads include/generated/autoconf.h: what it #defines is the configuration, the rest of CONFIG_ is unset. */
export function readAutoconf(file: string): ConfigSpec {
  const text = readRegularFile(file).toString('latin1');
  const defined: [string, string][] = [];
  for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(CONFIG_\w+)[ \t]*(.*?)[ \t]*$/gm)) defined.push([m[1]!, m[2] || '1']);
  if (!defined.length) throw new InputError(file, 'not a kernel autoconf.h: it defines no CONFIG_ macro');
  return { defined: defined.sort(byName), undefined: [], closed: true, makeArch: HEADER.exec(text)?.[1] ?? null, origin: file };
}

function configText(file: string): string {
  const bytes = readRegularFile(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString('latin1');
    } catch (err) {
      throw new InputError(file, `not a readable gzip file (${(err as Error).message})`);
    }
  }
  if (bytes[0] === 0xfd && bytes.subarray(1, 6).toString('latin1') === '7zXZ\0') {
    throw new InputError(file, 'compressed with xz: decompress it first (xz -dk FILE)');
  }
  return bytes.toString('latin1');
}

// The top Makefile's ARCH -> SRCARCH (`ifeq ($(ARCH),x86_64) SRCARCH := x86`, …).
const SRCARCH: Record<string, string> = { i386: 'x86', x86_64: 'x86', sparc32: 'sparc', sparc64: 'sparc', parisc64: 'parisc', sh64: 'sh', tilepro: 'tile', tilegx: 'tile' };

/** The arch directory a configuration was made for: its header's ARCH, as the top
 *  Makefile maps it to a source arch, if the kernel tree at `root` has that directory. */
export function configArch(spec: ConfigSpec, root: string): string | null {
  if (!spec.makeArch) return null;
  const dir = SRCARCH[spec.makeArch] ?? spec.makeArch;
  try {
    return statSync(path.join(root, 'arch', dir)).isDirectory() ? dir : null;
  } catch {
    return null;
  }
}
