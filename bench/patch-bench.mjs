// `node bench/patch-bench.mjs [TREE]`: the time of `eqscheck patch` for one-function
// patches to arch/arm64/kvm/arm.c of the 6.1 corpus (read-only: the patch is applied
// to a scratch copy), next to a full default-scope scan of the same tree. Patches:
//   comment  a comment line in kvm_arch_vcpu_ioctl_run (nothing introduced)
//   stmt     a harmless statement there (nothing introduced)
//   bug      local_irq_enable() right after the guest run (the seed's bug: introduced)
//   return   an early return between guest_state_enter_irqoff() and its exit
// For `bug` and `return`, it also checks the patch mode's answer against two full
// scans (the tree, and a copy with the patch applied): introduced = after - before.
// Needs `npm run build` and `npm run corpus`.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', 'bin', 'eqscheck.js');
const corpus = process.env.EQSCHECK_CORPUS ?? path.join(os.homedir(), '.cache', 'eqscheck', 'corpus');
const tree = path.resolve(process.argv[2] ?? path.join(corpus, 'linux-source-6.1'));
const FILE = 'arch/arm64/kvm/arm.c';
if (!existsSync(path.join(tree, FILE))) {
  console.error(`patch-bench: ${path.join(tree, FILE)} missing (run npm run corpus)`);
  process.exit(2);
}
const text = readFileSync(path.join(tree, FILE), 'utf8');
const lines = text.split('\n');

/** A unified diff inserting `added` after line `after` (1-based) of FILE, 3 lines of context. */
function insertion(after, added) {
  const start = Math.max(1, after - 2);
  const ctxBefore = lines.slice(start - 1, after);
  const ctxAfter = lines.slice(after, after + 3);
  const oldCount = ctxBefore.length + ctxAfter.length;
  return `diff --git a/${FILE} b/${FILE}\n--- a/${FILE}\n+++ b/${FILE}\n` +
    `@@ -${start},${oldCount} +${start},${oldCount + added.length} @@\n` +
    [...ctxBefore.map((l) => ` ${l}`), ...added.map((l) => `+${l}`), ...ctxAfter.map((l) => ` ${l}`)].join('\n') + '\n';
}

const fnLine = lines.findIndex((l) => l.startsWith('int kvm_arch_vcpu_ioctl_run(')) + 1;
const brace = lines.findIndex((l, i) => i >= fnLine && l === '{') + 1;
const run = lines.findIndex((l) => l === '\tret = kvm_call_hyp_ret(__kvm_vcpu_run, vcpu);') + 1;
if (!fnLine || !brace) throw new Error('kvm_arch_vcpu_ioctl_run not found');
const patches = {
  comment: insertion(brace, ['\t/* eqscheck bench: a comment line */']),
  stmt: insertion(brace + 1, ['\tbarrier();']),
};
if (run) patches.bug = insertion(run, ['\tlocal_irq_enable();']);
// An early return between the guest state's enter and exit (bench/mutations.mjs's second one).
const enter = lines.findIndex((l) => l === '\tguest_state_enter_irqoff();') + 1;
if (enter) patches.return = insertion(enter, ['\tif (vcpu->arch.flags & 1)', '\t\treturn -EINVAL;']);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-patch-bench-'));
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const eqscheck = (args, cwd = process.cwd()) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--max-old-space-size=16000', bin, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`eqscheck ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { seconds: seconds(t0), status: r.status, stdout: r.stdout };
};

try {
  const rows = [];
  const reports = {};
  for (const [name, diff] of Object.entries(patches)) {
    const file = path.join(tmp, `${name}.patch`);
    writeFileSync(file, diff);
    const r = eqscheck(['patch', file, '--tree', tree, '--format', 'json']);
    const report = JSON.parse(r.stdout);
    reports[name] = report;
    rows.push(`| patch (${name}) | ${report.summary.scope.join(', ')} | ${report.summary.after.files} | ${report.introduced.length} introduced, ${report.fixed.length} fixed | ${r.seconds.toFixed(2)} |`);
  }
  const wholeFile = path.join(tmp, 'comment.patch');
  const whole = eqscheck(['patch', wholeFile, '--tree', tree, '--format', 'json', '--whole-scope']);
  const wholeReport = JSON.parse(whole.stdout);
  rows.push(`| patch --whole-scope (comment) | default scope | ${wholeReport.summary.after.files} | ${wholeReport.introduced.length} introduced, ${wholeReport.fixed.length} fixed | ${whole.seconds.toFixed(2)} |`);
  // From the tree's root, so that its fingerprints are relative to it (as the patch mode's are).
  const full = eqscheck(['scan', '.', '--format', 'json'], tree);
  const fullReport = JSON.parse(full.stdout);
  rows.push(`| scan (full default scope) | arch/*/kvm, virt/kvm | ${fullReport.summary.files} | ${fullReport.findings.length} findings | ${full.seconds.toFixed(2)} |`);

  console.log(`eqscheck patch on ${path.relative(corpus, tree) || tree}/${FILE}, one-function patches (wall time, one process each)\n`);
  console.log('| run | scope | files | result | wall s |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);

  // The patches that introduce something, against two full scans: the tree, and a
  // copy of it with the patch applied (arm64's kvm directory copied, the rest linked).
  const beforeFps = new Set(fullReport.findings.map((f) => f.fingerprint));
  for (const name of ['bug', 'return'].filter((n) => patches[n])) {
    const root = path.join(tmp, `patched-${name}`);
    mkdirSync(root);
    for (const e of readdirSync(tree)) if (e !== 'arch') symlinkSync(path.join(tree, e), path.join(root, e));
    mkdirSync(path.join(root, 'arch'));
    for (const a of readdirSync(path.join(tree, 'arch'))) {
      if (a !== 'arm64') { symlinkSync(path.join(tree, 'arch', a), path.join(root, 'arch', a)); continue; }
      mkdirSync(path.join(root, 'arch', a));
      for (const e of readdirSync(path.join(tree, 'arch', a))) {
        if (e === 'kvm') cpSync(path.join(tree, 'arch', a, e), path.join(root, 'arch', a, e), { recursive: true });
        else symlinkSync(path.join(tree, 'arch', a, e), path.join(root, 'arch', a, e));
      }
    }
    execFileSync('git', ['apply', path.join(tmp, `${name}.patch`)], { cwd: root, env: { ...process.env, GIT_CEILING_DIRECTORIES: tmp } });
    const after = JSON.parse(eqscheck(['scan', '.', '--format', 'json'], root).stdout).findings;
    const show = (f) => `${f.line} ${f.function} [${f.ruleId}]`;
    const expected = after.filter((f) => !beforeFps.has(f.fingerprint)).map(show).sort();
    const got = reports[name].introduced.map(show).sort();
    const same = JSON.stringify(got) === JSON.stringify(expected);
    console.log(`\n${name}: patch mode introduces ${got.length} in arm.c, two full scans ${expected.length}: ${same ? 'the same' : 'DIFFERENT'}`);
    if (!same) {
      console.log(`  patch mode only: ${got.filter((x) => !expected.includes(x)).join('; ') || 'none'}`);
      console.log(`  full scans only: ${expected.filter((x) => !got.includes(x)).join('; ') || 'none'}`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
