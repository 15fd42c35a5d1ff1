// Kernel globals whose value is settled once boot is past early init. Every path
// the analysis follows (a KVM ioctl, a system call, an interrupt or exception
// from user space, idle) runs after that, so a test of one has one outcome: the
// other branch is a boot-time diagnostic, not a path (powerpc's
// mmu_has_feature() printks "used prior to jump label init" when the first is
// still false). References are to the Debian linux-source-6.1 and -6.12 trees.
import { ONE, ZERO, type SignSet } from '../cfg/types.js';

const SETTLED: ReadonlyMap<string, { value: boolean; why: string }> = new Map([
  ['static_key_initialized', { value: true, why: 'set by jump_label_init() (kernel/jump_label.c), called from start_kernel()' }],
  ['static_key_feature_checks_initialized', {
    value: true, why: 'powerpc, 6.12: set by setup_feature_keys() (arch/powerpc/lib/feature-fixups.c) in early setup',
  }],
]);

/** The signs a settled global has at run time, or undefined for any other name. */
export function settledValue(name: string): SignSet | undefined {
  const settled = SETTLED.get(name);
  return settled === undefined ? undefined : settled.value ? ONE : ZERO;
}
