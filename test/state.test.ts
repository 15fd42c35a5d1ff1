// The abstract state domain: identity (key), facts, the join and deliverability.
// Sign sets are written with the exported constants only (their values may change).
import { describe, expect, it } from 'vitest';
import { joinStates, pushStep, snapshot, State, type StateFields, type TraceStep } from '../src/analysis/state.js';
import { ANY_SIGN, NEG, NONZERO, POS, ZERO, type Loc } from '../src/cfg/types.js';

const loc: Loc = { file: 'a.c', line: 3, col: 2 };
const branch = (label: string, at: Loc = loc): TraceStep => ({ loc: at, event: { kind: 'branch', label, after: snapshot(State.initial()) } });

function st(partial: Partial<StateFields> = {}): State {
  return State.initial(partial);
}

describe('State key', () => {
  it('is equal for equal states whatever their provenance', () => {
    const t1 = pushStep(null, branch('one'));
    const t2 = pushStep(pushStep(null, branch('other')), branch('two', { ...loc, line: 9 }));
    const a = st({ irq: 'off', ct: 'guest', trace: t1, causes: { ct: t1, vtime: null, irq: null } });
    const b = st({ irq: 'off', ct: 'guest', trace: t2, causes: { ct: t2, vtime: t2, irq: t2 } });
    expect(a.key).toBe(b.key);
    expect(a.resourceKey).toBe(b.resourceKey);
    expect(st({ unknownInEqs: ['foo'] }).key).toBe(st().key);
  });

  it('does not depend on the insertion order of flags and facts', () => {
    const a = st({ flags: new Map([['f', 'on'], ['g', 'off']]), facts: new Map([['x', ZERO], ['y', NEG]]) });
    const b = st({ flags: new Map([['g', 'off'], ['f', 'on']]), facts: new Map([['y', NEG], ['x', ZERO]]) });
    expect(a.key).toBe(b.key);
  });

  it.each<[string, Partial<StateFields>]>([
    ['irq', { irq: 'on' }],
    ['ct', { ct: 'guest' }],
    ['vtime', { vtime: 'on' }],
    ['gif', { gif: 'clear' }],
    ['flags (new entry)', { flags: new Map([['flags', 'off']]) }],
    ['facts (new entry)', { facts: new Map([['ret', NEG]]) }],
  ])('differs when %s differs', (_what, change) => {
    const base = st();
    expect(base.with(change).key).not.toBe(base.key);
  });

  it('differs when a flag or fact value differs', () => {
    expect(st({ flags: new Map([['f', 'on']]) }).key).not.toBe(st({ flags: new Map([['f', 'off']]) }).key);
    expect(st({ facts: new Map([['x', ZERO]]) }).key).not.toBe(st({ facts: new Map([['x', NONZERO]]) }).key);
    expect(st({ facts: new Map([['x', ZERO]]) }).key).not.toBe(st({ facts: new Map([['y', ZERO]]) }).key);
  });

  it('with() leaves the original untouched', () => {
    const a = st({ irq: 'off' });
    const key = a.key;
    const b = a.with({ irq: 'on' });
    expect(a.irq).toBe('off');
    expect(a.key).toBe(key);
    expect(b.irq).toBe('on');
  });
});

describe('withFact', () => {
  it('sets and narrows a fact', () => {
    const a = st().withFact('x', NONZERO);
    expect(a.facts.get('x')).toBe(NONZERO);
    expect(a.withFact('x', POS).facts.get('x')).toBe(POS);
  });

  it('with ANY_SIGN (or null) removes the fact', () => {
    const a = st().withFact('x', NEG).withFact('y', ZERO);
    const b = a.withFact('x', ANY_SIGN);
    expect(b.facts.has('x')).toBe(false);
    expect(b.facts.get('y')).toBe(ZERO);
    expect(b.key).toBe(st().withFact('y', ZERO).key);
    expect(a.withFact('x', null).facts.has('x')).toBe(false);
    // The original keeps its fact.
    expect(a.facts.get('x')).toBe(NEG);
  });

  it('removing an absent fact or naming no variable changes nothing', () => {
    const a = st({ irq: 'off' });
    expect(a.withFact('x', ANY_SIGN)).toBe(a);
    expect(a.withFact('x', null)).toBe(a);
    expect(a.withFact('', NEG)).toBe(a);
  });
});

