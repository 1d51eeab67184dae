import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine, PolicyError, parseJson, toJson } from '../index.js';
import { corpusRequests, KATA_CORPUS } from './kata-corpus-fixture.js';

const corpus = KATA_CORPUS;

const dirs = existsSync(corpus) ? readdirSync(corpus).sort() : [];

test('Kata corpus data is present', () => {
  // Part of the test set-up (../shared/conformance): without it the tests below would not exist.
  assert.ok(dirs.length > 0, `Kata corpus not found at ${corpus}`);
});

for (const d of dirs) {
  test(`Kata corpus: ${d} reproduces outputs.json and prints.json`, () => {
    const dir = join(corpus, d);
    const engine = new Engine({ v0Compatible: true });
    engine.addPolicy(`${d}/policy.rego`, readFileSync(join(dir, 'policy.rego'), 'utf8'));
    const outs = parseJson(readFileSync(join(dir, 'outputs.json'), 'utf8')) as readonly unknown[];
    const prints = JSON.parse(readFileSync(join(dir, 'prints.json'), 'utf8')) as string[][];
    const reqs = corpusRequests(readFileSync(join(dir, 'inputs.txt'), 'utf8'));
    assert.equal(reqs.length, outs.length);
    reqs.forEach((r, i) => {
      engine.setInputJson(r.input);
      let got: string;
      let gotPrints: readonly string[] = [];
      try {
        const res = engine.evalQuery(`data.agent_policy.${r.ep}`);
        const v = res.rows[0]?.expressions[0]?.value;
        got = v === undefined ? 'undefined' : toJson(v);
        gotPrints = res.prints;
      } catch (err) {
        got = err instanceof PolicyError ? `${err.code}: ${err.message}` : String(err);
      }
      assert.equal(got, toJson(outs[i] as never), `${d} request #${i} ${r.ep}`);
      const strip = (s: string): string => s.replace(/^\S*:\d+: /, '');
      assert.deepEqual(
        gotPrints.map(strip),
        (prints[i] ?? []).map(strip),
        `${d} request #${i} ${r.ep} prints`,
      );
    });
  });
}

for (const d of dirs) {
  test(`Kata corpus: ${d} decides the same with call results kept across evaluations`, () => {
    // Evaluations without prints reuse the results of functions that read no input; each request
    // is asked twice, so the second answer comes from what the first (and earlier requests) left.
    const dir = join(corpus, d);
    const engine = new Engine({ v0Compatible: true });
    engine.addPolicy(`${d}/policy.rego`, readFileSync(join(dir, 'policy.rego'), 'utf8'));
    const outs = parseJson(readFileSync(join(dir, 'outputs.json'), 'utf8')) as readonly unknown[];
    const reqs = corpusRequests(readFileSync(join(dir, 'inputs.txt'), 'utf8'));
    reqs.forEach((r, i) => {
      for (const pass of ['cold', 'warm']) {
        engine.setInputJson(r.input);
        let got: string;
        try {
          const v = engine.evalQuery(`data.agent_policy.${r.ep}`, { prints: false }).rows[0]?.expressions[0]
            ?.value;
          got = v === undefined ? 'undefined' : toJson(v);
        } catch (err) {
          got = err instanceof PolicyError ? `${err.code}: ${err.message}` : String(err);
        }
        assert.equal(got, toJson(outs[i] as never), `${d} request #${i} ${r.ep} (${pass})`);
      }
    });
  });
}
