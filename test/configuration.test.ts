// A build configuration (--config, -D, -U; kbuild's autoconf.h for `check`):
// reading it, the #if arithmetic under it, the arms it rules out (in .c files and
// headers alike, offsets kept), and what a scan of a tree reports under each.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { Configuration, NO_CONFIGURATION, configArch, readAutoconf, readDotConfig, withCommandLine } from '../src/kernel/configuration.js';
import { evaluateIf } from '../src/parser/if-expression.js';
import { liveArms } from '../src/parser/live-arms.js';
import { run } from './helpers/kernel-tree.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const TREE = 'fixtures/trees/config';

describe('reading a configuration', () => {
  const DOT_CONFIG = `#
# Automatically generated file; DO NOT EDIT.
# Linux/x86_64 6.1.0 Kernel Configuration
#
CONFIG_KVM=m
CONFIG_KVM_INTEL=y
CONFIG_HZ=250
CONFIG_LOCALVERSION="-test"
# CONFIG_NO_HZ_FULL is not set
`;

  it('reads y, m, values and "is not set"; every CONFIG_ symbol it does not set is undefined', () => {
    const c = new Configuration(readDotConfig(file('x.config', DOT_CONFIG)));
    expect(c.isDefined('CONFIG_KVM')).toBe(false);
    expect(c.isDefined('CONFIG_KVM_MODULE')).toBe(true);
    expect(c.isDefined('CONFIG_KVM_INTEL')).toBe(true);
    expect(c.valueOf('CONFIG_HZ')).toBe('250');
    expect(c.valueOf('CONFIG_LOCALVERSION')).toBe('"-test"');
    expect(c.isDefined('CONFIG_NO_HZ_FULL')).toBe(false);
    expect(c.isDefined('CONFIG_NEVER_MENTIONED')).toBe(false);
    expect(c.isDefined('MODULE')).toBeUndefined();
    expect(c.option('KVM')).toBe(true);
    expect(c.option('NO_HZ_FULL')).toBe(false);
  });

  it('reads gzip (/proc/config.gz), and names what it cannot read with its line', () => {
    expect(readDotConfig(file('config.gz', gzipSync(DOT_CONFIG))).defined).toContainEqual(['CONFIG_HZ', '250']);
    expect(() => readDotConfig(file('bad.config', 'CONFIG_A=y\nthis is not a config line\n'))).toThrow(/line 2: not a \.config line/);
    expect(() => readDotConfig(file('empty.config', '# nothing\n'))).toThrow(InputError);
    expect(() => readDotConfig(file('x.xz', Buffer.from([0xfd, ...Buffer.from('7zXZ\0'), 0])))).toThrow(/xz -dk/);
  });

  it('reads kbuild\'s include/generated/autoconf.h', () => {
    const spec = readAutoconf(file('autoconf.h', '/*\n * Linux/arm64 6.1.0 Kernel Configuration\n */\n#define CONFIG_KVM 1\n#define CONFIG_HZ 250\n#define CONFIG_VIRTIO_MODULE 1\n'));
    const c = new Configuration(spec);
    expect([c.isDefined('CONFIG_KVM'), c.option('VIRTIO'), c.valueOf('CONFIG_HZ'), c.isDefined('CONFIG_OTHER')]).toEqual([true, true, '250', false]);
    expect(configArch(spec, TREE)).toBe('arm64');
  });

  it('a .config and the autoconf.h kconfig makes of it are one configuration (one cache key)', () => {
    const fromConfig = new Configuration(readDotConfig(file('same-x.config', DOT_CONFIG)));
    const fromHeader = new Configuration(readAutoconf(file('same-autoconf.h', '#define CONFIG_KVM_MODULE 1\n#define CONFIG_KVM_INTEL 1\n#define CONFIG_HZ 250\n#define CONFIG_LOCALVERSION "-test"\n')));
    expect(fromHeader.hash).toBe(fromConfig.hash);
    expect(new Configuration(readDotConfig(file('empty-string.config', 'CONFIG_LOCALVERSION=""\n'))).valueOf('CONFIG_LOCALVERSION')).toBe('""');
  });

  it('takes the arch from the header as the top Makefile maps ARCH to a source directory', () => {
    const spec = readDotConfig(file('y.config', DOT_CONFIG));
    expect(configArch(spec, TREE)).toBe('x86');
    expect(configArch(spec, dir)).toBeNull(); // no arch/x86 there
  });

  it('-D and -U go over it', () => {
    const c = new Configuration(withCommandLine(readDotConfig(file('z.config', DOT_CONFIG)), ['CONFIG_NO_HZ_FULL', 'LEVEL=3'], ['CONFIG_KVM_INTEL']));
    expect([c.isDefined('CONFIG_NO_HZ_FULL'), c.valueOf('LEVEL'), c.isDefined('CONFIG_KVM_INTEL')]).toEqual([true, '3', false]);
    // An option is on as IS_ENABLED() says: defined to 1 (y, m), not -D CONFIG_X=0.
    const zero = new Configuration(withCommandLine(readDotConfig(file('zero.config', DOT_CONFIG)), ['CONFIG_NO_HZ_FULL=0'], []));
    expect([zero.isDefined('CONFIG_NO_HZ_FULL'), zero.option('NO_HZ_FULL'), zero.option('KVM')]).toEqual([true, false, true]);
  });
});

