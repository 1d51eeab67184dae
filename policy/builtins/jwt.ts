import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';
import { Dec, num, ObjectV, parseJson, toJson, type Value } from '../value/index.js';
import { argObject, argString, builtinErr } from './args.js';
import type { BuiltinContext, BuiltinRegistry } from './registry.js';

/** Deepest nesting of `cty: JWT` tokens followed when decoding. */
export const MAX_JWT_NESTING = 16;

const B64URL = /^[A-Za-z0-9_-]*$/;

function b64(name: string, part: string, what: string): Buffer {
  const s = part.replace(/=+$/, '');
  if (!B64URL.test(s) || s.length % 4 === 1) {
    const bad = [...s].findIndex((c) => !/[A-Za-z0-9_-]/.test(c));
    throw builtinErr(
      name,
      `JWT ${what} had invalid encoding: illegal base64 data at input byte ${bad < 0 ? s.length : bad}`,
    );
  }
  return Buffer.from(s, 'base64url');
}

interface Token {
  readonly header: ObjectV;
  readonly payload: Value;
  readonly signature: Buffer;
  /** `header.payload` as written: what the signature covers. */
  readonly signed: string;
  /** The payload text (for nested tokens). */
  readonly payloadText: string;
}

function parseToken(name: string, jwt: string, rawNested = false): Token {
  const parts = jwt.split('.');
  if (parts.length === 1) throw builtinErr(name, 'encoded JWT had no period separators');
  if (parts.length !== 3) throw builtinErr(name, `encoded JWT must have 3 sections, found ${parts.length}`);
  const [h, p, s] = parts as [string, string, string];
  const headerText = b64(name, h, 'header').toString('utf8');
  const payloadText = b64(name, p, 'payload').toString('utf8');
  const signature = b64(name, s, 'signature');
  let header: Value;
  try {
    header = parseJson(headerText);
  } catch {
    throw builtinErr(name, 'JWT header is not valid JSON');
  }
  if (!(header instanceof ObjectV)) throw builtinErr(name, 'JWT header is not a JSON object');
  if (header.getStr('enc') !== undefined)
    throw builtinErr(name, 'JWT is a JWE object, which is not supported');
  let payload: Value;
  try {
    payload = parseJson(payloadText);
  } catch {
    if (header.getStr('cty') !== 'JWT') throw builtinErr(name, 'JWT payload is not valid JSON');
    // decode_verify also takes the nested token as the raw payload text.
    if (!rawNested) throw builtinErr(name, 'type is JWT but payload is not JSON');
    payload = payloadText;
  }
  return { header, payload, signature, signed: `${h}.${p}`, payloadText };
}

/** Follows `cty: JWT` nesting: the payload of such a token is the JSON string of the next one. */
function innermost(name: string, t: Token): Token {
  let cur = t;
  for (let i = 0; cur.header.getStr('cty') === 'JWT'; i++) {
    if (i >= MAX_JWT_NESTING) throw builtinErr(name, 'JWT nested too deeply');
    if (typeof cur.payload !== 'string') throw builtinErr(name, 'type is JWT but payload is not JSON');
    cur = parseToken(name, cur.payload);
  }
  return cur;
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** Public keys from PEM blocks (certificates or keys), a JWK or a JWK set. */
function publicKeys(name: string, text: string): KeyObject[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let jwk: unknown;
    try {
      jwk = JSON.parse(trimmed);
    } catch {
      throw builtinErr(name, 'failed to parse a JWK key (set)');
    }
    const keys = (jwk as { keys?: unknown[] }).keys ?? [jwk];
    return keys.map((k) => {
      try {
        return createPublicKey({ key: k as never, format: 'jwk' });
      } catch (err) {
        throw builtinErr(name, `failed to parse a JWK key: ${(err as Error).message}`);
      }
    });
  }
  const blocks = trimmed.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/g) ?? [];
  if (blocks.length === 0) throw builtinErr(name, 'failed to parse a PEM certificate');
  const rest = trimmed.slice(trimmed.lastIndexOf(blocks.at(-1)!) + blocks.at(-1)!.length);
  if (rest.trim() !== '') throw builtinErr(name, 'extra data after a PEM certificate block');
  return blocks.map((b) => {
    const isCert = b.startsWith('-----BEGIN CERTIFICATE-----');
    try {
      return createPublicKey(b);
    } catch (err) {
      if (isCert) throw builtinErr(name, 'failed to parse a PEM certificate', err);
      throw builtinErr(name, 'failed to extract a Key from the PEM certificate', err);
    }
  });
}

