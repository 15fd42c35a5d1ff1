// Scope independence on real trees: for every arch with a KVM directory, a scan
// of `arch/<arch>/kvm virt/kvm` must report exactly what the default scope
// reports for that arch (its files, and generic findings the arch's scan makes).
// Usage: node bench/scope-per-arch.mjs [TREE...] (default: the corpus trees present).
// Prints one line per tree and arch; exits 1 if any differs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = path.join(import.meta.dirname, '..', 'bin', 'eqscheck.js');
const corpus = path.join(os.homedir(), '.cache', 'eqscheck', 'corpus');
const trees = process.argv.slice(2).length ? process.argv.slice(2)
  : ['linux-5.15-prefix', 'linux-source-6.1', 'linux-source-6.12'].map((t) => path.join(corpus, t)).filter(existsSync);

function findings(tree, paths) {
  const r = spawnSync(process.execPath, [bin, 'scan', ...paths, '--no-cache', '-f', 'json', '--fail-on', 'none'], { cwd: tree, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`eqscheck scan ${paths.join(' ')} in ${tree}: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout).findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.function}: ${f.message}`);
}

let differs = 0;
for (const tree of trees) {
  const full = findings(tree, ['.']);
  for (const arch of readdirSync(path.join(tree, 'arch')).filter((a) => existsSync(path.join(tree, 'arch', a, 'kvm'))).sort()) {
    const alone = findings(tree, [`arch/${arch}/kvm`, 'virt/kvm']).sort();
    const inFull = full.filter((f) => f.split(' ')[1].startsWith(`arch/${arch}/`) || alone.includes(f)).sort();
    const same = JSON.stringify(alone) === JSON.stringify(inFull);
    if (!same) differs++;
    console.log(`${path.basename(tree)} ${arch}: alone ${alone.length}, in the default scope ${inFull.length}: ${same ? 'same' : 'DIFFERENT'}`);
    if (!same) for (const f of [...alone.filter((x) => !inFull.includes(x)).map((x) => `  only alone: ${x}`), ...inFull.filter((x) => !alone.includes(x)).map((x) => `  only in full: ${x}`)]) console.log(f.slice(0, 300));
  }
}
process.exit(differs ? 1 : 0);
