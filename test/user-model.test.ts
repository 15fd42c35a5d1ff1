// The model file format: validated, and every error names the entry at fault.
import { describe, expect, it } from 'vitest';
import { ModelError } from '../src/model/model.js';
import { parseUserModel, readUserModel } from '../src/model/user-model.js';

const parse = (value: unknown) => parseUserModel(JSON.stringify(value), 'm.json');

describe('user model files', () => {
  it('reads primitives and entry facts', () => {
    const m = parse({
      primitives: { my_irq_on: 'irq-on', my_leave: 'ct-exit(guest) vtime-exit' },
      entries: { handler: { interrupts: 'on', context: 'guest', why: 'entry.S calls it with IRQs on' } },
    });
    expect(m.generation.primitives).toEqual({ my_irq_on: 'irq-on', my_leave: 'ct-exit(guest) vtime-exit' });
    expect(m.entries.get('handler')).toEqual({ interrupts: 'on', context: 'guest', why: 'entry.S calls it with IRQs on' });
  });

  it.each([
    ['{', /m\.json: not valid JSON/],
    [JSON.stringify([1]), /m\.json: the model must be a JSON object/],
    [JSON.stringify({ prims: {} }), /unknown key 'prims'/],
    [JSON.stringify({ primitives: { f: 'irq-sideways' } }), /m\.json: primitives\.f: unknown operation 'irq-sideways'/],
    [JSON.stringify({ primitives: { f: 3 } }), /primitives\.f: expected a string/],
    [JSON.stringify({ entries: { h: { interrupts: 'maybe', why: 'x' } } }), /entries\.h\.interrupts: 'maybe' is not one of on, off/],
    [JSON.stringify({ entries: { h: { colour: 'red', why: 'x' } } }), /entries\.h: unknown field 'colour'/],
    [JSON.stringify({ entries: { h: { context: 'guest' } } }), /entries\.h: 'why' .* is required/],
  ])('rejects %s', (text, message) => {
    expect(() => parseUserModel(text, 'm.json')).toThrow(ModelError);
    expect(() => parseUserModel(text, 'm.json')).toThrow(message);
  });

  it('names a missing file', () => {
    expect(() => readUserModel('/nonexistent/model.json')).toThrow(/\/nonexistent\/model\.json: cannot read the model file \(no such file\)/);
  });

  it('the shipped entry facts are valid', () => {
    expect(readUserModel(new URL('../models/kernel-entry-facts.json', import.meta.url).pathname).entries.size).toBeGreaterThan(0);
  });
});
