// action.yml, the composite action: its metadata read as GitHub reads it (a
// composite action; a shell on every run step; every input described, named as
// GitHub's own actions name theirs; expressions only where they are data, and
// only over outputs some step writes), and its steps run here as a runner would
// run them, in a shallow clone of a pull request's merge commit, as
// actions/checkout leaves it: the SARIF it would upload is checked against the
// schema and the Multitool's GitHub rules and holds the finding introduced, and
// only that; the job fails as fail-on says.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expressionsOf, readAction, resolveInputs, runStep, stepCondition, substitute, type ActionStep,
} from './helpers/composite-action.js';
import { REPO_DIR } from './helpers/fixture-units.js';
import { ARM_BUGGY, ARM_BUG_LINE, OLD_BUG, git, makeKernelRepo, writeTree } from './helpers/kernel-tree.js';
import { SarifCollector } from './helpers/sarif-validate.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const action = readAction(path.join(REPO_DIR, 'action.yml'));
const steps = action.runs.steps;
const sarifs = new SarifCollector();
const OLD_FIXED = OLD_BUG.replace('\tlocal_irq_enable();\n\tguest_state_exit_irqoff();', '\tguest_state_exit_irqoff();\n\tlocal_irq_enable();');

let sandbox: string;
let remote: string;
const sha: Record<string, string> = {};

beforeAll(() => {
  sandbox = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'eqscheck-action-test-')));
  // base: the tree (old.c has its bug); the pull request's branch takes the
  // interrupt early in arm.c and fixes old.c; main moves on meanwhile (README), and
  // GitHub's merge commit merges the branch into it.
  const work = makeKernelRepo(path.join(sandbox, 'work'));
  sha['branched'] = git(work, 'rev-parse', 'HEAD').trim();
  git(work, 'checkout', '-q', '-b', 'topic');
  writeTree(work, { 'arch/x/kvm/arm.c': ARM_BUGGY, 'arch/x/kvm/old.c': OLD_FIXED });
  git(work, 'commit', '-q', '-am', 'take the interrupt early; fix old.c');
  git(work, 'checkout', '-q', 'main');
  writeTree(work, { README: 'A kernel-like tree for eqscheck tests, documented.\n' });
  git(work, 'commit', '-q', '-am', 'README');
  sha['base'] = git(work, 'rev-parse', 'HEAD').trim();
  git(work, 'merge', '-q', '--no-ff', '-m', 'Merge topic into main', 'topic');
  sha['merge'] = git(work, 'rev-parse', 'HEAD').trim();
  remote = path.join(sandbox, 'remote.git');
  git(sandbox, 'init', '-q', '--bare', remote);
  // GitHub serves any commit reachable from a ref, as this does.
  git(remote, 'config', 'uploadpack.allowReachableSHA1InWant', 'true');
  git(work, 'push', '-q', remote, 'main', 'topic', `${sha['merge']}:refs/pull/1/merge`);
});

