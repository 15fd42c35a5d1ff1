// Wrappers come from the tree's own headers: static inline functions the scanned
// code calls are read from the headers it includes, down to the true primitives.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/run/analyze.js';
import { RULES } from '../src/rules/index.js';
import { writeFile } from './helpers/kernel-tree.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-headers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const write = (rel: string, text: string): string => writeFile(root, rel, text);

write('Makefile', '');
write('include/linux/kvm_host.h', [
  '#include <linux/context_tracking.h>',
  'static __always_inline void vendor_state_enter(void)',
  '{',
  '\tif (!context_tracking_guest_enter())',
  '\t\trcu_virt_note_context_switch(0);',
  '}',
  'static __always_inline void guest_state_exit_irqoff(void)',
  '{',
  '\tleave_guest();',
  '}',
  '',
].join('\n'));
write('include/linux/context_tracking.h', 'static __always_inline void leave_guest(void)\n{\n\tcontext_tracking_guest_exit();\n}\n');
const run = write('arch/x/kvm/run.c', [
  '#include <linux/kvm_host.h>',
  'void vcpu_run(void)',
  '{',
  '\tlocal_irq_disable();',
  '\tvendor_state_enter();',
  '\tlocal_irq_enable();',
  '\tguest_state_exit_irqoff();',
  '}',
  '',
].join('\n'));

describe('wrappers derived from included headers', () => {
  it.each([true, false])('finds the window through header wrappers (built-in wrapper table: %s)', async (builtinWrappers) => {
    const { findings, summary } = await analyzeFiles([run], { rules: RULES, builtinWrappers });
    expect(findings.map((f) => `${path.basename(f.file)}:${f.line} ${f.ruleId}`)).toEqual(['run.c:6 irq-enabled-in-eqs']);
    // the enter is derived from the header's body, two levels down for the exit
    expect(findings[0]!.trace.some((t) => t.file.endsWith('kvm_host.h'))).toBe(true);
    expect(summary.functions).toBe(4);
  });

  it('without the headers, an unknown wrapper has no effect', async () => {
    const alone = write('elsewhere/run.c', 'void vcpu_run(void)\n{\n\tlocal_irq_disable();\n\tvendor_state_enter();\n\tlocal_irq_enable();\n}\n');
    const { findings } = await analyzeFiles([alone], { rules: RULES });
    expect(findings).toEqual([]);
  });
});
