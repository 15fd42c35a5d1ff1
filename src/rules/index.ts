// The registry: every rule, in reporting order.
import { eqsUnbalanced } from './eqs-unbalanced.js';
import { instrumentationInEqs } from './instrumentation-in-eqs.js';
import { irqEnabledInEqs } from './irq-enabled-in-eqs.js';
import { noinstrCallsInstrumentable } from './noinstr-calls-instrumentable.js';
import type { Rule } from './types.js';
import { vtimeUnbalanced } from './vtime-unbalanced.js';

export const RULES: readonly Rule[] = [irqEnabledInEqs, eqsUnbalanced, vtimeUnbalanced, instrumentationInEqs, noinstrCallsInstrumentable];

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