describe('withFlag', () => {
  it('records and forgets a saved interrupt state', () => {
    const a = st().withFlag('flags', 'on');
    expect(a.flags.get('flags')).toBe('on');
    expect(a.withFlag('flags', null).flags.has('flags')).toBe(false);
    expect(a.withFlag('flags', null).key).toBe(st().key);
  });
});

describe('joinStates', () => {
  it('makes differing components unknown and keeps equal ones', () => {
    const a = st({ irq: 'off', ct: 'guest', vtime: 'on', gif: 'clear' });
    const b = st({ irq: 'on', ct: 'guest', vtime: 'off', gif: 'clear' });
    const j = joinStates(a, b);
    expect(j.irq).toBe('unk');
    expect(j.ct).toBe('guest');
    expect(j.vtime).toBe('unk');
    expect(j.gif).toBe('clear');
    const k = joinStates(st({ ct: 'kernel', gif: 'set' }), st({ ct: 'user', gif: 'clear' }));
    expect(k.ct).toBe('unk');
    expect(k.gif).toBe('unk');
  });

  it('marks the result joined, also when both sides are equal', () => {
    const a = st({ irq: 'off' });
    const j = joinStates(a, a);
    expect(j.joined).toBe(true);
    expect(j.irq).toBe('off');
    expect(j.key).not.toBe(a.key);
    expect(a.joined).toBe(false);
  });

  it('keeps equal flags, makes differing flags unknown, drops one-sided ones', () => {
    const a = st({ flags: new Map([['f', 'off'], ['g', 'on'], ['only_a', 'off']]) });
    const b = st({ flags: new Map([['f', 'off'], ['g', 'off'], ['only_b', 'on']]) });
    const j = joinStates(a, b);
    expect([...j.flags].sort()).toEqual([['f', 'off'], ['g', 'unk']]);
  });

  it('unions facts present in both, drops facts present in one, and forgets a union that says nothing', () => {
    const a = st({ facts: new Map([['x', NEG], ['y', ZERO], ['z', ZERO], ['only_a', NEG]]) });
    const b = st({ facts: new Map([['x', ZERO], ['y', ZERO], ['z', NONZERO], ['only_b', ZERO]]) });
    const j = joinStates(a, b);
    expect(j.facts.get('x')).toBe(NEG | ZERO);
    expect(j.facts.get('y')).toBe(ZERO);
    expect(j.facts.has('z')).toBe(false); // ZERO | NONZERO is ANY_SIGN
    expect(j.facts.has('only_a')).toBe(false);
    expect(j.facts.has('only_b')).toBe(false);
  });

  it('is symmetric in what the analysis decides with', () => {
    const a = st({ irq: 'off', ct: 'guest', facts: new Map([['x', NEG]]), flags: new Map([['f', 'on']]) });
    const b = st({ irq: 'on', ct: 'guest', facts: new Map([['x', POS]]), flags: new Map([['f', 'off']]) });
    expect(joinStates(a, b).key).toBe(joinStates(b, a).key);
  });
});

describe('deliverable', () => {
  it('is "no" with GIF clear even when interrupts are on', () => {
    expect(st({ irq: 'on', gif: 'clear' }).deliverable).toBe('no');
    expect(st({ irq: 'unk', gif: 'clear' }).deliverable).toBe('no');
  });

  it('is "no" with interrupts off, "yes" with them on and GIF set, otherwise "maybe"', () => {
    expect(st({ irq: 'off', gif: 'set' }).deliverable).toBe('no');
    expect(st({ irq: 'off', gif: 'unk' }).deliverable).toBe('no');
    expect(st({ irq: 'on', gif: 'set' }).deliverable).toBe('yes');
    expect(st({ irq: 'on', gif: 'unk' }).deliverable).toBe('maybe');
    expect(st({ irq: 'unk', gif: 'set' }).deliverable).toBe('maybe');
  });
});

describe('State.initial', () => {
  it('starts in the kernel context, accounting off, GIF set, interrupts unknown, not joined', () => {
    const s = State.initial();
    expect(s).toMatchObject({ irq: 'unk', ct: 'kernel', vtime: 'off', gif: 'set', joined: false, trace: null });
    expect(s.flags.size).toBe(0);
    expect(s.facts.size).toBe(0);
  });
});
