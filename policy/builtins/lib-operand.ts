/**
 * OPA's operand errors (topdown/builtins: NewOperandErr and friends). In OPA every operand error
 * is a type error (`eval_type_error`), including "must be integer number" and enum errors, so
 * these helpers build them here rather than through `argInt` (which reports a builtin error).
 */
import { Dec, ObjectV, SetV, type TypeName, typeName, type Value } from '../value/index.js';
import { BuiltinError } from './registry.js';

/** `<name>: operand <pos> <message>` as an `eval_type_error`. */
export function operandErr(name: string, pos: number, message: string): BuiltinError {
  return new BuiltinError('eval_type_error', `${name}: operand ${pos} ${message}`);
}

/** `must be <want> but got <type>` (or `must be one of {a, b}`), `pos` 1-based. */
export function operandTypeErr(name: string, pos: number, got: Value, ...want: string[]): BuiltinError {
  const w = want.length === 1 ? want[0]! : `one of {${want.join(', ')}}`;
  return operandErr(name, pos, `must be ${w} but got ${typeName(got)}`);
}

/** `must be array of strings but got array containing number`. */
export function operandElemErr(
  name: string,
  pos: number,
  composite: Value,
  got: Value,
  want: string,
): BuiltinError {
  const t = typeName(composite);
  return operandErr(name, pos, `must be ${t} of ${want}s but got ${t} containing ${typeName(got)}`);
}

/** `must be one of {a, b, c}`. */
export function operandEnumErr(name: string, pos: number, ...want: string[]): BuiltinError {
  return operandErr(
    name,
    pos,
    want.length === 1 ? `must be ${want[0]}` : `must be one of {${want.join(', ')}}`,
  );
}

/** Operand `pos` (1-based) as a string. */
export function strOp(name: string, args: readonly Value[], pos: number): string {
  const v = args[pos - 1]!;
  if (typeof v !== 'string') throw operandTypeErr(name, pos, v, 'string');
  return v;
}

/** Operand `pos` as a number. */
export function numOp(name: string, args: readonly Value[], pos: number): bigint | Dec {
  const v = args[pos - 1]!;
  if (typeof v !== 'bigint' && !(v instanceof Dec)) throw operandTypeErr(name, pos, v, 'number');
  return v;
}

/** Operand `pos` as an integer (OPA's IntOperand). */
export function intOp(name: string, args: readonly Value[], pos: number): bigint {
  const v = numOp(name, args, pos);
  if (typeof v !== 'bigint')
    throw operandErr(name, pos, 'must be integer number but got floating-point number');
  return v;
}

/** Operand `pos` as an object. */
export function objOp(name: string, args: readonly Value[], pos: number): ObjectV {
  const v = args[pos - 1]!;
  if (!(v instanceof ObjectV)) throw operandTypeErr(name, pos, v, 'object');
  return v;
}

/** Operand `pos` as an array. */
export function arrOp(name: string, args: readonly Value[], pos: number): readonly Value[] {
  const v = args[pos - 1]!;
  if (!Array.isArray(v)) throw operandTypeErr(name, pos, v, 'array');
  return v;
}

/** Operand `pos` as a set. */
export function setOp(name: string, args: readonly Value[], pos: number): SetV {
  const v = args[pos - 1]!;
  if (!(v instanceof SetV)) throw operandTypeErr(name, pos, v, 'set');
  return v;
}

/** The strings of an array or set operand (OPA's StringSliceOperand). */
export function stringsOf(name: string, v: Value, pos: number): string[] {
  const items = Array.isArray(v) ? v : v instanceof SetV ? v.values() : undefined;
  if (items === undefined) throw operandTypeErr(name, pos, v, 'array', 'set');
  const out: string[] = [];
  for (const x of items) {
    if (typeof x !== 'string') throw operandElemErr(name, pos, v, x, 'string');
    out.push(x);
  }
  return out;
}

/** Type name of a value, for messages. */
export function tn(v: Value): TypeName {
  return typeName(v);
}
