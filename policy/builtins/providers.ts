import { createHash, createHmac } from 'node:crypto';
import { ObjectV, toJson, type Value } from '../value/index.js';
import type { BuiltinRegistry } from './registry.js';
import { BuiltinError } from './registry.js';

const NAME = 'providers.aws.sign_req';

function typeError(msg: string): BuiltinError {
  return new BuiltinError('eval_type_error', `${NAME}: ${msg}`);
}

function need(o: ObjectV, keys: readonly string[], operand: number, what: string): Record<string, string> {
  const missing = keys.filter((k) => o.getStr(k) === undefined);
  const list = (ks: readonly string[]): string => `{${ks.map((k) => JSON.stringify(k)).join(', ')}}`;
  if (missing.length > 0)
    throw typeError(`operand ${operand} missing required ${what} parameters(s): ${list(missing)}`);
  const bad = keys.filter((k) => typeof o.getStr(k) !== 'string');
  if (bad.length > 0)
    throw typeError(`operand ${operand} invalid values for required ${what} parameters(s): ${list(bad)}`);
  return Object.fromEntries(keys.map((k) => [k, o.getStr(k) as string]));
}

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string): Buffer => createHmac('sha256', key).update(s).digest();

/** `YYYYMMDDTHHMMSSZ` of a time given in nanoseconds since the epoch. */
function amzDate(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  if (Number.isNaN(d.getTime()))
    throw typeError('operand 3 could not convert time_ns value into a unix timestamp');
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** AWS Signature Version 4 of an HTTP request, as OPA's providers.aws.sign_req computes it. */
function signRequest(req: ObjectV, config: ObjectV, timeNs: Value): ObjectV {
  const { method = '', url = '' } = need(req, ['method', 'url'], 1, 'request');
  const cfg = need(
    config,
    ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'],
    2,
    'AWS config',
  );
  const disable = config.getStr('disable_payload_signing') ?? false;
  if (typeof disable !== 'boolean')
    throw typeError("operand 2 invalid value for 'disable_payload_signing' in AWS config");
  if (typeof timeNs !== 'bigint' || timeNs < 0n) {
    throw typeError('operand 3 could not convert time_ns value into a unix timestamp');
  }
  const token = config.getStr('aws_session_token');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BuiltinError('eval_builtin_error', `${NAME}: invalid url ${JSON.stringify(url)}`);
  }
  const raw = req.getStr('raw_body');
  const body = req.getStr('body');
  const payload = typeof raw === 'string' ? raw : body === undefined ? '' : toJson(body);
  const date = amzDate(timeNs);
  const day = date.slice(0, 8);

  const headers = new Map<string, string>();
  const given = req.getStr('headers');
  if (given instanceof ObjectV) {
    for (const [k, v] of given.entries())
      if (typeof k === 'string' && typeof v === 'string') headers.set(k, v);
  }
  const contentSha = disable ? 'UNSIGNED-PAYLOAD' : sha256(payload);
  headers.set('host', u.host);
  // OPA signs a caller-supplied x-amz-content-sha256 as given, but returns the computed one.
  if (!headers.has('x-amz-content-sha256')) headers.set('x-amz-content-sha256', contentSha);
  headers.set('x-amz-date', date);
  if (typeof token === 'string' && token !== '') headers.set('x-amz-security-token', token);

  const signed = [...headers.keys()].map((k) => k.toLowerCase()).sort();
  const lower = new Map([...headers].map(([k, v]) => [k.toLowerCase(), v.trim()]));
  // As OPA (Go's net/url): the path and raw query exactly as written, the method as given.
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)(?:\?([^#]*))?/.exec(url);
  const canonical = [
    method,
    m?.[1] ?? '',
    m?.[2] ?? '',
    `${signed.map((k) => `${k}:${lower.get(k)}`).join('\n')}\n`,
    signed.join(';'),
    contentSha,
  ].join('\n');
  const scope = `${day}/${cfg.aws_region}/${cfg.aws_service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${cfg.aws_secret_access_key}`, day);
  for (const part of [cfg.aws_region ?? '', cfg.aws_service ?? '', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.set(
    'Authorization',
    `AWS4-HMAC-SHA256 Credential=${cfg.aws_access_key}/${scope},SignedHeaders=${signed.join(';')},Signature=${signature}`,
  );
  headers.set('x-amz-content-sha256', contentSha);
  const out = req.clone();
  out.set('headers', ObjectV.from([...headers]));
  return out;
}

/** Registers `providers.aws.sign_req`. */
export function registerProviders(r: BuiltinRegistry): void {
  r.register({
    name: NAME,
    arity: 3,
    args: ['object', 'object', 'number'],
    impl: ([req, config, time]) => signRequest(req as ObjectV, config as ObjectV, time!),
  });
}