/** Checks a signature with an algorithm and a secret (HS*) or public keys (RS*, PS*, ES*, EdDSA). */
function signatureOk(alg: string, t: Token, secret: string | null, keys: readonly KeyObject[]): boolean {
  const data = Buffer.from(t.signed, 'utf8');
  if (alg.startsWith('HS')) {
    const h = HASH[alg.slice(2)];
    if (h === undefined || secret === null) return false;
    const mac = createHmac(h, secret).update(data).digest();
    return mac.length === t.signature.length && timingSafeEqual(mac, t.signature);
  }
  if (secret !== null) return false;
  const h = alg === 'EdDSA' ? null : HASH[alg.slice(2)];
  if (h === undefined) return false;
  return keys.some((key) => {
    try {
      if (alg.startsWith('RS')) return cryptoVerify(h, data, key, t.signature);
      if (alg.startsWith('PS')) {
        return cryptoVerify(
          h,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          t.signature,
        );
      }
      if (alg.startsWith('ES')) return cryptoVerify(h, data, { key, dsaEncoding: 'ieee-p1363' }, t.signature);
      if (alg === 'EdDSA') return cryptoVerify(null, data, key, t.signature);
    } catch {
      return false;
    }
    return false;
  });
}

function verifyWith(alg: string, useSecret: boolean) {
  const name = `io.jwt.verify_${alg.toLowerCase()}`;
  return (args: readonly Value[]): Value => {
    const t = parseToken(name, argString(name, args, 0));
    const material = argString(name, args, 1);
    return useSecret
      ? signatureOk(alg, t, material, [])
      : signatureOk(alg, t, null, publicKeys(name, material));
  };
}

function asNum(name: string, v: Value | undefined, what: string): num.Num | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'bigint' && !(v instanceof Dec)) throw builtinErr(name, `${what} value must be a number`);
  return v;
}

const NS_PER_S = 1_000_000_000n;

function decodeVerify(args: readonly Value[], ctx: BuiltinContext): Value {
  const name = 'io.jwt.decode_verify';
  const jwt = argString(name, args, 0);
  const c = argObject(name, args, 1);
  const known = new Set(['cert', 'secret', 'alg', 'iss', 'aud', 'time']);
  for (const k of c.keys())
    if (typeof k !== 'string' || !known.has(k))
      throw builtinErr(name, `unknown token validation constraint: ${String(k)}`);
  const cert = c.getStr('cert');
  const secret = c.getStr('secret');
  if ((cert === undefined) === (secret === undefined))
    throw builtinErr(name, 'exactly one of cert and secret must be given');
  const keys = typeof cert === 'string' ? publicKeys(name, cert) : [];
  const now = asNum(name, c.getStr('time'), 'time') ?? ctx.nowNs;
  const fail: Value = [false, new ObjectV(), new ObjectV()];
  let t = parseToken(name, jwt, true);
  for (let i = 0; ; i++) {
    const alg = t.header.getStr('alg');
    if (typeof alg !== 'string') return fail;
    const want = c.getStr('alg');
    if (want !== undefined && want !== alg) return fail;
    if (!signatureOk(alg, t, typeof secret === 'string' ? secret : null, keys)) return fail;
    if (t.header.getStr('cty') !== 'JWT') break;
    if (i >= MAX_JWT_NESTING || typeof t.payload !== 'string')
      throw builtinErr(name, 'type is JWT but payload is not JSON');
    t = parseToken(name, t.payload, true);
  }
  const p = t.payload;
  if (!(p instanceof ObjectV)) return fail;
  const exp = asNum(name, p.getStr('exp'), 'exp');
  if (exp !== undefined && num.compareNum(now, num.mul(exp, NS_PER_S)) >= 0) return fail;
  const nbf = asNum(name, p.getStr('nbf'), 'nbf');
  if (nbf !== undefined && num.compareNum(now, num.mul(nbf, NS_PER_S)) < 0) return fail;
  const iss = c.getStr('iss');
  if (iss !== undefined && p.getStr('iss') !== iss) return fail;
  const aud = c.getStr('aud');
  const got = p.getStr('aud');
  if (aud === undefined) {
    if (got !== undefined) return fail;
  } else if (!(got === aud || (Array.isArray(got) && got.includes(aud)))) return fail;
  return [true, t.header, p];
}

const ALGS = new Set([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]);

