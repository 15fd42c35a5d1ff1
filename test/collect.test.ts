// Which files a scan covers: a kernel tree's root means its KVM scope unless --all.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectFiles } from '../src/scan/collect.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-collect-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
for (const rel of ['Makefile', 'include/linux/kvm_host.h', 'arch/x86/kvm/x86.c', 'arch/x86/kvm/vmx/vmenter.S',
  'arch/x86/mm/fault.c', 'virt/kvm/kvm_main.c', 'kernel/sched/core.c']) {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), '');
}
const names = (files: string[]) => files.map((f) => path.relative(root, path.resolve(f))).sort();

describe('collectFiles', () => {
  it('a kernel root scans arch/*/kvm and virt/kvm (with their assembly)', () => {
    expect(names(collectFiles([root]).files)).toEqual([
      'arch/x86/kvm/vmx/vmenter.S', 'arch/x86/kvm/x86.c', 'virt/kvm/kvm_main.c',
    ]);
  });

  it('--all scans every C file and header', () => {
    expect(names(collectFiles([root], { all: true }).files)).toEqual([
      'arch/x86/kvm/vmx/vmenter.S', 'arch/x86/kvm/x86.c', 'arch/x86/mm/fault.c', 'include/linux/kvm_host.h',
      'kernel/sched/core.c', 'virt/kvm/kvm_main.c',
    ]);
  });

  it('a directory that is not a kernel root is scanned as it is', () => {
    expect(names(collectFiles([path.join(root, 'arch/x86')]).files)).toEqual([
      'arch/x86/kvm/vmx/vmenter.S', 'arch/x86/kvm/x86.c', 'arch/x86/mm/fault.c',
    ]);
  });
});
