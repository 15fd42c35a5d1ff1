// `eqscheck check`: the drop-in for kbuild's checker, as sparse is one.
//   make C=1 CHECK="eqscheck check" arch/x86/kvm/      (C=2: every file, built or not)
// kbuild runs `$(CHECK) $(CHECKFLAGS) <compiler flags> file.c` for each C file it
// compiles. The configuration is the build's: include/generated/autoconf.h,
// which kconfig.h (forced in with -include) brings in from the include paths.
// A file of the KVM scope (its arch's kvm directory and virt/kvm) is analysed
// with the rest of that scope, which is where its callers and callees are: one
// analysis, the same as `eqscheck scan --config .config` over the tree, kept in
// the cache, so the next file of the directory reads it back. Per-object macros
// (-DMODULE, -D__KVM_NVHE_HYPERVISOR__) are left open, as scan leaves them,
// so that one analysis serves every file. A file outside the scope is analysed
// alone, with the headers it includes. The findings whose path starts in the
// file go to stderr in gcc's form, and the exit status is 0 whatever they are,
// so that the build goes on (as with sparse); so it is when eqscheck cannot
// analyse: the reason is printed, and the build is not stopped for it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../analysis/interpreter.js';
import { Cache, defaultCacheDir, sha1 } from '../cache/cache.js';
import { oneAtATime } from './check-lock.js';
import { InputError } from '../errors.js';
import { readCompilerCommand, type CompilerCommand } from '../kernel/compiler-flags.js';
import { NO_CONFIGURATION, configArch, readAutoconf, type ConfigSpec } from '../kernel/configuration.js';
import { archOf, kernelRootOf } from '../kernel/paths.js';
import { readUserModel } from '../model/user-model.js';
import { formatGcc } from '../report/gcc.js';
import { RULES, RuleSelectionError, rulesNamed } from '../rules/index.js';
import { analyzeFiles } from '../run/analyze.js';
import { collectFiles, displayPath, kvmScope } from '../scan/collect.js';

export interface CheckIo {
  stderr: (text: string) => void;
}

/** Runs one checker invocation; the exit status (0 unless no C file was named). */
export async function runCheck(argv: readonly string[], io: CheckIo): Promise<number> {
  const command = readCompilerCommand(argv);
  if (!command.files.length) {
    io.stderr('eqscheck check: no C file on the command line (kbuild runs: $(CHECK) $(CHECKFLAGS) <compiler flags> file.c)\n');
    return 2;
  }
  for (const file of command.files) {
    try {
      io.stderr(await checkFile(file, command, io));
    } catch (err) {
      if (!(err instanceof InputError || err instanceof RuleSelectionError)) throw err;
      io.stderr(`eqscheck: error: ${err.message} (not analysed; the build goes on)\n`);
    }
  }
  return 0;
}

async function checkFile(file: string, command: CompilerCommand, io: CheckIo): Promise<string> {
  const configuration = buildConfiguration(command);
  if (!configuration.origin) io.stderr(`eqscheck: ${file}: no generated/autoconf.h among the include paths: analysed for every configuration\n`);
  const checked = displayPath(file);
  const root = kernelRootOf(file);
  const arch = archOf(checked) ?? (root ? configArch(configuration, root) : null);
  const scope = root ? collectFiles(kvmScope(root, arch)) : null;
  const { files, explicit, roots, skipped } = scope?.files.includes(checked) ? scope : collectFiles([file]);
  const ruleList = command.own.get('--rules');
  const rules = ruleList === undefined ? RULES : rulesNamed(ruleList);
  const model = command.own.get('--model');
  const cacheDir = command.own.has('--no-cache') ? null : command.own.get('--cache-dir') || defaultCacheDir();
  const lockKey = sha1('check', JSON.stringify([files, configuration, rules.map((r) => r.id), model ?? null]));
  const result = await oneAtATime(cacheDir, lockKey, () => analyzeFiles(files, {
    rules, configuration, explicit, roots, skipped, models: model ? [readUserModel(model)] : [],
    cache: cacheDir === null ? null : new Cache(cacheDir, undefined, { warn: (m) => io.stderr(`eqscheck: ${m}\n`) }),
  }));
  const mine = result.findings.filter((f) => startsIn(f) === checked);
  const notParsed = result.summary.functionsWithParseErrors.filter((p) => p.file === checked)
    .map((p) => `${p.file}:${p.line}:1: note: eqscheck: ${p.function}() not fully parsed (analysed as far as it goes)\n`);
  return formatGcc(mine) + notParsed.join('');
}

/** The C file a finding's path starts in: its own file, or for one in a header the .c its path comes from. */
function startsIn(f: Finding): string {
  if (f.file.endsWith('.c')) return f.file;
  return f.trace.find((t) => t.file.endsWith('.c'))?.file ?? f.file;
}

/** The build's configuration: autoconf.h named by -include, or found by kconfig.h's `#include <generated/autoconf.h>`. */
function buildConfiguration(command: CompilerCommand): ConfigSpec {
  const direct = command.forcedIncludes.find((f) => path.basename(f) === 'autoconf.h');
  if (direct) return readAutoconf(direct);
  if (!command.forcedIncludes.some((f) => path.basename(f) === 'kconfig.h')) return NO_CONFIGURATION;
  for (const dir of command.includeDirs) {
    const candidate = path.join(dir, 'generated', 'autoconf.h');
    if (existsSync(candidate)) return readAutoconf(candidate);
  }
  return NO_CONFIGURATION;
}
