// A user's model file (`--model FILE`): primitives the built-in tables do not
// know, and entry facts — how a function is entered when the C code cannot show
// it (entered from assembly). Format (JSON):
//
//   {
//     "primitives": { "my_arch_irq_on": "irq-on", "my_guest_leave": "ct-exit(guest)" },
//     "entries": {
//       "kvmppc_handle_exit_pr": {
//         "interrupts": "on", "context": "guest", "accounting": "on",
//         "why": "book3s_interrupts.S calls it with MSR.EE=1, inside the guest context"
//       }
//     }
//   }
//
// Primitive specs use the words of src/model/primitives.ts. Every entry field is
// optional; "why" is required so that a finding can say what it assumed, and
// "cites" (see entry-citation.ts) says where, so that a run can check it.
import { InputError, typeName } from '../errors.js';
import { readRegularFile } from '../io/read-file.js';
import type { ModelGeneration } from './primitives.js';
import { ModelError, parseOps } from './model.js';
import { parseCitation, type EntryCitation } from './entry-citation.js';

export interface EntryFact {
  interrupts?: 'on' | 'off';
  context?: 'kernel' | 'guest' | 'user' | 'idle';
  accounting?: 'on' | 'off';
  why: string;
  /** Where it comes from, checked against the tree (see entry-citation). */
  cites?: EntryCitation;
}

export interface UserModel {
  generation: ModelGeneration;
  entries: Map<string, EntryFact>;
}

const ENTRY_FIELDS: Record<string, readonly string[]> = {
  interrupts: ['on', 'off'], context: ['kernel', 'guest', 'user', 'idle'], accounting: ['on', 'off'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseUserModel(text: string, source: string): UserModel {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(data)) throw new ModelError(`${source}: the model must be a JSON object`);
  for (const key of Object.keys(data)) {
    if (key !== 'primitives' && key !== 'entries') throw new ModelError(`${source}: unknown key '${key}' (expected primitives, entries)`);
  }
  const primitives: Record<string, string> = {};
  if (data.primitives !== undefined) {
    if (!isObject(data.primitives)) throw new ModelError(`${source}: 'primitives' must be an object`);
    for (const [name, spec] of Object.entries(data.primitives)) {
      if (typeof spec !== 'string') throw new ModelError(`${source}: primitives.${name}: expected a string of operations`);
      parseOps(spec, `${source}: primitives.${name}`);
      primitives[name] = spec;
    }
  }
  const entries = new Map<string, EntryFact>();
  if (data.entries !== undefined) {
    if (!isObject(data.entries)) throw new ModelError(`${source}: 'entries' must be an object`);
    for (const [name, fact] of Object.entries(data.entries)) {
      const where = `${source}: entries.${name}`;
      if (!isObject(fact)) throw new ModelError(`${where}: expected an object`);
      for (const [field, value] of Object.entries(fact)) {
        if (field === 'why' || field === 'cites') continue;
        const allowed = ENTRY_FIELDS[field];
        if (!allowed) throw new ModelError(`${where}: unknown field '${field}' (expected interrupts, context, accounting, why, cites)`);
        if (typeof value !== 'string') throw new ModelError(`${where}.${field}: expected a string (one of ${allowed.join(', ')}), not ${typeName(value)}`);
        if (!allowed.includes(value)) throw new ModelError(`${where}.${field}: '${value}' is not one of ${allowed.join(', ')}`);
      }
      if (typeof fact.why !== 'string' || !fact.why.trim()) throw new ModelError(`${where}: 'why' (where the assembly establishes this) is required`);
      const cites = fact.cites === undefined ? undefined : parseCitation(fact.cites, name, `${where}.cites`);
      entries.set(name, { ...(fact as unknown as EntryFact), ...(cites ? { cites } : {}) });
    }
  }
  return { generation: { name: source, description: `user model ${source}`, primitives }, entries };
}

/** @param maxBytes the size cap (see io/read-file) */
export function readUserModel(file: string, maxBytes?: number): UserModel {
  let text: string;
  try {
    text = readRegularFile(file, maxBytes).toString('utf8');
  } catch (err) {
    if (err instanceof InputError) throw new ModelError(`${file}: cannot read the model file (${err.problem})`);
    throw err;
  }
  return parseUserModel(text, file);
}
