import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// regorus' Kata test corpus, shared by the tests that replay it.

const here = dirname(fileURLToPath(import.meta.url));

/** The corpus folder beside the checkout (one sub-folder per policy and request sequence). */
export const KATA_CORPUS = resolve(here, '../../../../shared/conformance/kata-policy/regorus-kata-tests');

/** Parses a corpus `inputs.txt`: one `["ep":"<Request>",{json}],` per line. */
export function corpusRequests(text: string): { ep: string; input: string }[] {
  const out: { ep: string; input: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\["ep":"([A-Za-z]+)",(.*)\],?$/.exec(line.trim());
    if (m !== null) out.push({ ep: m[1]!, input: m[2]! });
  }
  return out;
}
