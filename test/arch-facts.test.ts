// Per-arch facts read from a kernel tree: latent (no context tracking) and
// handled (arch_in_rcu_eqs) EQS defects stay reported, as notes that say why.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/run/analyze.js';
import { RULES } from '../src/rules/index.js';
import { writeFile } from './helpers/kernel-tree.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-tree-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const write = (rel: string, text: string): string => writeFile(root, rel, text);

const BUGGY = 'void run(void)\n{\n\tlocal_irq_disable();\n\tguest_enter_irqoff();\n\tlocal_irq_enable();\n\tguest_exit_irqoff();\n}\n';

write('Makefile', '');
write('include/linux/kvm_host.h', '');
write('arch/ct/Kconfig', 'config CT\n\tdef_bool y\n\tselect HAVE_CONTEXT_TRACKING_USER\n');
write('arch/noct/Kconfig', 'config NOCT\n\tdef_bool y\n');
write('arch/hook/Kconfig', 'config HOOK\n\tselect HAVE_CONTEXT_TRACKING_USER\n');
write('arch/hook/include/asm/entry-common.h', 'static inline bool arch_in_rcu_eqs(void) { return true; }\n');
const files = ['ct', 'noct', 'hook'].map((a) => write(`arch/${a}/kvm/run.c`, BUGGY));

describe('arch facts from the tree', () => {
  it('reports by the arch\'s configuration', async () => {
    const { findings } = await analyzeFiles(files, { rules: RULES });
    const byArch = (a: string) => findings.find((f) => f.file.includes(`arch/${a}/`))!;
    expect(byArch('ct').severity).toBe('error');
    expect(byArch('ct').message).not.toMatch(/latent|handled/);
    expect(byArch('noct').severity).toBe('note');
    expect(byArch('noct').message).toMatch(/latent: arch\/noct does not select HAVE_CONTEXT_TRACKING_USER/);
    expect(byArch('hook').severity).toBe('note');
    expect(byArch('hook').message).toMatch(/handled: arch\/hook defines arch_in_rcu_eqs\(\)/);
  });
});
