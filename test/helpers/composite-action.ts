// Runs the `run` steps of a composite action (action.yml) here, as a GitHub
// runner would: each script under `bash --noprofile --norc -eo pipefail` (what
// `shell: bash` means), with the step's `env` evaluated, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, RUNNER_TEMP and GITHUB_ACTION_PATH set, and the outputs a
// step writes readable by the steps after it. Expressions are evaluated for the
// forms the action uses (a context path, `a || b`, `x == 'literal'`); any other
// form is an error, so that a new one is met here before it is met on GitHub.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface ActionInput { description?: string; default?: string | number | boolean }
export interface ActionStep {
  id?: string; name?: string; if?: string; uses?: string; shell?: string; run?: string;
  env?: Record<string, string | number | boolean>; with?: Record<string, string | number | boolean>;
}
export interface ActionMetadata {
  name: string; description: string;
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description?: string; value?: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export function readAction(file: string): ActionMetadata {
  return parse(readFileSync(file, 'utf8')) as ActionMetadata;
}

/** Every `${{ … }}` of a value, its inner text trimmed. */
export function expressionsOf(text: string): string[] {
  return [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]!.trim());
}

type Context = Record<string, unknown>;

function lookup(context: Context, dotted: string): unknown {
  if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(dotted)) throw new Error(`expression form not supported here: ${dotted}`);
  const [head, ...rest] = dotted.split('.');
  if (!(head! in context)) throw new Error(`unknown context in expression: ${dotted}`);
  let value: unknown = context[head!];
  for (const key of rest) value = value !== null && typeof value === 'object' ? (value as Context)[key] : undefined;
  return value;
}

/** GitHub's value of one expression: `a || b` is the first truthy one, `x == 'v'` a boolean. */
export function evaluate(expression: string, context: Context): unknown {
  const comparison = /^(\S+)\s*(==|!=)\s*'([^']*)'$/.exec(expression);
  if (comparison) {
    const equal = String(lookup(context, comparison[1]!) ?? '') === comparison[3];
    return comparison[2] === '==' ? equal : !equal;
  }
  const alternatives = expression.split('||').map((a) => a.trim());
  for (const a of alternatives) {
    const value = lookup(context, a);
    if (value) return value;
  }
  return '';
}

/** A value with its `${{ … }}` replaced, as a string (GitHub's coercion of null/undefined: ''). */
export function substitute(value: string | number | boolean, context: Context): string {
  return String(value).replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => String(evaluate(e.trim(), context) ?? ''));
}

/** The step's `if:` (bare expression, as GitHub allows), true when absent. */
export function stepCondition(step: ActionStep, context: Context): boolean {
  if (step.if === undefined) return true;
  const bare = step.if.trim().replace(/^\$\{\{(.*)\}\}$/, '$1').trim();
  return Boolean(evaluate(bare, context));
}

/** The inputs as the action sees them: the `with` values given, the defaults (evaluated) for the rest. */
export function resolveInputs(action: ActionMetadata, given: Record<string, string>, github: Context): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    inputs[name] = name in given ? given[name]! : substitute(spec.default ?? '', { github });
  }
  for (const name of Object.keys(given)) if (!(name in action.inputs)) throw new Error(`not an input of the action: ${name}`);
  return inputs;
}

export interface StepRun { status: number; stdout: string; stderr: string; outputs: Record<string, string>; summary: string }

/** `name=value` lines and `name<<DELIM` blocks of a GITHUB_OUTPUT file. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const block = /^([^=<]+)<<(.+)$/.exec(line);
    if (block) {
      const end = lines.indexOf(block[2]!, i + 1);
      outputs[block[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

export interface RunnerEnv { actionPath: string; workspace: string; runnerTemp: string }

/** Runs one `run` step in `cwd` (the workspace, as a composite step's default). */
export function runStep(step: ActionStep, context: Context, runner: RunnerEnv): StepRun {
  if (step.run === undefined) throw new Error(`not a run step: ${step.name ?? step.uses}`);
  if (step.shell !== 'bash') throw new Error(`shell ${step.shell} is not emulated here`);
  const dir = mkdtempSync(path.join(runner.runnerTemp, 'step-'));
  const script = path.join(dir, 'script.sh');
  const output = path.join(dir, 'output');
  const summary = path.join(dir, 'summary');
  writeFileSync(script, step.run);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'], HOME: process.env['HOME'], XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'],
    GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
    GITHUB_ACTIONS: 'true', GITHUB_ACTION_PATH: runner.actionPath, GITHUB_WORKSPACE: runner.workspace,
    RUNNER_TEMP: runner.runnerTemp, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary,
  };
  for (const [k, v] of Object.entries(step.env ?? {})) env[k] = substitute(v, context);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: runner.workspace, env, encoding: 'utf8' });
  if (r.error) throw r.error;
  return {
    status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr,
    outputs: parseOutputFile(readFileSync(output, 'utf8')), summary: readFileSync(summary, 'utf8'),
  };
}
