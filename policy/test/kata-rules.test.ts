import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fromJs, KataPolicy, ObjectV, parseJson, toJson } from '../index.js';
import { createContainer, execProcess, IDS, policyDataRego, removeContainer } from './kata-rules-fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const rulesDir = resolve(here, '../../../../shared/conformance/kata-policy/rules');
const rulesFile = resolve(rulesDir, 'rules.rego');

function rules(t: { skip: (m: string) => void }, printsOnDenial = false): KataPolicy | null {
  if (!existsSync(rulesFile)) {
    t.skip(`Kata rules not found at ${rulesFile}`);
    return null;
  }
  return new KataPolicy(readFileSync(rulesFile, 'utf8') + policyDataRego(), {
    file: 'rules.rego',
    printsOnDenial,
  });
}

// printsOnDenial is how the proxy decides: without prints, so with results kept across
// evaluations (docs/POLICY.md), which the state patches must start over.
for (const printsOnDenial of [false, true]) {
  test(`rules.rego: state follows CreateContainer, ExecProcess and RemoveContainer${printsOnDenial ? ' (printsOnDenial)' : ''}`, (t) => {
    const kp = rules(t, printsOnDenial);
    if (kp === null) return;
    assert.equal(toJson(kp.state), '{}');

    const sandbox = kp.decide('CreateContainerRequest', fromJs(createContainer('sandbox', IDS.sandbox)));
    assert.equal(sandbox.allowed, true, sandbox.message);
    const app = kp.decide('CreateContainerRequest', fromJs(createContainer('container', IDS.app)));
    assert.equal(app.allowed, true, app.message);
    const state = kp.state as ObjectV;
    assert.equal(toJson(state.getStr(IDS.sandbox)!), '0');
    assert.equal(toJson(state.getStr(IDS.app)!), '1');
    assert.equal(state.getStr('sandbox_name'), 'mypod');
    assert.equal(state.getStr('namespace'), 'default');

    const exec = kp.decide('ExecProcessRequest', fromJs(execProcess(IDS.app, ['echo', 'hi'])));
    assert.equal(exec.allowed, true, exec.message);
    const again = kp.decide('ExecProcessRequest', fromJs(execProcess(IDS.app, ['echo', 'hi'])));
    assert.equal(again.allowed, true, again.message);

    const notAllowedCmd = kp.decide('ExecProcessRequest', fromJs(execProcess(IDS.app, ['rm', '-rf', '/'])));
    assert.equal(notAllowedCmd.allowed, false);

    const unknown = kp.decide('ExecProcessRequest', fromJs(execProcess(IDS.other, ['echo', 'hi'])));
    assert.equal(unknown.allowed, false);
    assert.match(unknown.message, /^ExecProcessRequest is blocked by policy: /);
    assert.ok(unknown.prints.length > 0);

    const removed = kp.decide('RemoveContainerRequest', fromJs(removeContainer(IDS.app)));
    assert.equal(removed.allowed, true, removed.message);
    assert.equal((kp.state as ObjectV).getStr(IDS.app), undefined);
    assert.equal(toJson((kp.state as ObjectV).getStr(IDS.sandbox)!), '0');

    const after = kp.decide('ExecProcessRequest', fromJs(execProcess(IDS.app, ['echo', 'hi'])));
    assert.equal(after.allowed, false);
  });
}

test('rules.rego: a container whose sandbox name differs from the state is denied', (t) => {
  const kp = rules(t);
  if (kp === null) return;
  assert.equal(
    kp.decide('CreateContainerRequest', fromJs(createContainer('sandbox', IDS.sandbox))).allowed,
    true,
  );
  const input = createContainer('container', IDS.app);
  const oci = input.OCI as { Annotations: Record<string, string> };
  oci.Annotations['io.kubernetes.cri.sandbox-name'] = 'otherpod';
  const d = kp.decide('CreateContainerRequest', fromJs(input));
  assert.equal(d.allowed, false);
  assert.equal((kp.state as ObjectV).getStr(IDS.app), undefined);
});

const STATEFUL = `package agent_policy
default AllowRequestsFailingPolicy := false
CreateContainerRequest := {"allowed": true, "ops": [{"op": "add", "path": concat("/", ["/pstate", input.container_id]), "value": 1}]}
BadPatchRequest := {"allowed": true, "ops": [{"op": "remove", "path": "/pstate/missing"}]}
UndefinedRequest if { false }
default DeniedRequest := false
DeniedRequest if { print("denied because", input.why); false }
default SetPolicyRequest := true
`;

