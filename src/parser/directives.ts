// What a preprocessor line is, spelled once for every reader of conditionals
// (the config-arm selection, the idiom rewrite of an `#if` splitting an
// expression, the CFG builder's config facts).

/** The directive a line starts with (`#  elifndef X`: elifndef), or null. */
export function directiveOf(line: string): string | null {
  return /^[ \t]*#[ \t]*([a-z]+)/.exec(line)?.[1] ?? null;
}

/** Where a directive stands in a conditional: it opens one, starts another arm, or closes it. */
export function conditionalRole(directive: string | null): 'open' | 'arm' | 'close' | null {
  switch (directive) {
    case 'if': case 'ifdef': case 'ifndef': return 'open';
    case 'elif': case 'elifdef': case 'elifndef': case 'else': return 'arm';
    case 'endif': return 'close';
    default: return null;
  }
}
