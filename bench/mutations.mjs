// `npm run bench:mutations`: known bugs injected into copies of a corpus tree's
// KVM code must each be found as a new finding; the unmutated copies must stay
// quiet for the rules of their mutations. A tree that is quiet is not, on its
// own, evidence that the analyzer sees anything.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeFiles } from '../dist/run/analyze.js';
import { RULES } from '../dist/rules/index.js';
import { collectFiles } from '../dist/scan/collect.js';

const corpus = process.env.EQSCHECK_CORPUS ?? path.join(os.homedir(), '.cache', 'eqscheck', 'corpus');
const source = path.join(corpus, 'linux-source-6.1');

/** Each mutation: the arch, the file, the text replaced, and the finding expected
 *  (`quiet`: a correct change, which must add no finding of that rule). */
const MUTATIONS = [
  { name: 'arm64: interrupts unmasked inside the noinstr enter/exit helper', arch: 'arm64', file: 'arm.c',
    from: '\tret = kvm_call_hyp_ret(__kvm_vcpu_run, vcpu);\n', to: '\tret = kvm_call_hyp_ret(__kvm_vcpu_run, vcpu);\n\tlocal_irq_enable();\n',
    expect: 'irq-enabled-in-eqs' },
  { name: 'arm64: an early return that skips the state exit', arch: 'arm64', file: 'arm.c',
    from: '\tguest_state_enter_irqoff();\n', to: '\tguest_state_enter_irqoff();\n\tif (vcpu->arch.flags & 1)\n\t\treturn -EINVAL;\n',
    expect: 'eqs-unbalanced' },
  { name: 'x86: guest timing restarted on every fast-path re-entry', arch: 'x86', file: 'x86.c',
    from: '\tguest_timing_enter_irqoff();\n\n\tfor (;;) {\n', to: '\n\n\tfor (;;) {\n\t\tguest_timing_enter_irqoff();\n',
    expect: 'vtime-unbalanced' },
  { name: 'x86/vmx: the state exit dropped from vmx_vcpu_enter_exit', arch: 'x86', file: 'vmx/vmx.c',
    from: '\tguest_state_exit_irqoff();\n', to: '\n', expect: 'irq-enabled-in-eqs' },
  { name: 'riscv: interrupts unmasked before the state exit', arch: 'riscv', file: 'vcpu.c',
    from: '\tguest_state_exit_irqoff();\n', to: '\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n', expect: 'irq-enabled-in-eqs' },
  { name: 'mips: exit handler unmasks before leaving the guest context', arch: 'mips', file: 'mips.c',
    from: '\tguest_state_exit_irqoff();\n\tret = __kvm_mips_handle_exit(vcpu);', to: '\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n\tret = __kvm_mips_handle_exit(vcpu);',
    expect: 'irq-enabled-in-eqs' },
  // Class 2: what runs inside a converted window.
  { name: 'x86/vmx: a tracepoint moved into the noinstr window', arch: 'x86', file: 'vmx/vmx.c',
    from: '\t\t\t\t\tunsigned long flags)\n{\n\tguest_state_enter_irqoff();\n', to: '\t\t\t\t\tunsigned long flags)\n{\n\tguest_state_enter_irqoff();\n\ttrace_kvm_entry(vcpu);\n',
    expect: 'instrumentation-in-eqs' },
  { name: 'x86/vmx: noinstr dropped from the L1D flush helper called in the window', arch: 'x86', file: 'vmx/vmx.c',
    from: 'static noinstr void vmx_l1d_flush(', to: 'static void vmx_l1d_flush(', expect: 'instrumentation-in-eqs' },
  { name: 'riscv: a tracepoint moved into the noinstr window', arch: 'riscv', file: 'vcpu.c',
    from: '\tguest_state_enter_irqoff();\n', to: '\tguest_state_enter_irqoff();\n\ttrace_kvm_entry(vcpu);\n', expect: 'instrumentation-in-eqs' },
  { name: 'x86/vmx: instrumentation_end() moved before the tracepoint it covered', arch: 'x86', file: 'vmx/vmx.c',
    from: '\tif (vcpu->arch.cr2 != native_read_cr2())\n', to: '\tinstrumentation_begin();\n\tinstrumentation_end();\n\ttrace_kvm_entry(vcpu);\n\tif (vcpu->arch.cr2 != native_read_cr2())\n',
    expect: 'instrumentation-in-eqs' },
  // And its correct form: the tracepoint inside the section adds nothing.
  { name: 'x86/vmx: a tracepoint inside instrumentation_begin()/_end() (correct)', arch: 'x86', file: 'vmx/vmx.c',
    from: '\tif (vcpu->arch.cr2 != native_read_cr2())\n', to: '\tinstrumentation_begin();\n\ttrace_kvm_entry(vcpu);\n\tinstrumentation_end();\n\tif (vcpu->arch.cr2 != native_read_cr2())\n',
    expect: 'instrumentation-in-eqs', quiet: true },
];

