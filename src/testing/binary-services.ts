/**
 * Node tests that need the binary store: services holding one whose calls go to `access`,
 * whatever run the node executes for (so a test can record or serve what goes through it).
 */
import { BINARY, type BinaryAccess } from '../binary/access.js';
import type { NodeServices } from '../nodes/sdk.js';

export function binaryServices(access: BinaryAccess): NodeServices {
  return {
    [BINARY.name]: {
      put: (content: never, meta: never) => access.put(content, meta),
      get: access.get,
      stream: access.stream,
    },
  };
}
