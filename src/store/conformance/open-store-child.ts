/** Child process for the migration race test: opens the store given as JSON options, then exits. */
import { openStore } from '../index.js';

const store = await openStore(JSON.parse(process.argv[2] ?? '{}'));
await store.close();