/** A scratch tree: the arch's kvm directory copied, everything else linked. */
function scratchTree(arch) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-mutation-'));
  for (const entry of readdirSync(source)) if (entry !== 'arch') symlinkSync(path.join(source, entry), path.join(root, entry));
  mkdirSync(path.join(root, 'arch', arch), { recursive: true });
  for (const entry of readdirSync(path.join(source, 'arch', arch))) {
    const from = path.join(source, 'arch', arch, entry);
    if (entry === 'kvm') cpSync(from, path.join(root, 'arch', arch, entry), { recursive: true });
    else symlinkSync(from, path.join(root, 'arch', arch, entry));
  }
  return root;
}

async function scan(root, arch) {
  const { files } = collectFiles([path.join(root, 'arch', arch, 'kvm')]);
  // The built-in wrapper table is off: the wrappers must come from the tree's own headers.
  // The scratch tree links to the corpus tree: headers reached through its links are inside.
  const { findings } = await analyzeFiles(files, { rules: RULES, defines: new Set(), builtinWrappers: false, linkedTrees: [source] });
  return findings;
}

/** A finding as it stays when lines move: rule, function, message without positions. */
const identity = (f) => `${f.ruleId}|${path.basename(f.file)}|${f.function}|${f.message.replace(/:\d+/g, '')}`;

let failed = 0;
/** Per arch, the unmutated tree's findings (true ones, triaged in bench/TRIAGE.md, may be there). */
const baselines = new Map();
for (const m of MUTATIONS) {
  const root = scratchTree(m.arch);
  try {
    if (!baselines.has(m.arch)) baselines.set(m.arch, await scan(root, m.arch));
    const known = new Set(baselines.get(m.arch).map(identity));
    const file = path.join(root, 'arch', m.arch, 'kvm', m.file);
    const text = readFileSync(file, 'utf8');
    if (!text.includes(m.from)) { console.log(`SKIP  ${m.name}: the text to replace is not in this tree`); failed++; continue; }
    writeFileSync(file, text.replace(m.from, m.to));
    const found = (await scan(root, m.arch)).filter((f) => f.ruleId === m.expect && f.file.endsWith(m.file) && !known.has(identity(f)));
    if (m.quiet) {
      if (found.length) failed++;
      console.log(`${found.length ? 'NOISY' : 'QUIET'} ${m.name}${found.length ? ` -> ${path.relative(root, found[0].file)}:${found[0].line} [${m.expect}]` : ''}`);
      continue;
    }
    const ok = found.length > 0;
    if (!ok) failed++;
    console.log(`${ok ? 'FOUND' : 'MISSED'} ${m.name}${ok ? ` -> ${path.relative(root, found[0].file)}:${found[0].line} [${m.expect}]` : ` (expected ${m.expect})`}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
// The unmutated trees: quiet for the rules of their mutations; what instrumentation-in-eqs
// reports in arm64's and mips' windows is true (bench/TRIAGE.md, class 2), and listed.
for (const [arch, findings] of baselines) {
  const rules = new Set(MUTATIONS.filter((m) => m.arch === arch).map((m) => m.expect));
  const noisy = findings.filter((f) => rules.has(f.ruleId));
  if (noisy.length) { failed++; console.log(`NOISY baseline: arch/${arch}/kvm unmutated has ${noisy.length} finding(s) of ${[...rules].join(', ')}`); }
  else console.log(`QUIET baseline: arch/${arch}/kvm unmutated (${[...rules].join(', ')})`);
  for (const f of findings.filter((x) => !rules.has(x.ruleId))) console.log(`  known: ${path.basename(f.file)}:${f.line} ${f.function}() [${f.ruleId}]`);
}
console.log(`${MUTATIONS.length - Math.min(failed, MUTATIONS.length)} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
