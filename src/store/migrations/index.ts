/**
 * Migrations are code, listed here by name (sorted order = applied order). No file-system scan:
 * the list works the same from sources, from a bundle and from `dist/`.
 */
import type { Migration, MigrationProvider } from 'kysely';
import type { DialectCapabilities } from '../dialects/types.js';
import { init } from './0001_init.js';

export function migrationProvider(caps: DialectCapabilities): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001_init': init(caps),
  };
  return { getMigrations: async () => migrations };
}
