import { runCases, type Want } from './builtin-cases.js';

const CASES: readonly [string, Want][] = [
  ['uuid.parse("{00000000-0000-4000-8000-000000000000}")', '{"variant":"RFC4122","version":4}'],
  ['uuid.parse("6bea8ef2d3d33cd184e09bab06a52ece")', '{"variant":"RFC4122","version":3}'],
  [
    'uuid.parse("urn:uuid:000003e8-48b9-21ee-b200-325096b39f47")',
    '{"clocksequence":12800,"domain":"Person","id":1000,"macvariables":"local:unicast","nodeid":"32-50-96-b3-9f-47","time":1693566990121469600,"variant":"RFC4122","version":2}',
  ],
  ['uuid.parse("not-a-uuid")', undefined],
  ['uuid.rfc4122("k") == uuid.rfc4122("k")', 'true'],
  [
    'regex.match("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", uuid.rfc4122("k"))',
    'true',
  ],
  ['count({uuid.rfc4122(i) | some i in numbers.range(1, 20)})', '20'],
];

runCases(CASES);
