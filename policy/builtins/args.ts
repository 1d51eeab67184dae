import { Dec, ObjectV, SetV, type TypeName, typeName, type Value } from '../value/index.js';
import { type ArgType, BuiltinError } from './registry.js';

function describe(want: readonly ArgType[]): string {
  return want.length === 1 ? want[0]! : `one of {${want.join(', ')}}`;
}

/** The OPA-style type error: `<name>: operand <i+1> must be <want> but got <type>`. */
export function typeErr(
  name: string,
  index: number,
  want: ArgType | readonly ArgType[],
  got: Value,
): BuiltinError {
  const w = typeof want === 'string' ? [want] : want;
  return new BuiltinError(
    'eval_type_error',
    `${name}: operand ${index + 1} must be ${describe(w)} but got ${typeName(got)}`,
  );
}

/** A builtin error (`eval_builtin_error`) prefixed with the builtin's name. */
export function builtinErr(name: string, message: string, cause?: unknown): BuiltinError {
  return new BuiltinError('eval_builtin_error', `${name}: ${message}`, cause === undefined ? {} : { cause });
}

/** True when `v` has type `t`. */
export function hasType(v: Value, t: ArgType): boolean {
  return t === 'any' || typeName(v) === t;
}

/** Operand `i` as a string, or a type error. */
export function argString(name: string, args: readonly Value[], i: number): string {
  const v = args[i]!;
  if (typeof v !== 'string') throw typeErr(name, i, 'string', v);
  return v;
}

/** Operand `i` as a number (bigint or Dec), or a type error. */
export function argNumber(name: string, args: readonly Value[], i: number): bigint | Dec {
  const v = args[i]!;
  if (typeof v !== 'bigint' && !(v instanceof Dec)) throw typeErr(name, i, 'number', v);
  return v;
}

/** Operand `i` as an integer; a non-integral number is a builtin error ("operand N must be integer"). */
export function argInt(name: string, args: readonly Value[], i: number): bigint {
  const v = argNumber(name, args, i);
  if (typeof v !== 'bigint') {
    throw new BuiltinError(
      'eval_type_error',
      `${name}: operand ${i + 1} must be integer number but got floating-point number`,
    );
  }
  return v;
}

/** Operand `i` as a safe JS integer (for counts, indexes), or an error. */
export function argSmallInt(name: string, args: readonly Value[], i: number): number {
  const v = argInt(name, args, i);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw builtinErr(name, `operand ${i + 1} out of range`);
  return n;
}

/** Operand `i` as a boolean, or a type error. */
export function argBool(name: string, args: readonly Value[], i: number): boolean {
  const v = args[i]!;
  if (typeof v !== 'boolean') throw typeErr(name, i, 'boolean', v);
  return v;
}

/** Operand `i` as an array, or a type error. */
export function argArray(name: string, args: readonly Value[], i: number): readonly Value[] {
  const v = args[i]!;
  if (!Array.isArray(v)) throw typeErr(name, i, 'array', v);
  return v;
}

/** Operand `i` as an object, or a type error. */
export function argObject(name: string, args: readonly Value[], i: number): ObjectV {
  const v = args[i]!;
  if (!(v instanceof ObjectV)) throw typeErr(name, i, 'object', v);
  return v;
}

/** Operand `i` as a set, or a type error. */
export function argSet(name: string, args: readonly Value[], i: number): SetV {
  const v = args[i]!;
  if (!(v instanceof SetV)) throw typeErr(name, i, 'set', v);
  return v;
}

/** Operand `i` as the members of an array or set, or a type error. */
export function argCollection(name: string, args: readonly Value[], i: number): readonly Value[] {
  const v = args[i]!;
  if (Array.isArray(v)) return v;
  if (v instanceof SetV) return v.values();
  throw typeErr(name, i, ['array', 'set'], v);
}

/** Checks operand types against a declared list; throws the OPA-style type error. */
export function checkArgs(
  name: string,
  args: readonly Value[],
  types: readonly (ArgType | readonly ArgType[])[],
): void {
  for (let i = 0; i < types.length && i < args.length; i++) {
    const t = types[i]!;
    const v = args[i]!;
    if (typeof t === 'string' ? hasType(v, t) : t.some((x) => hasType(v, x))) continue;
    throw typeErr(name, i, t, v);
  }
}

/** The type name list of a value, handy in messages. */
export function kind(v: Value): TypeName {
  return typeName(v);
}
