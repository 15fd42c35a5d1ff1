// SPDX-License-Identifier: GPL-2.0-only
/// Interrupts enabled while the guest context is active.
///
/// Entering the guest context (guest_enter_irqoff(), guest_state_enter_irqoff(),
/// guest_context_enter_irqoff(), context_tracking_guest_enter(), ...) puts the
/// CPU in an RCU extended quiescent state: RCU no longer watches it.  The
/// interrupts must stay disabled until the context is left again
/// (guest_exit_irqoff(), guest_state_exit_irqoff(), ...): an interrupt taken in
/// between runs handlers, tracing and RCU readers on a CPU that RCU ignores.
///
/// The rule reports the first interrupt-enabling call that a path of the same
/// function reaches after an entry without passing an exit.  It sees one
/// function at a time: an enable inside a callee, or an entry in one function
/// and an enable in its caller, is not seen.  local_irq_restore() and the
/// *_irqrestore() unlocks are reported although they may restore a disabled
/// state.
///
/// guest_timing_enter_irqoff() is deliberately not an entry: it only starts
/// guest time accounting (vtime, PF_VCPU) and does not enter the quiescent
/// state, and x86, arm64, riscv and mips enable interrupts inside the timing
/// window on purpose, so that the pending tick is accounted as guest time.
///
/// The entry and enable names are written out (no regular expressions), so
/// that spatch can skip every file that names none of them without parsing it.
/// The report is context mode: each enabling call is a "-" line of spatch's
/// diff output (no script rule, so no Python start-up per run).
//
// Confidence: Moderate
// Comments: written for eqscheck's benchmark (bench/spatch-bench.mjs)
// Options: --no-includes

@r exists@
@@

(
  guest_enter_irqoff();
|
  guest_state_enter_irqoff();
|
  guest_context_enter_irqoff();
|
  context_tracking_guest_enter();
|
  ct_guest_enter();
|
  kvm_guest_enter_irqoff();
|
  guest_enter();
)
  ... when != guest_exit_irqoff();
      when != guest_state_exit_irqoff();
      when != guest_context_exit_irqoff();
      when != context_tracking_guest_exit();
      when != ct_guest_exit();
      when != kvm_guest_exit_irqoff();
      when != guest_exit();
(
* local_irq_enable();
|
* raw_local_irq_enable();
|
* arch_local_irq_enable();
|
* local_irq_restore(...);
|
* raw_local_irq_restore(...);
|
* arch_local_irq_restore(...);
|
* spin_unlock_irq(...);
|
* raw_spin_unlock_irq(...);
|
* read_unlock_irq(...);
|
* write_unlock_irq(...);
|
* spin_unlock_irqrestore(...);
|
* raw_spin_unlock_irqrestore(...);
|
* read_unlock_irqrestore(...);
|
* write_unlock_irqrestore(...);
)
