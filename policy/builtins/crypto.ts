import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Value } from '../value/index.js';
import { strOp } from './lib-operand.js';
import type { BuiltinRegistry } from './registry.js';

function digest(name: string, alg: string) {
  return (args: readonly Value[]): Value =>
    createHash(alg)
      .update(strOp(name, args, 1), 'utf8')
      .digest('hex');
}

function hmac(name: string, alg: string) {
  return (args: readonly Value[]): Value => {
    const msg = strOp(name, args, 1);
    const key = strOp(name, args, 2);
    return createHmac(alg, Buffer.from(key, 'utf8')).update(msg, 'utf8').digest('hex');
  };
}

/** Registers the digest builtins (md5, sha1, sha256) and `crypto.hmac.*`. */
export function registerCrypto(r: BuiltinRegistry): void {
  r.register({ name: 'crypto.md5', arity: 1, impl: digest('crypto.md5', 'md5') });
  r.register({ name: 'crypto.sha1', arity: 1, impl: digest('crypto.sha1', 'sha1') });
  r.register({ name: 'crypto.sha256', arity: 1, impl: digest('crypto.sha256', 'sha256') });
  r.register({ name: 'crypto.hmac.md5', arity: 2, impl: hmac('crypto.hmac.md5', 'md5') });
  r.register({ name: 'crypto.hmac.sha1', arity: 2, impl: hmac('crypto.hmac.sha1', 'sha1') });
  r.register({ name: 'crypto.hmac.sha256', arity: 2, impl: hmac('crypto.hmac.sha256', 'sha256') });
  r.register({ name: 'crypto.hmac.sha512', arity: 2, impl: hmac('crypto.hmac.sha512', 'sha512') });
  r.register({
    name: 'crypto.hmac.equal',
    arity: 2,
    impl: (args) => {
      // Constant time, like Go's hmac.Equal: lengths may leak, contents do not.
      const a = Buffer.from(strOp('crypto.hmac.equal', args, 1), 'utf8');
      const b = Buffer.from(strOp('crypto.hmac.equal', args, 2), 'utf8');
      return a.length === b.length && timingSafeEqual(a, b);
    },
  });
}
