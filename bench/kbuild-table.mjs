// `node bench/kbuild-table.mjs [TREE...]`: what src/kernel/kbuild.ts says about the objects of
// the files that matter to EQS windows (entry, context tracking, KVM run loops, idle), as a
// markdown table per tree, to compare by hand with the kernel's Makefiles. Default trees: the
// corpus (EQSCHECK_CORPUS, default ~/.cache/eqscheck/corpus) linux-source-6.1 and -6.12.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fg from 'fast-glob';
import { Kbuild } from '../dist/kernel/kbuild.js';
import { INSTRUMENTATION_KINDS } from '../dist/model/instrumentation.js';

const FILES = [
  'kernel/entry/common.c', 'kernel/context_tracking.c', 'kernel/sched/idle.c',
  'arch/x86/kvm/vmx/vmx.c', 'arch/x86/kvm/svm/svm.c', 'arch/x86/kvm/x86.c',
  'arch/arm64/kvm/hyp/nvhe/*.c', 'arch/arm64/kvm/hyp/vhe/*.c', 'arch/arm64/kvm/hyp/*.c', 'arch/arm64/kvm/arm.c',
  'arch/arm64/kernel/entry-common.c', 'arch/arm64/kernel/idle.c',
  'arch/riscv/kvm/vcpu.c', 'arch/loongarch/kvm/*.c', 'arch/powerpc/kvm/book3s_pr.c', 'arch/s390/kvm/kvm-s390.c',
  'drivers/cpuidle/*.c',
  // What the model's kernel API entries say about their own objects.
  'kernel/locking/lockdep.c', 'kernel/trace/trace_preemptirq.c', 'kernel/printk/printk.c', 'kernel/rcu/tree.c',
  'kernel/rcu/srcutree.c', 'virt/kvm/kvm_main.c',
];

const corpus = process.env.EQSCHECK_CORPUS ?? path.join(os.homedir(), '.cache', 'eqscheck', 'corpus');
const trees = process.argv.slice(2).length > 0 ? process.argv.slice(2)
  : ['linux-source-6.1', 'linux-source-6.12'].map((t) => path.join(corpus, t)).filter((t) => existsSync(t));

const SHORT = { with: 'yes', without: 'no', depends: 'maybe' };

function cell(verdict) {
  const first = verdict.decidedBy[0];
  if (!first) return SHORT[verdict.built];
  const where = `${first.file.split('/').slice(-2).join('/')}:${first.line}`;
  const cond = verdict.built === 'depends' && first.conditions[0] ? ` if ${first.conditions[0].test}` : '';
  return `${SHORT[verdict.built]} (${where}${cond})`;
}

for (const tree of trees) {
  const files = FILES.flatMap((p) => fg.sync(p, { cwd: tree }).sort());
  const started = performance.now();
  const kbuild = new Kbuild(tree);
  const rows = [];
  for (const file of files) {
    const facts = kbuild.instrumentation(file);
    const objects = facts.objects.map((o) => `${o.kbuildFile.replace(/\/(Makefile|Kbuild)$/, '')}: ${o.object}${o.kernelObject ? '' : '†'}${o.includedFrom ? ` (in ${path.basename(o.includedFrom)})` : ''}`);
    rows.push({ file, objects: objects.join('; ') || '—', cells: INSTRUMENTATION_KINDS.map((k) => cell(facts.kinds[k])) });
  }
  const elapsed = performance.now() - started;
  // Files of one directory with the same row are one line.
  const merged = [];
  for (const row of rows) {
    const dir = path.dirname(row.file);
    const same = merged.find((m) => m.dir === dir && m.cells.join() === row.cells.join() && m.objects.replace(/[^;]+/g, 'x') === row.objects.replace(/[^;]+/g, 'x') && row.objects !== '—' && m.objects !== '—');
    if (same && row.objects.split(': ')[0] === same.objects.split(': ')[0]) same.names.push(path.basename(row.file));
    else merged.push({ ...row, dir, names: [path.basename(row.file)] });
  }
  console.log(`\n### ${path.basename(tree)} (${files.length} files, ${elapsed.toFixed(0)} ms)\n`);
  console.log(`| file | object (†: not linked in by name) | ${INSTRUMENTATION_KINDS.join(' | ')} |`);
  console.log(`|${' --- |'.repeat(INSTRUMENTATION_KINDS.length + 2)}`);
  for (const m of merged) {
    const name = m.names.length === 1 ? `${m.dir}/${m.names[0]}` : `${m.dir}/{${m.names.join(',')}}`;
    const objects = m.names.length === 1 ? m.objects : m.objects.replace(/[^/;: ]+\.o/g, '*.o');
    console.log(`| ${name} | ${objects} | ${m.cells.join(' | ')} |`);
  }
}
