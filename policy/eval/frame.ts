import type { Value } from '../value/index.js';

/** Variable slots of one rule or query evaluation; `undefined` means unbound. */
export type Frame = (Value | undefined)[];

/** Continuation: returns true to stop the whole search (a result was found, or an error path). */
export type Cont = () => boolean;

/** Continuation receiving a value. */
export type VCont = (v: Value) => boolean;

/** Sentinel for "evaluated, and undefined" in memo tables. */
export const UNDEF: unique symbol = Symbol('undefined');

/** Sentinel for "being evaluated" in memo tables (recursion). */
export const PENDING: unique symbol = Symbol('pending');
