// A guest run loop that keeps the discipline (quiet), shared by the CLI tests.
export const CLEAN_RUN_LOOP = `struct kvm_vcpu;

void vcpu_run(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	__guest_run(vcpu);
	guest_state_exit_irqoff();
	local_irq_enable();
}
`;
