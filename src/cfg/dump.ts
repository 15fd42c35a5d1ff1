// Text dumps of a CFG: an edge list (for golden tests) and Graphviz dot (for debugging).
import type { Cfg, Edge, Event } from './types.js';

function describeEvent(e: Event): string {
  switch (e.kind) {
    case 'call': return `${e.result ? `${e.result} = ` : ''}${e.callee ?? `(*${e.calleeText})`}(${e.args.map((a) => a.text).join(', ')})`;
    case 'assign': return `${e.target} := ${e.value.kind === 'var' ? e.value.name : e.value.kind === 'const' ? `<signs ${e.value.signs}>` : '?'}`;
    case 'return': return e.implicit ? 'return (end)' : `return${e.value ? ` ${e.value.kind === 'var' ? e.value.name : e.value.kind === 'const' ? `<signs ${e.value.signs}>` : '?'}` : ''}`;
  }
}

function describeEdge(from: number, e: Edge, exit: number): string {
  const to = e.to === exit ? 'exit' : `B${e.to}`;
  return `B${from} -> ${to} ${e.kind}${e.cond ? ` [${e.cond.subject} in ${e.cond.signs}]` : ''}`;
}

/** One line per block (its events) and one per edge; unreachable blocks are marked. */
export function edgeList(cfg: Cfg): string {
  const lines: string[] = [];
  for (const b of cfg.blocks) {
    if (b.id === cfg.exit) continue;
    if (!b.events.length && !b.succs.length) continue;
    lines.push(`B${b.id}${b.reachable ? '' : ' (unreachable)'}: ${b.events.map(describeEvent).join('; ')}`);
    for (const e of b.succs) lines.push(`  ${describeEdge(b.id, e, cfg.exit)}`);
  }
  return lines.join('\n');
}

export function toDot(cfg: Cfg): string {
  const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const lines = [`digraph "${esc(cfg.name)}" {`, '  node [shape=box, fontname="monospace"];'];
  for (const b of cfg.blocks) {
    const label = b.id === cfg.exit ? 'exit' : `B${b.id}\\l${b.events.map((e) => esc(describeEvent(e))).join('\\l')}\\l`;
    lines.push(`  B${b.id} [label="${label}"${b.reachable ? '' : ', style=dashed'}];`);
    for (const e of b.succs) {
      lines.push(`  B${b.id} -> B${e.to} [label="${e.kind}${e.cond ? ` ${esc(e.cond.subject)}∈${e.cond.signs}` : ''}"${e.kind === 'back' ? ', style=bold' : ''}];`);
    }
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