/** Signs `header.payload` texts with a JWK (`oct` for HS*, a private key otherwise). */
function encodeSign(name: string, headerText: string, payloadText: string, keyText: string): string {
  let header: unknown;
  try {
    if (headerText.trim() === '') throw new Error('cannot parse empty string');
    header = JSON.parse(headerText);
  } catch (err) {
    const why = (err as Error).message.includes('empty') ? ': cannot parse empty string' : '';
    throw builtinErr(name, `missing or invalid 'alg' header: cannot parse JSON${why}`);
  }
  const alg = (header as { alg?: unknown } | null)?.alg;
  if (alg === undefined)
    throw builtinErr(name, `missing or invalid 'alg' header: jwsbb: header "alg" not found`);
  if (typeof alg !== 'string' || !ALGS.has(alg))
    throw builtinErr(name, `unknown JWS algorithm: ${String(alg)}`);
  try {
    JSON.parse(payloadText);
  } catch {
    if ((header as { typ?: unknown }).typ === 'JWT' || (header as { cty?: unknown }).cty === 'JWT') {
      throw builtinErr(name, 'type is JWT but payload is not JSON');
    }
  }
  let jwk: { kty?: string; k?: string };
  try {
    jwk = JSON.parse(keyText) as { kty?: string; k?: string };
  } catch {
    throw builtinErr(name, 'invalid JWK');
  }
  const signed = `${Buffer.from(headerText).toString('base64url')}.${Buffer.from(payloadText).toString('base64url')}`;
  const data = Buffer.from(signed, 'utf8');
  let sig: Buffer;
  try {
    if (alg.startsWith('HS')) {
      if (jwk.kty !== 'oct' || typeof jwk.k !== 'string') throw new Error('HS algorithms need an oct key');
      sig = createHmac(HASH[alg.slice(2)]!, Buffer.from(jwk.k, 'base64url')).update(data).digest();
    } else {
      const key = createPrivateKey({ key: jwk as never, format: 'jwk' });
      const h = alg === 'EdDSA' ? null : HASH[alg.slice(2)]!;
      if (alg.startsWith('PS')) {
        sig = cryptoSign(h, data, {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        });
      } else if (alg.startsWith('ES')) sig = cryptoSign(h, data, { key, dsaEncoding: 'ieee-p1363' });
      else sig = cryptoSign(h, data, key);
    }
  } catch (err) {
    throw builtinErr(name, `failed to sign: ${(err as Error).message}`, err);
  }
  return `${signed}.${sig.toString('base64url')}`;
}

/** Registers `io.jwt.decode`, `io.jwt.decode_verify`, `io.jwt.encode_sign(_raw)` and `io.jwt.verify_*`. */
export function registerJwt(r: BuiltinRegistry): void {
  r.register({
    name: 'io.jwt.decode',
    arity: 1,
    args: ['string'],
    impl: (args) => {
      const t = innermost('io.jwt.decode', parseToken('io.jwt.decode', args[0] as string));
      return [t.header, t.payload, t.signature.toString('hex')];
    },
  });
  // Checks expiry against the evaluation's clock unless the constraints give a time.
  r.register({
    name: 'io.jwt.decode_verify',
    arity: 2,
    args: ['string', 'object'],
    impl: decodeVerify,
    nondeterministic: true,
  });
  for (const bits of ['256', '384', '512']) {
    r.register({
      name: `io.jwt.verify_hs${bits}`,
      arity: 2,
      args: ['string', 'string'],
      impl: verifyWith(`HS${bits}`, true),
    });
    for (const fam of ['RS', 'PS', 'ES']) {
      r.register({
        name: `io.jwt.verify_${fam.toLowerCase()}${bits}`,
        arity: 2,
        args: ['string', 'string'],
        impl: verifyWith(`${fam}${bits}`, false),
      });
    }
  }
  r.register({
    name: 'io.jwt.verify_eddsa',
    arity: 2,
    args: ['string', 'string'],
    impl: verifyWith('EdDSA', false),
  });
  r.register({
    name: 'io.jwt.encode_sign_raw',
    arity: 3,
    args: ['string', 'string', 'string'],
    nondeterministic: true,
    impl: ([h, p, k]) => encodeSign('io.jwt.encode_sign_raw', h as string, p as string, k as string),
  });
  r.register({
    name: 'io.jwt.encode_sign',
    arity: 3,
    args: ['object', 'object', 'object'],
    nondeterministic: true,
    impl: ([h, p, k]) => encodeSign('io.jwt.encode_sign', toJson(h!), toJson(p!), toJson(k!)),
  });
}
