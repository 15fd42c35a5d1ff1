// `npm run bench:configs`: the findings of the default scope under real
// configurations, beside the scan without one. The configurations: Debian's
// amd64 kernels (package linux-config-6.1 / -6.12, installed if missing) against
// the tree of their version, and `make defconfig` for arm64, riscv and x86,
// made with O= in a scratch directory (host gcc, flex and bison; the corpus tree
// is not written), alone and with KVM, NO_HZ_FULL and the function tracer on. One table: per tree and configuration, the findings by
// severity and rule, and what moved against the scan without a configuration.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.join(import.meta.dirname, '..');
const corpus = process.env.EQSCHECK_CORPUS ?? path.join(os.homedir(), '.cache', 'eqscheck', 'corpus');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-configs-'));

function debianConfig(version) {
  const dir = `/usr/src/linux-config-${version}`;
  if (!existsSync(dir)) {
    execFileSync('apt-get', ['install', '-y', '-qq', `linux-config-${version}`], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const xz = readdirSync(dir).find((f) => f === 'config.amd64_none_amd64.xz');
  const out = path.join(scratch, `debian-${version}-amd64.config`);
  writeFileSync(out, execFileSync('xz', ['-dc', path.join(dir, xz)]));
  return out;
}

/** Kconfig asks the compiler what it can do (6.12's arm64 KVM depends on AS_HAS_ARMV8_4): a
 *  configuration for another arch is made with its cross compiler when there is one
 *  (Debian's gcc-aarch64-linux-gnu, gcc-riscv64-linux-gnu), else with the host's. */
const CROSS = { arm64: 'aarch64-linux-gnu-', riscv: 'riscv64-linux-gnu-' };

function crossCompile(arch) {
  const prefix = CROSS[arch];
  return prefix && spawnSync(`${prefix}gcc`, ['--version']).status === 0 ? prefix : null;
}

/** `make defconfig` for the arch; with `enable`, those options turned on over it (scripts/config, then olddefconfig). */
function defconfig(tree, arch, enable = []) {
  const out = path.join(scratch, `${path.basename(tree)}-${arch}${enable.length ? '-more' : ''}`);
  const cross = crossCompile(arch);
  const make = (...targets) => execFileSync('make', ['-s', '-C', tree, `O=${out}`, `ARCH=${arch}`, ...(cross ? [`CROSS_COMPILE=${cross}`] : []), ...targets],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  make('defconfig');
  if (enable.length) {
    execFileSync(path.join(tree, 'scripts', 'config'), ['--file', path.join(out, '.config'), ...enable.flatMap((o) => ['-e', o])]);
    make('olddefconfig');
  }
  return path.join(out, '.config');
}

/** What a developer of nohz_full guests turns on over defconfig: KVM, nohz_full, and the tracers. */
const NOHZ_TRACING = ['KVM', 'NO_HZ_FULL', 'FTRACE', 'FUNCTION_TRACER'];

function scan(tree, config) {
  const args = [path.join(repo, 'bin', 'eqscheck.js'), 'scan', tree, '--no-cache', '-f', 'json', '-j', '1', ...(config ? ['--config', config] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`eqscheck ${args.slice(1).join(' ')}: exit ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout).findings;
}

const key = (f) => `${path.relative(corpus, f.file)}:${f.line} ${f.ruleId}`;

const archOfFinding = (f) => /\/arch\/([^/]+)\//.exec(f.file)?.[1] ?? f.arch ?? 'generic';
const details = [];

/** @param arch the arch the configuration is made for (null: every arch) */
function row(tree, name, arch, findings, base) {
  const bySeverity = ['error', 'warning', 'note'].map((s) => findings.filter((f) => f.severity === s).length).join('/');
  const byRule = {};
  for (const f of findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  // What the configuration changed in its arch's findings.
  const before = base.filter((f) => arch === null || archOfFinding(f) === arch);
  const now = new Map(findings.map((f) => [key(f), f]));
  const was = new Map(before.map((f) => [key(f), f]));
  const gone = before.filter((f) => !now.has(key(f)));
  const added = findings.filter((f) => !was.has(key(f)));
  const moved = findings.filter((f) => was.has(key(f)) && was.get(key(f)).severity !== f.severity);
  console.log(`| ${tree} | ${name} | ${arch ?? 'all'} | ${before.length} → ${findings.length} | ${bySeverity} | ${Object.entries(byRule).map(([r, n]) => `${r} ${n}`).join(', ') || '-'} | +${added.length} −${gone.length} ~${moved.length} |`);
  for (const f of added) details.push(`${tree}, ${name}: new ${key(f)} ${f.severity}`);
  for (const f of gone) details.push(`${tree}, ${name}: gone ${key(f)} (was ${f.severity})`);
  for (const f of moved) details.push(`${tree}, ${name}: ${key(f)} ${was.get(key(f)).severity} → ${f.severity}: …${f.message.slice(f.message.lastIndexOf(' ['))}`);
}

try {
  console.log('| tree | configuration | arch | findings (its arch without → with it) | error/warning/note | by rule | +new −gone ~severity |');
  console.log('|---|---|---|---|---|---|---|');
  for (const version of ['6.1', '6.12']) {
    const tree = path.join(corpus, `linux-source-${version}`);
    if (!existsSync(tree)) { console.log(`| linux-source-${version} | (missing: npm run corpus) | | | | | |`); continue; }
    const base = scan(tree, null);
    row(`linux-source-${version}`, 'none (every arch, every arm)', null, base, base);
    row(`linux-source-${version}`, 'Debian amd64', 'x86', scan(tree, debianConfig(version)), base);
    for (const arch of ['arm64', 'riscv', 'x86']) {
      const made = crossCompile(arch) ? ` (${crossCompile(arch)}gcc)` : '';
      row(`linux-source-${version}`, `defconfig ${arch}${made}`, arch, scan(tree, defconfig(tree, arch)), base);
      row(`linux-source-${version}`, `defconfig ${arch}${made} + ${NOHZ_TRACING.join(', ')}`, arch, scan(tree, defconfig(tree, arch, NOHZ_TRACING)), base);
    }
  }
  console.log('');
  for (const d of details) console.log(`- ${d}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
