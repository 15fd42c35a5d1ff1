// What the two balance rules (eqs-unbalanced, vtime-unbalanced) share: the
// return clause. Entry helpers (only enter, or leave and enter again on every
// path), exit helpers (only leave) and exit handlers (entered inside the
// resource) change it on purpose.
import type { Tracked } from '../analysis/program.js';
import type { State } from '../analysis/state.js';
import type { ReturnContext } from './types.js';

/** True when a function that both enters and leaves `resource` returns with it
 *  in another state than it was entered with (both known, path not joined). */
export function changedOnReturn(ctx: ReturnContext, resource: Tracked, valueOf: (s: State) => string): boolean {
  const role = ctx.role(resource);
  if (!role.mayEnter || !role.mayExit || role.exitHandler || ctx.exit.joined) return false;
  const entry = valueOf(ctx.entry);
  const exit = valueOf(ctx.exit);
  return entry !== 'unk' && exit !== 'unk' && entry !== exit;
}

export function returnWord(ctx: ReturnContext): string {
  return ctx.implicit ? 'falls off the end' : 'returns';
}