test('Kata semantics: ops are applied to data.pstate; a failing patch leaves it unchanged', () => {
  const kp = new KataPolicy(STATEFUL);
  const d = kp.decide('CreateContainerRequest', parseJson('{"container_id":"c1"}'));
  assert.equal(d.allowed, true);
  assert.equal(toJson(kp.state), '{"c1":1}');
  const bad = kp.decide('BadPatchRequest', new ObjectV());
  assert.equal(bad.allowed, false);
  assert.match(bad.message, /^BadPatchRequest: /);
  assert.equal(bad.error?.code, 'kata_policy_error');
  assert.equal(toJson(kp.state), '{"c1":1}');
});

test('Kata semantics: undefined results and denials, with prints in the message', () => {
  const kp = new KataPolicy(STATEFUL);
  const u = kp.decide('UndefinedRequest', new ObjectV());
  assert.equal(u.allowed, false);
  assert.ok(u.error !== undefined);
  const denied = kp.decide('DeniedRequest', parseJson('{"why":"test"}'));
  assert.equal(denied.allowed, false);
  assert.equal(denied.message, 'DeniedRequest is blocked by policy: policy.rego:7: denied because test');
  const missing = kp.decide('NoSuchRequest', new ObjectV());
  assert.equal(missing.allowed, false);
});

test('Kata semantics: AllowRequestsFailingPolicy allows denied and undefined requests', () => {
  const kp = new KataPolicy(
    STATEFUL.replace('default AllowRequestsFailingPolicy := false', 'AllowRequestsFailingPolicy := true'),
  );
  assert.equal(kp.allowsFailures, true);
  assert.equal(kp.decide('DeniedRequest', parseJson('{"why":"x"}')).allowed, true);
  assert.equal(kp.decide('UndefinedRequest', new ObjectV()).allowed, true);
});

test('Kata semantics: SetPolicyRequest is decided by the old policy, then replaces it and resets state', () => {
  const kp = new KataPolicy(STATEFUL);
  kp.decide('CreateContainerRequest', parseJson('{"container_id":"c1"}'));
  const next =
    'package agent_policy\ndefault SetPolicyRequest := false\ndefault ExecProcessRequest := true\n';
  const d = kp.setPolicy(parseJson('{"policy":"..."}'), next);
  assert.equal(d.allowed, true);
  assert.equal(toJson(kp.state), '{}');
  assert.equal(kp.decide('ExecProcessRequest', new ObjectV()).allowed, true);
  const again = kp.setPolicy(new ObjectV(), STATEFUL);
  assert.equal(again.allowed, false);
  assert.equal(kp.policy, next);
});

test('Kata semantics: a new policy that does not compile leaves no policy, so everything is denied', () => {
  const kp = new KataPolicy(STATEFUL);
  const d = kp.setPolicy(new ObjectV(), 'package agent_policy\nx := ');
  assert.equal(d.allowed, false);
  assert.equal(d.error?.code, 'rego_parse_error');
  assert.equal(kp.policy, '');
  assert.equal(kp.decide('CreateContainerRequest', parseJson('{"container_id":"c1"}')).allowed, false);
});

test('Kata semantics: result objects as the agent reads them', () => {
  const kp = new KataPolicy(`package agent_policy
AllowRequestsFailingPolicy := true
ExtraKeyRequest := {"allowed": true, "note": "ignored"}
NoAllowedRequest := {"ops": []}
PatchRootRequest := {"allowed": true, "ops": [{"op": "add", "path": "/other", "value": 1}]}
`);
  assert.equal(kp.decide('ExtraKeyRequest', new ObjectV()).allowed, true);
  // A malformed result is an error, which AllowRequestsFailingPolicy does not forgive.
  assert.equal(kp.decide('NoAllowedRequest', new ObjectV()).allowed, false);
  // An undefined result is forgiven.
  assert.equal(kp.decide('UnknownRequest', new ObjectV()).allowed, true);
  assert.equal(kp.decide('PatchRootRequest', new ObjectV()).allowed, true);
  assert.equal(toJson(kp.state), '{}');
});

test('Kata default policies from the kata repository load and decide', (t) => {
  const allowAll = resolve(rulesDir, 'allow-all-except-exec-process.rego');
  if (!existsSync(allowAll)) {
    t.skip('Kata default policies not found');
    return;
  }
  const kp = new KataPolicy(readFileSync(allowAll, 'utf8'));
  assert.equal(kp.decide('CreateContainerRequest', new ObjectV()).allowed, true);
  assert.equal(kp.decide('ExecProcessRequest', new ObjectV()).allowed, false);
});
