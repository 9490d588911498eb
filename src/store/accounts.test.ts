/**
 * Account and audit stores, in the store's conformance style: every database the suite knows
 * (SQLite file and memory always, PostgreSQL when RELAIS_TEST_DATABASE_URL is set).
 */
import { describe, test } from 'node:test';
import { accountTests } from './conformance/accounts.js';
import { auditTests } from './conformance/audit.js';
import { allFixtures } from './conformance/fixtures.js';

for (const fixture of allFixtures()) {
  if (fixture.skip) {
    test(`account store conformance: ${fixture.name}`, (t) => t.skip(fixture.skip));
    continue;
  }
  describe(`account store conformance: ${fixture.name}`, () => {
    describe('accounts', () => accountTests(fixture));
    describe('audit log', () => auditTests(fixture));
  });
}
