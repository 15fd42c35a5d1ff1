// What a compiler command line says, as kbuild hands it to $(CHECK): `$(CHECK)
// $(CHECKFLAGS) $(c_flags) file.c` (scripts/Makefile.build, cmd_checksrc). Of
// gcc's and sparse's flags we need the macros (-D, -U), the forced includes
// (-include: kconfig.h brings include/generated/autoconf.h, the configuration)
// and the include directories that find it (-I, -isystem, -iquote, -idirafter);
// the rest (-W…, -f…, -m…, -O2, -std=, -nostdinc, --arch=, -Wp,-MMD,…) changes
// nothing we read and is passed over without a word, as sparse does.

export interface CompilerCommand {
  /** The C files to check, in order. */
  files: string[];
  /** -D NAME[=VALUE], in order. */
  defines: string[];
  /** -U NAME, in order. */
  undefines: string[];
  /** -include FILE and -imacros FILE, in order. */
  forcedIncludes: string[];
  /** -I, -iquote, -isystem, -idirafter directories, in order. */
  includeDirs: string[];
  /** eqscheck's own options (--rules=, --cache-dir=, --no-cache, --model=), by name. */
  own: Map<string, string>;
}

/** Flags that take the next word as their value when it is not joined to them. */
const WITH_VALUE = new Set([
  '-D', '-U', '-I', '-include', '-imacros', '-isystem', '-iquote', '-idirafter', '-o', '-MF', '-MT', '-MQ', '-x',
  '-Xassembler', '-Xlinker', '-Xpreprocessor', '-aux-info', '--param', '-G', '-T', '-L', '-l', '-e', '-u', '-z',
]);
const INCLUDE_DIR_FLAGS = ['-isystem', '-iquote', '-idirafter', '-I'];
export const OWN_OPTIONS = ['--rules', '--cache-dir', '--model', '--no-cache'] as const;

export function readCompilerCommand(argv: readonly string[]): CompilerCommand {
  const out: CompilerCommand = { files: [], defines: [], undefines: [], forcedIncludes: [], includeDirs: [], own: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const own = OWN_OPTIONS.find((o) => word === o || word.startsWith(`${o}=`));
    if (own) {
      // `--model FILE` as well as `--model=FILE`; --no-cache takes nothing.
      const value = word === own && own !== '--no-cache' ? argv[++i] ?? '' : word.slice(own.length + 1);
      out.own.set(own, value);
      continue;
    }
    if (!word.startsWith('-') || word === '-') {
      if (/\.c$/.test(word)) out.files.push(word);
      continue;
    }
    const value = (flag: string): string | undefined => {
      if (word === flag) return WITH_VALUE.has(flag) ? argv[++i] : undefined;
      return word.startsWith(flag) ? word.slice(flag.length) : undefined;
    };
    let v: string | undefined;
    if (word === '-include' || word === '-imacros') { v = argv[++i]; if (v) out.forcedIncludes.push(v); continue; }
    const dirFlag = INCLUDE_DIR_FLAGS.find((f) => word.startsWith(f));
    if (dirFlag) { v = value(dirFlag); if (v) out.includeDirs.push(v); continue; }
    if ((v = value('-D')) !== undefined) { if (v) out.defines.push(v); continue; }
    if ((v = value('-U')) !== undefined) { if (v) out.undefines.push(v); continue; }
    if (WITH_VALUE.has(word)) i++;
  }
  return out;
}
