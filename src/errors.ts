// Errors about what the user gave eqscheck (exit 2), as opposed to eqscheck's own
// bugs (exit 3). One place, so that every room can throw them without importing
// another room's internals.

/** A file or value given to eqscheck that it cannot use; the message names it. */
export class InputError extends Error {
  constructor(readonly path: string, readonly problem: string) {
    super(`${path}: ${problem}`);
  }
}

/** A bug of eqscheck's met while working on something named (a file, a
 *  function): the CLI prints one line naming it and asks for a report. */
export class InternalError extends Error {
  /** @param message "while building x.c: RangeError: …" (see `during`)
   *  @param stack the trace of the error met (from a worker thread, its text) */
  constructor(message: string, stack?: string) {
    super(message);
    this.name = 'InternalError';
    if (stack) this.stack = stack;
  }
}

/** Runs `work`; a bug met there is an InternalError naming `what` (the innermost
 *  name wins: a file built on demand while a function is analysed). Input errors
 *  pass through as they are. */
export function during<T>(what: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof InputError || err instanceof InternalError) throw err;
    const message = `while ${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    throw new InternalError(message, err instanceof Error && err.stack ? `InternalError: ${message}\n${err.stack}` : undefined);
  }
}

/** How a JSON value is named in a message about a field of the wrong type. */
export function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
