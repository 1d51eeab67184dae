import { invalidField } from './errors.js';

/** runc's container id rule (letters, digits, `_+-.`), also used for exec ids. */
const ID_RE = /^[\w+.-]+$/;
/** Longest id accepted; runc ids become path components. */
export const MAX_ID_LENGTH = 256;

/** Validates a container or exec id; throws InvalidArgument naming `field`. */
export function checkId(field: string, id: string): string {
  if (id === '') throw invalidField(field, 'must not be empty');
  if (id.length > MAX_ID_LENGTH) throw invalidField(field, `longer than ${MAX_ID_LENGTH} characters`);
  if (!ID_RE.test(id) || id === '.' || id === '..') {
    throw invalidField(field, `${JSON.stringify(id)} may contain only letters, digits and _+-.`);
  }
  return id;
}
