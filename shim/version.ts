/** Ward shim version, printed by `-v` and returned by Connect. */
export const SHIM_VERSION = 'ward-0.1.0';