describe('#if under a configuration', () => {
  const c = new Configuration(withCommandLine({ ...NO_CONFIGURATION, closed: true },
    ['CONFIG_A', 'CONFIG_B_MODULE', 'CONFIG_HZ=250', 'CONFIG_ZERO=0', 'CONFIG_EMPTY=', 'CONFIG_ALIAS=OTHER_MACRO'], ['FOO']));

  it.each([
    ['defined(CONFIG_A)', 1], ['defined CONFIG_A', 1], ['!defined(CONFIG_C)', 1],
    ['IS_ENABLED(CONFIG_B)', 1], ['IS_BUILTIN(CONFIG_B)', 0], ['IS_MODULE(CONFIG_B)', 1], ['IS_ENABLED(CONFIG_C)', 0],
    ['CONFIG_HZ > 100 && CONFIG_HZ <= 0x100', 1], ['CONFIG_HZ / 2 == 125', 1], ['CONFIG_C', 0], ['FOO', 0],
    // What the configuration does not decide stays open, unless the other side decides.
    ['BAR', null], ['defined(BAR) && defined(CONFIG_A)', null], ['defined(BAR) && 0', 0], ['defined(BAR) || CONFIG_A', 1],
    ['__has_attribute(__fallthrough__)', null], ['IS_REACHABLE(CONFIG_B)', null], ['CONFIG_A ? 2 : BAR', 2],
    ['defined(', null], ["'a' == 97", null],
    // kconfig.h's IS_ENABLED() is true of a symbol defined to 1 alone (-D X=0 is defined, not enabled).
    // C's #if integers: intmax_t and uintmax_t, 64 bits, octal after a 0.
    ['010 == 8', 1], ['08', null], ['-1 > 0u', 1], ['~0u == 0xffffffffffffffff', 1], ['0xffffffffffffffff == -1', 1],
    ['(0x100000000 & 0x100000000) != 0', 1], ['(1 << 40) >> 40', 1], ['1 << 64', null], ['-7 / 2 == -3 && -7 % 2 == -1', 1],
    ['IS_ENABLED(CONFIG_ZERO)', 0], ['defined(CONFIG_ZERO)', 1], ['IS_BUILTIN(CONFIG_HZ)', 0], ['IS_ENABLED(CONFIG_EMPTY)', 0], ['IS_ENABLED(CONFIG_ALIAS)', null],
  ])('%s is %s', (expression, value) => {
    expect(evaluateIf(expression, c)).toBe(value);
  });
});

