// The pre-filter must not change what is found: every fixture, scanned with and
// without it, gives the same findings (same order, messages, traces).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles, ScopeTooLargeError } from '../src/run/analyze.js';
import { collectFiles } from '../src/scan/collect.js';
import { RULES } from '../src/rules/index.js';

const fixtures = path.resolve(__dirname, '..', 'fixtures');
const units = ['cases', 'examples'].flatMap((group) => {
  const dir = path.join(fixtures, group);
  return group === 'examples' ? [dir] : readdirSync(dir).sort().map((name) => path.join(dir, name));
});

async function findings(unit: string, prefilter: boolean): Promise<string> {
  const { files } = collectFiles([unit]);
  const result = await analyzeFiles(files, { rules: RULES, prefilter });
  return JSON.stringify(result.findings);
}

describe('pre-filter equivalence on the fixtures', () => {
  for (const unit of units) {
    it(path.relative(fixtures, unit) + (statSync(unit).isDirectory() ? '/' : ''), async () => {
      const without = await findings(unit, false);
      expect(await findings(unit, true)).toBe(without);
    });
  }
});

describe('scope too large', () => {
  it('a scan that needs more functions built than the limit is refused with the numbers', async () => {
    const { files } = collectFiles([path.join(fixtures, 'examples')]);
    const run = analyzeFiles(files, { rules: RULES, maxBuilt: 2 });
    await expect(run).rejects.toBeInstanceOf(ScopeTooLargeError);
    await expect(run).rejects.toThrow(/needs \d+ functions built to analyse/);
    // Under the limit it runs.
    expect((await analyzeFiles(files, { rules: RULES, maxBuilt: 100 })).findings.length).toBe(3);
  });
});

describe('pre-filter equivalence on generated text', () => {
  // Kernel-ish fragments in random order (seeded: the same cases every run): broken
  // braces, keywords where names go, unterminated comments and macros. Whatever
  // the parser makes of them, the pre-filter must not lose a finding — a
  // definition the name index cannot see is built, and a primitive outside every
  // definition it saw makes the file parsed (found this way: `int while (b) …`).
  const PIECES = ['{', '}', '(', ')', ';', '"', '/*', '*/', '\n', '#define X(a) a(', '#if A\n', '#endif\n', 'static ',
    'int ', 'void f(void) {', 'g(', '= ', '.m = f,', 'x->m = g;', 'local_irq_enable();', 'guest_state_enter_irqoff();',
    'guest_state_exit_irqoff();', 'local_irq_disable();', ' ', 'struct s ', 'return 0;', 'if (a) ', 'while (b) ',
    'void h(void)\n{\n', '}\n'];
  let seed = 20261125;
  const random = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-generated-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('findings are the same with and without the pre-filter, 60 generated units of 4 files', async () => {
    let units = 0;
    for (let round = 0; round < 60; round++) {
      const files: string[] = [];
      for (let k = 0; k < 4; k++) {
        let text = '';
        const length = Math.floor(random() * 300);
        for (let i = 0; i < length; i++) text += PIECES[Math.floor(random() * PIECES.length)];
        const file = path.join(dir, `r${round}_${k}.c`);
        writeFileSync(file, text);
        files.push(file);
      }
      const run = async (prefilter: boolean): Promise<string> =>
        JSON.stringify((await analyzeFiles(files, { rules: RULES, prefilter })).findings);
      expect(await run(true), `unit ${round}`).toBe(await run(false));
      units++;
    }
    expect(units).toBe(60);
  });
  it('the same with calls through ops tables, static calls, forwarding, stored pointers, macros and a header, 40 units', async () => {
    const KERNELISH = ['{', '}', '(', ')', ';', '\n', '#if A\n', '#endif\n', 'static ', 'int ', 'void f(struct kvm_vcpu *v) {',
      'void g(struct kvm_vcpu *v)\n{\n', 'void h(struct kvm_vcpu *v)\n{\n', 'void k(struct kvm_vcpu *v)\n{\n', '}\n', 'f(v);', 'g(v);',
      'h(v);', 'k(v);', 'ops->run(v);', 'v->ops.stop(v);', 'static_call(kvm_x86_run)(v);', 'kvm_call_hyp(h, v);',
      'struct kvm_x86_ops t = { .run = h, .stop = k, };\n', 'v->arch.handle_exit = g;', 'p = &k;', 'local_irq_enable();',
      'local_irq_disable();', 'guest_state_enter_irqoff();', 'guest_state_exit_irqoff();', 'BUG();', 'return;', 'if (a) ',
      'while (b) ', '#define R(x) local_irq_enable()\n', 'R(v);', 'static inline void in(struct kvm_vcpu *v) { local_irq_enable(); }\n',
      'in(v);', 'spin_lock_irqsave(&l, fl);', 'spin_unlock_irqrestore(&l, fl);', ' ', 'x = y;'];
    let withFindings = 0;
    for (let round = 0; round < 40; round++) {
      const files: string[] = [];
      for (let k = 0; k < 4; k++) {
        const sub = path.join(dir, 'tree', k % 2 ? 'virt/kvm' : 'arch/x86/kvm');
        mkdirSync(sub, { recursive: true });
        let text = k < 3 ? `#include "t${round}_3.h"\n` : '';
        const length = 20 + Math.floor(random() * 120);
        for (let i = 0; i < length; i++) text += KERNELISH[Math.floor(random() * KERNELISH.length)];
        const file = path.join(sub, `t${round}_${k}.${k === 3 ? 'h' : 'c'}`);
        writeFileSync(file, text);
        files.push(file);
      }
      const run = async (prefilter: boolean): Promise<string> =>
        JSON.stringify((await analyzeFiles(files, { rules: RULES, prefilter })).findings);
      const without = await run(false);
      if (without !== '[]') withFindings++;
      expect(await run(true), `unit ${round}`).toBe(without);
    }
    expect(withFindings).toBeGreaterThan(5); // the units do exercise the rules
  });
});
