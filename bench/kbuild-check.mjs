// `npm run bench:kbuild-check`: eqscheck as kbuild's checker, for real. In a
// copy of the 6.1 corpus tree: `make defconfig` with KVM (Intel and AMD),
// NO_HZ_FULL and the function tracer turned on (x86's defconfig has no
// instrumentation at all), `make prepare`, three known bugs injected into
// arch/x86/kvm (so that there is something to find), `make arch/x86/kvm/`, then
// `make C=2 CHECK="eqscheck check" arch/x86/kvm/` (C=2: every file checked,
// compiled or not). The diagnostics kbuild's run prints must be those of
// `eqscheck scan --config .config` over the tree, and each injected bug found;
// the build must go on (exit 0). Needs host gcc, make, flex, bison, bc and
// libelf-dev (objtool); EQSCHECK_KBUILD_TREE=DIR reuses a prepared copy.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.join(import.meta.dirname, '..');
const eqscheck = path.join(repo, 'bin', 'eqscheck.js');
const corpus = process.env.EQSCHECK_CORPUS ?? path.join(os.homedir(), '.cache', 'eqscheck', 'corpus');
const source = path.join(corpus, 'linux-source-6.1');
const jobs = String(Math.max(1, os.availableParallelism()));

// Each in a window of its own: one window's defects are one finding.
const MUTATIONS = [
  { file: 'arch/x86/kvm/vmx/vmx.c', from: 'static noinstr void vmx_l1d_flush(', to: 'static void vmx_l1d_flush(', expect: 'instrumentation-in-eqs' },
  { file: 'arch/x86/kvm/x86.c', from: '\tguest_timing_enter_irqoff();\n\n\tfor (;;) {\n', to: '\n\n\tfor (;;) {\n\t\tguest_timing_enter_irqoff();\n', expect: 'vtime-unbalanced' },
  { file: 'arch/x86/kvm/svm/svm.c', from: '\tguest_state_enter_irqoff();\n\n', to: '\tguest_state_enter_irqoff();\n\ttrace_kvm_entry(vcpu, false);\n\n', expect: 'instrumentation-in-eqs' },
];

function sh(cwd, command, args) {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

function prepare() {
  const reuse = process.env.EQSCHECK_KBUILD_TREE;
  const prepared = reuse && existsSync(path.join(reuse, 'include', 'generated', 'autoconf.h'));
  const tree = reuse ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'eqscheck-kbuild-')), 'linux');
  if (!prepared) {
    console.error(`copying ${source} to ${tree}`);
    cpSync(source, tree, { recursive: true });
    sh(tree, 'make', ['-s', 'defconfig']);
    sh(tree, 'scripts/config', ['-e', 'KVM', '-e', 'KVM_INTEL', '-e', 'KVM_AMD', '-e', 'NO_HZ_FULL', '-e', 'FTRACE', '-e', 'FUNCTION_TRACER']);
    sh(tree, 'make', ['-s', 'olddefconfig']);
    sh(tree, 'make', ['-s', `-j${jobs}`, 'prepare']);
  }
  // Each mutated file starts from the corpus's copy (a reused tree may hold an earlier run's mutations).
  const texts = new Map(MUTATIONS.map((m) => [m.file, readFileSync(path.join(source, m.file), 'utf8')]));
  for (const m of MUTATIONS) {
    if (!texts.get(m.file).includes(m.from)) throw new Error(`${m.file}: the text to mutate is not there`);
    texts.set(m.file, texts.get(m.file).replace(m.from, m.to));
  }
  for (const [file, text] of texts) writeFileSync(path.join(tree, file), text);
  return { tree, owned: !reuse };
}

/** `file:line severity [rule]` of each gcc-form diagnostic head (not its notes). */
function heads(text) {
  return text.split('\n').flatMap((l) => {
    const m = /^(\S+?):(\d+):\d+: (error|warning|note): .* \[([a-z0-9-]+)\]$/.exec(l);
    return m ? [`${path.normalize(m[1])}:${m[2]} ${m[3]} [${m[4]}]`] : [];
  }).sort();
}

function timed(cwd, command, args, env = process.env) {
  const start = performance.now();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env, maxBuffer: 256 * 2 ** 20 });
  return { ...r, seconds: (performance.now() - start) / 1000 };
}

const { tree, owned } = prepare();
const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-kbuild-cache-'));
try {
  const build = timed(tree, 'make', [`-j${jobs}`, 'arch/x86/kvm/']);
  if (build.status !== 0) throw new Error(`make arch/x86/kvm/ failed:\n${build.stderr}`);
  const check = `${process.execPath} ${eqscheck} check --cache-dir=${cacheDir}`;
  const checked = timed(tree, 'make', [`-j${jobs}`, 'C=2', `CHECK=${check}`, 'arch/x86/kvm/']);
  const again = timed(tree, 'make', [`-j${jobs}`, 'C=2', `CHECK=${check}`, 'arch/x86/kvm/']);
  const scanned = timed(tree, process.execPath, [eqscheck, 'scan', '.', '--config', '.config', '--no-cache', '-q']);
  const fromMake = heads(checked.stderr);
  const fromScan = heads(scanned.stdout);
  const files = checked.stdout.split('\n').filter((l) => /^\s+CHECK\s/.test(l)).length;
  console.log(`make arch/x86/kvm/ (compile):                 ${build.seconds.toFixed(1)} s`);
  console.log(`make C=2 CHECK="eqscheck check" (${files} files): ${checked.seconds.toFixed(1)} s, again (cache): ${again.seconds.toFixed(1)} s; exit ${checked.status}`);
  console.log(`eqscheck scan . --config .config:             ${scanned.seconds.toFixed(1)} s`);
  console.log(`diagnostics: kbuild ${fromMake.length}, scan ${fromScan.length}`);
  for (const h of fromMake) console.log(`  ${h}`);
  const same = JSON.stringify(fromMake) === JSON.stringify(fromScan) && JSON.stringify(heads(again.stderr)) === JSON.stringify(fromMake);
  const missed = MUTATIONS.filter((m) => !fromMake.some((h) => h.startsWith(`${m.file}:`) && h.endsWith(`[${m.expect}]`)));
  console.log(same ? 'kbuild\'s diagnostics equal the scan\'s' : `DIFFERENT: scan has\n${fromScan.map((h) => `  ${h}`).join('\n')}`);
  for (const m of missed) console.log(`MISSED: ${m.expect} in ${m.file}`);
  process.exitCode = same && !missed.length && checked.status === 0 ? 0 : 1;
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
  if (owned) rmSync(path.dirname(tree), { recursive: true, force: true });
}