describe('the arms a configuration rules out', () => {
  const c = new Configuration(withCommandLine({ ...NO_CONFIGURATION, closed: true }, ['CONFIG_A'], []));
  /** The lines left with text, trimmed. */
  const kept = (text: string): string[] => liveArms(text, c).split('\n').map((l) => l.trim()).filter(Boolean);

  it('keeps every offset', () => {
    const text = '#ifdef CONFIG_A\na();\n#else\nb(); /* é */\n#endif\n';
    expect(liveArms(text, c)).toHaveLength(text.length);
    expect(liveArms(text, c).split('\n')).toHaveLength(text.split('\n').length);
  });

  it('drops a decided conditional, its directives and its dead arm', () => {
    expect(kept('#ifdef CONFIG_A\na();\n#else\nb();\n#endif\nc();')).toEqual(['a();', 'c();']);
    expect(kept('#ifndef CONFIG_A\na();\n#endif\nc();')).toEqual(['c();']);
    expect(kept('#if defined(CONFIG_B)\na();\n#elif IS_ENABLED(CONFIG_A)\nb();\n#else\nd();\n#endif')).toEqual(['b();']);
  });

  it('leaves what it does not decide a conditional, rewritten around the arms it rules out', () => {
    expect(kept('#if defined(X)\na();\n#elif defined(CONFIG_A)\nb();\n#elif Y\nnever();\n#endif'))
      .toEqual(['#if defined(X)', 'a();', '#else', 'b();', '#endif']);
    expect(kept('#ifdef CONFIG_B\na();\n#elif X\nb();\n#else\nd();\n#endif')).toEqual(['#if   X', 'b();', '#else', 'd();', '#endif']);
    expect(kept('#ifdef X\na();\n#endif')).toEqual(['#ifdef X', 'a();', '#endif']);
  });

  it('blanks what a dead arm nests, reads directives continued over lines, and not those in comments', () => {
    expect(kept('#ifndef CONFIG_A\n# ifdef X\nx();\n# else\ny();\n# endif\n#endif\nz();')).toEqual(['z();']);
    expect(kept('#if defined(CONFIG_B) || \\\n    defined(CONFIG_C)\na();\n#endif\nz();')).toEqual(['z();']);
    expect(kept('#ifdef CONFIG_B\n/*\n#endif\n*/\na();\n#endif\nz();')).toEqual(['z();']);
  });

  it('keeps a comment that a directive\'s line leaves open where the lines after it are kept', () => {
    // `#endif /* A &&` over two lines (arch/xtensa/include/asm/initialize_mmu.h): the comment's last line is no code.
    expect(liveArms('#if 1 /* a\n b */\nc();\n#endif\n', c)).toBe('      /* a\n b */\nc();\n      \n');
    expect(liveArms('#ifdef CONFIG_A\na();\n#endif /* CONFIG_A &&\n B */\n', c)).toBe('               \na();\n       /* CONFIG_A &&\n B */\n');
    expect(liveArms('#if X /* a\n b */\na();\n#endif\n', c)).toBe('#if X /* a\n b */\na();\n#endif\n');
    // In a dead arm the comment's lines are blanked with its start.
    expect(kept('#ifdef CONFIG_B\n#if X /* a\n b */\n#endif\n#endif\nz();')).toEqual(['z();']);
  });

  it('reads the directives after a string that holds a comment\'s opening (xt_recent.c\'s "/proc/net/xt_recent/* files")', () => {
    expect(kept('p = "/sys/*";\n#ifdef CONFIG_B\nb();\n#endif\nc(); /* x */')).toEqual(['p = "/sys/*";', 'c(); /* x */']);
    expect(kept("q = '\"';\n#ifdef CONFIG_B\nb();\n#endif\nc(); // \"")).toEqual(["q = '\"';", 'c(); // "']);
  });

  it('changes nothing without a configuration', () => {
    const text = '#ifdef CONFIG_A\na();\n#endif\n';
    expect(liveArms(text, new Configuration(NO_CONFIGURATION))).toBe(text);
  });
});

