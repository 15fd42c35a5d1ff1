// `scan --write-baseline FILE` and `scan --baseline FILE`: a baseline (JSON, or a
// SARIF report) suppresses the findings it holds, matched by fingerprint, so that
// only new ones are reported (SARIF: baselineState new; schema-checked here, the
// Multitool runs over the patch mode's logs). The JSON report carries the same
// fingerprint as SARIF's partialFingerprints.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINGERPRINT_KEY } from '../src/report/fingerprint.js';
import { OLD_BUG, TREE, run, writeTree } from './helpers/kernel-tree.js';
import { SarifCollector } from './helpers/sarif-validate.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const sarifs = new SarifCollector();
let sandbox: string;
let tree: string;

beforeAll(() => {
  sandbox = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-baseline-test-'));
  tree = path.join(sandbox, 'tree');
  writeTree(tree, TREE);
});

afterAll(() => {
  sarifs.dispose();
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

const NEW_BUG = OLD_BUG.replace('vcpu_run_early_enable', 'new_bug_run');

describe('scan --baseline / --write-baseline', () => {
  it('JSON findings carry the fingerprint SARIF gives them', async () => {
    const j = JSON.parse((await run(['scan', tree, '-f', 'json'])).stdout) as Json;
    const s = JSON.parse((await run(['scan', tree, '-f', 'sarif'])).stdout) as Json;
    expect(j.findings.length).toBe(3);
    expect(j.findings.map((f: Json) => f.fingerprint)).toEqual(s.runs[0].results.map((r: Json) => r.partialFingerprints[FINGERPRINT_KEY]));
    for (const f of j.findings) expect(f.fingerprint).toMatch(/^[0-9a-f]{32}:\d+$/);
  });

  it('round trip: write a baseline, then only findings not in it are reported', async () => {
    const baseline = path.join(sandbox, 'baseline.json');
    const first = await run(['scan', tree, '--write-baseline', baseline]);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/^eqscheck: 3 findings/m);
    const written = JSON.parse(readFileSync(baseline, 'utf8')) as Json;
    expect(written.findings.length).toBe(3);

    // Nothing new: exit 0, and the text says how many the baseline hid.
    const again = await run(['scan', tree, '--baseline', baseline]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^eqscheck: 0 findings; 3 more in the baseline not shown; /m);
    const j = JSON.parse((await run(['scan', tree, '--baseline', baseline, '-f', 'json'])).stdout) as Json;
    expect(j.findings).toEqual([]);
    expect(j.summary.baseline).toEqual({ file: baseline, matched: 3 });

    // Lines added above the existing findings do not make them new; a new bug is.
    writeTree(tree, {
      'arch/x/kvm/old.c': `/* A new comment.\n * Two lines. */\n${OLD_BUG}`,
      'arch/x/kvm/new.c': NEW_BUG,
    });
    try {
      const r = await run(['scan', tree, '--baseline', baseline, '-f', 'json']);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as Json;
      expect(report.findings.map((f: Json) => [path.relative(tree, f.file), f.function])).toEqual([['arch/x/kvm/new.c', 'new_bug_run']]);
      expect(report.summary.baseline.matched).toBe(3);
      // SARIF: the remaining result is new.
      const s = await run(['scan', tree, '--baseline', baseline, '-f', 'sarif']);
      expect(s.code).toBe(1);
      expect(sarifs.add('baseline-new', s.stdout)).toEqual([]);
      const results = JSON.parse(s.stdout).runs[0].results as Json[];
      expect(results.map((x) => [x.baselineState, x.locations[0].logicalLocations[0].name])).toEqual([['new', 'new_bug_run']]);
      // --baseline and --write-baseline together: the new baseline holds every finding.
      const next = path.join(sandbox, 'next.json');
      await run(['scan', tree, '--baseline', baseline, '--write-baseline', next]);
      expect((JSON.parse(readFileSync(next, 'utf8')) as Json).findings.length).toBe(4);
      expect((await run(['scan', tree, '--baseline', next])).code).toBe(0);
    } finally {
      writeTree(tree, { 'arch/x/kvm/old.c': OLD_BUG });
      rmSync(path.join(tree, 'arch/x/kvm/new.c'));
    }
  });

  it('takes a SARIF report as the baseline', async () => {
    const sarif = path.join(sandbox, 'baseline.sarif');
    expect((await run(['scan', tree, '-f', 'sarif', '-o', sarif])).code).toBe(1);
    const r = await run(['scan', tree, '--baseline', sarif]);
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  it('rejects what is not a baseline, with exit 2', async () => {
    const write = (name: string, text: string) => { const p = path.join(sandbox, name); writeFileSync(p, text); return p; };
    const cases: [string, RegExp][] = [
      [path.join(sandbox, 'missing.json'), /: no such baseline file$/],
      [write('text.json', 'not json'), /: the baseline is not JSON \(expected an eqscheck JSON or SARIF report\)$/],
      [write('other.json', '{"hello": 1}'), /: not an eqscheck report/],
      [write('old.json', '{"version": 1, "findings": [{"ruleId": "irq-enabled-in-eqs"}]}'), /: findings\[0\]: no fingerprint \(written by an older eqscheck\? write the baseline again with --write-baseline\)$/],
      [write('foreign.sarif', '{"runs": [{"results": [{"ruleId": "x"}]}]}'), /: runs\[0\]\.results\[0\]\.partialFingerprints: no eqscheckFindingHash\/v1 fingerprint/],
    ];
    for (const [file, message] of cases) {
      const r = await run(['scan', tree, '--baseline', file]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd()).toMatch(new RegExp(`^eqscheck: error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${message.source}`));
    }
  });
});