afterAll(() => {
  sarifs.dispose();
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

/** A workspace as actions/checkout leaves it for a pull request: the merge commit, fetched alone (fetch-depth 1). */
function checkout(name: string, commit: string): string {
  const ws = path.join(sandbox, name);
  mkdirSync(ws);
  git(ws, 'init', '-q');
  git(ws, 'remote', 'add', 'origin', `file://${remote}`);
  git(ws, 'fetch', '-q', '--no-tags', '--depth=1', 'origin', `+${commit}:refs/remotes/pull/1/merge`);
  git(ws, 'checkout', '-q', '--detach', commit);
  return ws;
}

const has = (ws: string, commit: string) => {
  try {
    execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: ws, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

interface ActionRun {
  /** Each step: whether it ran (run steps) or would run (uses steps, with their `with` evaluated). */
  steps: { step: ActionStep; ran: boolean; status?: number; with?: Record<string, string> }[];
  outputs: Record<string, string>;
  status: number;
  log: string;
  summary: string;
}

const isInstall = (s: ActionStep) => /\bnpm ci\b/.test(s.run ?? '');

/** The action's steps in order, as the runner takes them: a failing step ends the run. The install
 *  step is left out (it is `npm ci && npm run build` of this checkout, which `npm test` has built). */
function runAction(ws: string, given: Record<string, string>, event: Json = { pull_request: { base: { sha: sha['base'] } } }): ActionRun {
  const github = { sha: sha['merge'], workspace: ws, event };
  const inputs = resolveInputs(action, given, github);
  const context: Json = { github, inputs, steps: {} };
  const runnerTemp = mkdtempSync(path.join(sandbox, 'runner-temp-'));
  const result: ActionRun = { steps: [], outputs: {}, status: 0, log: '', summary: '' };
  for (const step of steps) {
    if (!stepCondition(step, context) || isInstall(step)) {
      result.steps.push({ step, ran: false });
      continue;
    }
    if (step.uses) {
      const evaluated = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, substitute(v, context)]));
      result.steps.push({ step, ran: true, with: evaluated });
      continue;
    }
    const r = runStep(step, context, { actionPath: REPO_DIR, workspace: ws, runnerTemp });
    result.steps.push({ step, ran: true, status: r.status });
    result.log += r.stdout + r.stderr;
    result.summary += r.summary;
    if (step.id) context.steps[step.id] = { outputs: r.outputs };
    if (r.status !== 0) {
      result.status = r.status;
      break;
    }
  }
  for (const [name, spec] of Object.entries(action.outputs)) result.outputs[name] = substitute(spec.value ?? '', context);
  return result;
}

const upload = (run: ActionRun) => run.steps.find((s) => s.step.uses?.startsWith('github/codeql-action/upload-sarif@'))!;
const readSarif = (file: string): Json => {
  const text = readFileSync(file, 'utf8');
  expect(sarifs.add(path.basename(path.dirname(file)), text), `${file}: schema errors`).toEqual([]);
  return JSON.parse(text);
};
const located = (results: Json[]) => results.map((r: Json) =>
  `${r.ruleId} ${r.locations[0].physicalLocation.artifactLocation.uri}:${r.locations[0].physicalLocation.region.startLine} ${r.baselineState}`);

describe('action.yml: the metadata', () => {
  it('is a composite action whose every run step names its shell', () => {
    expect(action.name).toBeTruthy();
    expect(action.description).toBeTruthy();
    expect(action.runs.using).toBe('composite');
    const runSteps = steps.filter((s) => s.run !== undefined);
    expect(runSteps.length).toBeGreaterThan(0);
    for (const s of runSteps) expect(s.shell, `step ${s.name ?? s.id}`).toBeTruthy();
    for (const s of steps) expect(s.run !== undefined || s.uses !== undefined, `step ${s.name ?? s.id}: run or uses`).toBe(true);
  });

  it('describes every input and output; names them in kebab-case, as actions/checkout and setup-node do', () => {
    for (const [name, spec] of Object.entries(action.inputs)) {
      expect(name, 'input name').toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(spec.description?.trim(), `input ${name}`).toBeTruthy();
    }
    for (const [name, spec] of Object.entries(action.outputs)) {
      expect(name, 'output name').toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(spec.description?.trim(), `output ${name}`).toBeTruthy();
      expect(spec.value, `output ${name}: a composite action's output has a value`).toMatch(/^\$\{\{ steps\.[\w-]+\.outputs\.[\w-]+ \}\}$/);
    }
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['base', 'head', 'path', 'rules', 'fail-on', 'args', 'category', 'upload']));
  });

  it('puts no expression in a script (inputs reach scripts through env), and reads only outputs a step writes', () => {
    for (const s of steps) if (s.run !== undefined) expect(expressionsOf(s.run), `step ${s.name ?? s.id}`).toEqual([]);
    const written = new Map<string, Set<string>>();
    for (const s of steps) {
      if (s.id && s.run) written.set(s.id, new Set([...s.run.matchAll(/^\s*echo "([\w-]+)=/gm)].map((m) => m[1]!)));
    }
    const text = readFileSync(path.join(REPO_DIR, 'action.yml'), 'utf8');
    const expressions = [...expressionsOf(text), ...steps.flatMap((s) => (s.if ? [s.if] : []))];
    expect(expressions.length).toBeGreaterThan(0);
    for (const e of expressions) {
      for (const ref of e.matchAll(/\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        expect(written.get(ref[1]!)?.has(ref[2]!), `${ref[0]}: written by step ${ref[1]}`).toBe(true);
      }
      for (const ref of e.matchAll(/\binputs\.([\w-]+)/g)) expect(action.inputs, ref[0]).toHaveProperty([ref[1]!]);
    }
  });

  it('asks for the Node.js package.json asks for; installs eqscheck from the action\'s own checkout', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8'));
    const major = /^>=\s*(\d+)/.exec(pkg.engines.node)![1];
    const check = steps.find((s) => s.id === 'node')!;
    expect(check.run).toContain(`>= ${major} ?`);
    const setup = steps.find((s) => s.uses?.startsWith('actions/setup-node@'))!;
    expect(String(setup.with!['node-version'])).toBe(major);
    expect(setup.if).toBe("steps.node.outputs.setup == 'true'");
    const install = steps.filter(isInstall);
    expect(install).toHaveLength(1);
    expect(install[0]!.run).toMatch(/cd "\$GITHUB_ACTION_PATH"\s+npm ci .*\s+npm run build/);
  });
});

describe('action.yml: the steps, run here', () => {
  it('a pull request introducing a finding: the SARIF holds it (and not the one it fixes), the upload is wired to it, the job fails', () => {
    const ws = checkout('ws-pr', sha['merge']!);
    expect(has(ws, sha['base']!), 'the shallow checkout lacks the base commit').toBe(false);
    const run = runAction(ws, {});
    expect(run.status, run.log).toBe(1);
    expect(has(ws, sha['base']!), 'the base commit was fetched').toBe(true);
    // The log and the job summary show the report.
    expect(run.log).toContain(`arch/x/kvm/arm.c:${ARM_BUG_LINE}:3: error: local_irq_enable() enables interrupts`);
    expect(run.log).toContain(`Introduced in ${sha['merge']} (since ${sha['base']}): 1 finding`);
    expect(run.log).toContain('::error::eqscheck: the change introduces findings (fail-on: warning)');
    expect(run.summary).toContain('### eqscheck diff');
    expect(run.summary).toContain('[irq-enabled-in-eqs]');
    expect(run.outputs['exit-code']).toBe('1');
    // The whole diff has the fix of old.c too; what is uploaded has the finding introduced only.
    const all = readSarif(path.join(path.dirname(run.outputs['sarif-file']!), 'diff.sarif'));
    expect(located(all.runs[0].results).sort()).toEqual([
      `irq-enabled-in-eqs arch/x/kvm/arm.c:${ARM_BUG_LINE} new`,
      'irq-enabled-in-eqs arch/x/kvm/old.c:9 absent',
    ]);
    const uploaded = readSarif(run.outputs['sarif-file']!);
    expect(located(uploaded.runs[0].results)).toEqual([`irq-enabled-in-eqs arch/x/kvm/arm.c:${ARM_BUG_LINE} new`]);
    expect(uploaded.runs[0].originalUriBaseIds['%SRCROOT%'].uri).toBe(`file://${ws}/`);
    expect(upload(run).ran).toBe(true);
    expect(upload(run).with).toEqual({ sarif_file: run.outputs['sarif-file'], checkout_path: ws, category: '' });
    // Nothing was written into the checkout.
    expect(git(ws, 'status', '--porcelain', '--ignored')).toBe('');
  });

  it('a change that introduces nothing: an empty SARIF is still uploaded (so earlier alerts close), and the job passes', () => {
    const ws = checkout('ws-clean', sha['base']!);
    const run = runAction(ws, { base: sha['branched']!, head: sha['base']! });
    expect(run.status, run.log).toBe(0);
    expect(run.outputs['exit-code']).toBe('0');
    expect(run.log).toContain('Introduced in');
    expect(run.log).toContain(': none');
    expect(readSarif(run.outputs['sarif-file']!).runs[0].results).toEqual([]);
    expect(upload(run).ran).toBe(true);
    expect(run.steps.at(-1)!.status).toBe(0);
  });

  it('inputs reach eqscheck: fail-on none passes the job with the finding uploaded; rules narrows the run; upload false skips the upload', () => {
    const ws = checkout('ws-inputs', sha['merge']!);
    const lenient = runAction(ws, { 'fail-on': 'none', category: 'eqscheck-diff/x' });
    expect(lenient.status, lenient.log).toBe(0);
    expect(located(readSarif(lenient.outputs['sarif-file']!).runs[0].results)).toEqual([`irq-enabled-in-eqs arch/x/kvm/arm.c:${ARM_BUG_LINE} new`]);
    expect(upload(lenient).with!['category']).toBe('eqscheck-diff/x');
    const narrowed = runAction(ws, { rules: 'vtime-unbalanced', upload: 'false' });
    expect(narrowed.status, narrowed.log).toBe(0);
    // Without the rules input the same diff has the irq-enabled-in-eqs finding (above).
    expect(readSarif(narrowed.outputs['sarif-file']!).runs[0].results).toEqual([]);
    expect(upload(narrowed).ran).toBe(false);
    const badArgs = runAction(ws, { args: '--no-such-option' });
    expect(badArgs.status).toBe(2);
    expect(badArgs.log).toContain("unknown option '--no-such-option'");
    expect(upload(badArgs)).toBeUndefined();
  });

  it('an event with no base (a new branch pushed, a manual run) is an error naming the input; so is a base that cannot be fetched', () => {
    const ws = checkout('ws-nobase', sha['merge']!);
    const none = runAction(ws, {}, {});
    expect(none.status).toBe(2);
    expect(none.log).toContain('::error::eqscheck: no base commit to compare with');
    expect(none.outputs['sarif-file']).toBe('');
    const newBranch = runAction(ws, {}, { before: '0'.repeat(40) });
    expect(newBranch.status).toBe(2);
    expect(newBranch.log).toContain('::error::eqscheck: no base commit to compare with');
    const unknown = runAction(ws, { base: 'f'.repeat(40) });
    expect(unknown.status).toBe(2);
    expect(unknown.log).toContain(`::error::eqscheck: commit ${'f'.repeat(40)} is not in the checkout and could not be fetched`);
  });

  it('the SARIF files pass the Multitool\'s SARIF and GitHub rules', () => {
    expect(sarifs.files.length).toBeGreaterThan(0);
    expect(sarifs.multitool('Sarif')).toEqual([]);
    expect(sarifs.multitool('Gh')).toEqual([]);
  }, 240_000);
});
