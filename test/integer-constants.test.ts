import { describe, expect, it } from 'vitest';
import { readIntegerConstants } from '../src/scan/included-headers.js';

function constantsOf(text: string): Record<string, number> {
  const into = new Map<string, number>();
  readIntegerConstants(text, into);
  return Object.fromEntries(into);
}

describe('integer constants', () => {
  it('reads #defines and the enumerators of enums, counting on from explicit values', () => {
    expect(constantsOf(`
#define RESUME_GUEST 0
#define RESUME_HOST (-1)
enum exit_fastpath_completion {
	EXIT_FASTPATH_NONE,
	EXIT_FASTPATH_REENTER_GUEST, /* comment */
	EXIT_FASTPATH_EXIT_HANDLED,
};
typedef enum { A = 4, B, C = 0x10, D } letters;
`)).toEqual({ RESUME_GUEST: 0, RESUME_HOST: -1, EXIT_FASTPATH_NONE: 0, EXIT_FASTPATH_REENTER_GUEST: 1, EXIT_FASTPATH_EXIT_HANDLED: 2, A: 4, B: 5, C: 16, D: 17 });
  });

  it('stops at an enumerator whose value is an expression, and leaves enums with #if alone', () => {
    expect(constantsOf(`
enum { X, Y = 1 << 3, Z };
enum {
	P,
#ifdef CONFIG_FOO
	Q,
#endif
	R,
};
`)).toEqual({ X: 0 });
  });
});