describe('scan --config on a tree', () => {
  const config = (name: string, lines: string[]): string => file(name, `# Linux/${lines[0]} 6.1.0 Kernel Configuration\n${lines.slice(1).join('\n')}\n`);
  /** `line severity` of each finding of a JSON scan, and the messages. */
  async function scan(...args: string[]): Promise<{ code: number; found: string[]; messages: string[] }> {
    const r = await run(['scan', TREE, '--no-cache', '-f', 'json', ...args]);
    const findings = (JSON.parse(r.stdout) as { findings: { file: string; line: number; severity: string; message: string }[] }).findings;
    return { code: r.code, found: findings.map((f) => `${path.basename(f.file)}:${f.line} ${f.severity}`), messages: findings.map((f) => f.message) };
  }

  it('without one, every arm is a path and every arch is scanned', async () => {
    expect((await scan()).found).toEqual(['arm.c:15 error', 'arm.c:45 error', 'arm.c:60 error', 'arm.c:77 error', 'arm.c:96 error', 'pmu-extra.c:11 error', 'x86.c:11 note']);
  });

  it('follows the configuration in the .c (#ifdef, #if expressions, IS_MODULE() in C) and in headers, and scans its arch only', async () => {
    const modular = config('modular.config', ['arm64', 'CONFIG_CONTEXT_TRACKING_USER=y', 'CONFIG_KVM=m', 'CONFIG_DEBUG_EXIT=y', 'CONFIG_ARM64_EXIT_HOOKS=3',
      'CONFIG_TRACEPOINTS=y', 'CONFIG_FUNCTION_TRACER=y']);
    // The header's arm that enables interrupts is the one built: its window reports (line 30), which no scan without a configuration sees.
    expect((await scan('--config', modular)).found).toEqual(['arm.c:15 error', 'arm.c:30 error', 'arm.c:45 error', 'arm.c:60 error', 'arm.c:77 error', 'arm.c:96 error']);
    const fixed = config('fixed.config', ['arm64', 'CONFIG_CONTEXT_TRACKING_USER=y', 'CONFIG_KVM=y', 'CONFIG_ARM64_FIXED_EXIT=y', 'CONFIG_KVM_SAFE_WINDOW=y', 'CONFIG_DEBUG_EXIT=y']);
    expect(await scan('--config', fixed)).toMatchObject({ code: 0, found: [] });
    expect((await run(['scan', TREE, '--no-cache', '--config', fixed])).stdout).toContain(`eqscheck: configuration ${fixed}: arch/arm64/kvm and virt/kvm scanned\n`);
    // -U and -D go over the file.
    expect((await scan('--config', fixed, '-U', 'CONFIG_ARM64_FIXED_EXIT', '-D', 'CONFIG_ARM64_EXIT_HOOKS=5')).found).toEqual(['arm.c:15 error', 'arm.c:60 error']);
  });

  it('without CONFIG_TRACEPOINTS there is no tracepoint, and without any instrumentation nothing is instrumentable', async () => {
    const bare = config('bare.config', ['arm64', 'CONFIG_KVM=y', 'CONFIG_CONTEXT_TRACKING_USER=y', 'CONFIG_ARM64_FIXED_EXIT=y', 'CONFIG_KVM_SAFE_WINDOW=y']);
    expect((await scan('--config', bare)).found).toEqual([]);
    const traced = config('traced.config', ['arm64', 'CONFIG_KVM=y', 'CONFIG_CONTEXT_TRACKING_USER=y', 'CONFIG_ARM64_FIXED_EXIT=y', 'CONFIG_KVM_SAFE_WINDOW=y', 'CONFIG_TRACEPOINTS=y', 'CONFIG_KCOV=y']);
    const r = await scan('--config', traced);
    expect(r.found).toEqual(['arm.c:77 error', 'arm.c:96 error']);
    expect(r.messages[1]).toMatch(/kvm_count_exit\(\) is instrumentable \(built with kcov[;)]/);
  });

  it('does not analyse a file kbuild builds only under a symbol the configuration leaves unset, and names it', async () => {
    const withKvm = config('with-kvm.config', ['arm64', 'CONFIG_KVM=y', 'CONFIG_CONTEXT_TRACKING_USER=y', 'CONFIG_ARM64_FIXED_EXIT=y', 'CONFIG_KVM_SAFE_WINDOW=y']);
    const json = JSON.parse((await run(['scan', TREE, '--no-cache', '-f', 'json', '--config', withKvm])).stdout);
    expect(json.findings).toEqual([]);
    expect(json.summary.notBuiltByConfiguration).toEqual([{ file: `${TREE}/arch/arm64/kvm/pmu-extra.c`,
      namedAt: { file: 'arch/arm64/kvm/Makefile', line: 4, text: 'kvm-$(CONFIG_KVM_ARM_PMU_EXTRA) += pmu-extra.o' } }]);
    const text = (await run(['scan', TREE, '--no-cache', '--config', withKvm])).stdout;
    expect(text).toContain(`eqscheck: 1 file the configuration does not build, not analysed:\n  ${TREE}/arch/arm64/kvm/pmu-extra.c (arch/arm64/kvm/Makefile:4: kvm-$(CONFIG_KVM_ARM_PMU_EXTRA) += pmu-extra.o)\n`);
    // With the symbol set, it is built and analysed; without CONFIG_KVM, nothing of the directory is.
    expect((await scan('--config', withKvm, '-D', 'CONFIG_KVM_ARM_PMU_EXTRA')).found).toEqual(['pmu-extra.c:11 error']);
    const noKvm = JSON.parse((await run(['scan', TREE, '--no-cache', '-f', 'json', '--config', config('no-kvm.config', ['arm64', 'CONFIG_CONTEXT_TRACKING_USER=y'])])).stdout);
    expect(noKvm.summary.notBuiltByConfiguration.map((n: { file: string }) => path.basename(n.file))).toEqual(['arm.c', 'pmu-extra.c']);
  });

  it('without context tracking, the configuration never enters the EQS: notes that say so', async () => {
    const plain = config('plain.config', ['arm64', 'CONFIG_KVM=y']);
    const r = await scan('--config', plain);
    expect(r).toMatchObject({ code: 0, found: ['arm.c:15 note', 'arm.c:30 note'] });
    expect(r.messages[0]).toContain(`[configuration: CONFIG_CONTEXT_TRACKING_USER is not set in ${plain}, so this kernel never enters this EQS]`);
  });

  it('with CONFIG_NO_HZ_FULL, an EQS defect is an error whatever the arch selects', async () => {
    const nohz = config('nohz.config', ['x86_64', 'CONFIG_CONTEXT_TRACKING_USER=y', 'CONFIG_NO_HZ_FULL=y']);
    const r = await scan('--config', nohz);
    expect(r).toMatchObject({ code: 1, found: ['x86.c:11 error'] });
    expect(r.messages[0]).toContain('[configuration: CONFIG_NO_HZ_FULL=y in');
    expect(r.messages[0]).not.toContain('latent');
  });

  it('refuses what it cannot use, in one line', async () => {
    const bad = await run(['scan', TREE, '--config', file('bad2.config', 'not a config\n')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^eqscheck: error: .*bad2\.config: line 1: not a \.config line/);
    const both = await run(['scan', TREE, '-D', 'CONFIG_A', '-U', 'CONFIG_A']);
    expect([both.code, both.stderr]).toEqual([2, 'eqscheck: error: -D CONFIG_A and -U CONFIG_A both given: say one\n']);
    expect((await run(['scan', TREE, '--config', path.join(dir, 'missing.config')])).code).toBe(2);
  });
});

describe('check: kbuild\'s CHECK=', () => {
  it('takes the compiler\'s flags, reads the configuration from autoconf.h, prints gcc-form diagnostics and exits 0', async () => {
    const generated = path.join(dir, 'objtree', 'include', 'generated');
    mkdirSync(generated, { recursive: true });
    writeFileSync(path.join(generated, 'autoconf.h'), '/* Linux/arm64 6.1.0 Kernel Configuration */\n#define CONFIG_CONTEXT_TRACKING_USER 1\n#define CONFIG_KVM_MODULE 1\n');
    const source = `${TREE}/arch/arm64/kvm/arm.c`;
    const flags = ['-D__linux__', '-Dlinux', '-Wbitwise', '-Wno-return-void', '--arch=aarch64', '-mlittle-endian', '-Wp,-MMD,arch/arm64/kvm/.arm.o.d',
      '-nostdinc', '-I', path.join(dir, 'objtree', 'include'), `-I${TREE}/include`, '-isystem', '/usr/lib/gcc/include',
      '-include', `${TREE}/include/linux/kconfig.h`, '-D__KERNEL__', '-DMODULE', '-DKBUILD_MODNAME="kvm"', '-std=gnu11', '-O2',
      '-fno-strict-aliasing', '-mgeneral-regs-only', '-x', 'c', '--unknown-flag', source];
    const r = await run(['check', '--no-cache', ...flags]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const heads = r.stderr.split('\n').filter((l) => /: (error|warning): /.test(l)).map((l) => /^(\S+?):(\d+):\d+: (\w+):/.exec(l)!.slice(1).join(' '));
    expect(heads).toEqual([`${source} 15 error`, `${source} 30 error`, `${source} 45 error`]);
    expect(r.stderr).toMatch(new RegExp(`^${source}:12:2: note: guest_state_enter_irqoff\\(\\) enters the guest context`, "m"));
    // The same findings as scan --config with the same configuration, line for line.
    const scanned = await run(['scan', TREE, '--no-cache', '--config', file('same.config', '# Linux/arm64 6.1.0 Kernel Configuration\nCONFIG_CONTEXT_TRACKING_USER=y\nCONFIG_KVM=m\n')]);
    expect(scanned.stdout.split('\n').filter((l) => / (error|warning|note): /.test(l) && !l.startsWith(' ')).map((l) => /^(\S+?):(\d+):\d+: (\w+):/.exec(l)!.slice(1).join(' '))).toEqual(heads);
  });

  it('make -j: checkers run at once share one analysis and print the same', async () => {
    const cache = path.join(dir, 'check-cache');
    const check = (source: string) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(__dirname, '..', 'bin', 'eqscheck.js'), 'check', `--cache-dir=${cache}`, '-O2', source], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    const [a, b, c] = await Promise.all([check(`${TREE}/arch/arm64/kvm/arm.c`), check(`${TREE}/arch/arm64/kvm/arm.c`), check(`${TREE}/virt/kvm/kvm_main.c`)]);
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    expect(a.stderr).toContain('arm.c:15:2: error:');
    expect(b.stderr).toBe(a.stderr);
    expect(c.stderr).not.toContain(': error:');
    expect(readdirSync(cache).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('reads back what an earlier scan --config of the same configuration left in the cache', () => {
    const cache = path.join(dir, 'scan-then-check');
    const generated = path.join(dir, 'objtree2', 'include', 'generated');
    mkdirSync(generated, { recursive: true });
    writeFileSync(path.join(generated, 'autoconf.h'), '/* Linux/arm64 6.1.0 Kernel Configuration */\n#define CONFIG_CONTEXT_TRACKING_USER 1\n#define CONFIG_KVM 1\n');
    const dotConfig = file('scan-then-check.config', '# Linux/arm64 6.1.0 Kernel Configuration\nCONFIG_CONTEXT_TRACKING_USER=y\nCONFIG_KVM=y\n');
    const eqscheck = (...args: string[]) => spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'eqscheck.js'), ...args],
      { encoding: 'utf8', env: { ...process.env, EQSCHECK_TIMINGS: '1' } });
    expect(eqscheck('scan', TREE, '--config', dotConfig, '--cache-dir', cache).stderr).toContain('phase index');
    const checked = eqscheck('check', `--cache-dir=${cache}`, '-I', path.dirname(generated), '-include', 'include/linux/kconfig.h', `${TREE}/arch/arm64/kvm/arm.c`);
    expect(checked.stderr).toContain('arm.c:15:2: error:');
    expect(checked.stderr).not.toContain('phase index');
  });

  it('reports a file outside the KVM scope on its own, and a run with no C file is a usage error', async () => {
    const alone = file('alone.c', 'void f(void)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n}\n');
    const r = await run(['check', '--no-cache', '-O2', alone]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/alone\.c:5:2: error: local_irq_enable\(\) enables interrupts/);
    expect((await run(['check', '-O2', '-Wall'])).code).toBe(2);
  });
});

describe('reading a compiler command line', () => {
  it('takes what kbuild passes, its own options in both spellings, and passes over the rest', async () => {
    const { readCompilerCommand } = await import('../src/kernel/compiler-flags.js');
    const c = readCompilerCommand(['-Wp,-MMD,x.d', '-nostdinc', '-I', 'a', '-Ib', '-isystem', 'c', '-include', 'k.h', '-DA', '-D', 'B=2', '-UC', '-x', 'c',
      '-o', 'out.c', '--model', 'm.json', '--rules=r', '--no-cache', '-std=gnu11', '--weird', 'file.c']);
    expect(c.files).toEqual(['file.c']);
    expect([c.includeDirs, c.forcedIncludes, c.defines, c.undefines]).toEqual([['a', 'b', 'c'], ['k.h'], ['A', 'B=2'], ['C']]);
    expect([...c.own]).toEqual([['--model', 'm.json'], ['--rules', 'r'], ['--no-cache', '']]);
  });
});
