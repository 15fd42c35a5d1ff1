// Orders of a CFG's blocks for the dataflow walks over it (the interpreter's
// forward one, the liveness' backward one).
import type { Cfg } from './types.js';

/** The blocks reachable from the entry, each after every block it leads to (but
 *  along back edges), iteratively: CFGs of long functions are deep. */
export function postorder(cfg: Cfg): number[] {
  const out: number[] = [];
  const visited = new Set<number>([cfg.entry]);
  const stack: [number, number][] = [[cfg.entry, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const succs = cfg.blocks[top[0]]!.succs;
    if (top[1] < succs.length) {
      const to = succs[top[1]++]!.to;
      if (!visited.has(to)) { visited.add(to); stack.push([to, 0]); }
    } else {
      out.push(top[0]);
      stack.pop();
    }
  }
  return out;
}
