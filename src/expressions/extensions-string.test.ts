/** n8n's string extensions, with examples from n8n's own docs where they exist. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { ExpressionError } from '../engine/errors.js';
import { evaluate } from './fake-data.js';

const ev = (expression: string) => evaluate(expression);

describe('string extensions', () => {
  it('tests emptiness and content', () => {
    assert.deepEqual(
      ev('={{ ["".isEmpty(), "a".isEmpty(), "".isNotEmpty(), " ".isBlank(), "a".isNotBlank()] }}'),
      [true, false, false, true, true],
    );
    assert.deepEqual(
      ev('={{ ["a@b.co".isEmail(), "a b@c.co".isEmail(), "x.io".isDomain(), "nope".isDomain()] }}'),
      [true, false, true, false],
    );
    assert.deepEqual(
      ev('={{ ["https://n8n.io/x?y=1".isUrl(), "n8n.io".isUrl(), "1.5".isNumeric(), "1 5".isNumeric()] }}'),
      [true, false, true, false],
    );
    assert.equal(ev('={{ "abc".length() }}'), 3);
  });

  it('converts to numbers and booleans, stripping currency symbols', () => {
    assert.equal(ev('={{ "123".toNumber() }}'), 123);
    assert.equal(ev('={{ "1.23E10".toNumber() }}'), 12300000000);
    assert.equal(ev('={{ "$1,5".toInt() }}'), 1);
    assert.equal(ev('={{ "€12.5".toFloat() }}'), 12.5);
    assert.equal(ev('={{ "ff".toInt(16) }}'), 255);
    assert.throws(() => ev('={{ "abc".toNumber() }}'), /cannot convert to number/);
    assert.throws(() => ev('={{ "1,5".toFloat() }}'), /expected \. as decimal separator/);
    assert.deepEqual(ev('={{ ["true".toBoolean(), "no".toBoolean(), "0".toBoolean(), "x".toBoolean()] }}'), [
      true,
      false,
      false,
      true,
    ]);
  });

  it('converts to dates', () => {
    const dt = ev('={{ "2024-03-30T18:49".toDateTime() }}') as DateTime;
    assert.ok(dt instanceof DateTime);
    assert.equal(dt.toISO(), '2024-03-30T18:49:00.000+01:00');
    assert.equal(
      ev('={{ "2024-03-30T18:49:00+05:00".toDateTime().toISO() }}'),
      '2024-03-30T18:49:00.000+05:00',
    );
    assert.equal(ev('={{ "30/03/2024".toDateTime("dd/LL/yyyy").toISODate() }}'), '2024-03-30');
    assert.equal(ev('={{ "1708695471".toDateTime("s").toMillis() }}'), 1708695471000);
    assert.ok(ev('={{ "2024-01-02".toDate() }}') instanceof Date);
    assert.throws(() => ev('={{ "not a date".toDateTime() }}'), /cannot convert to Luxon DateTime/);
  });

  it('parses and writes JSON', () => {
    assert.deepEqual(ev('={{ \'{"name":"Nathan"}\'.parseJson() }}'), { name: 'Nathan' });
    assert.throws(() => ev("={{ \"{'name':'Nathan'}\".parseJson() }}"), /Check you're using double quotes/);
    assert.equal(ev('={{ "a\\"b".toJsonString() }}'), '"a\\"b"');
  });

  it('extracts e-mails, domains, URLs', () => {
    assert.equal(ev('={{ "Contact: ana@example.com today".extractEmail() }}'), 'ana@example.com');
    assert.equal(ev('={{ "ana@mail.example.com".extractDomain() }}'), 'mail.example.com');
    assert.equal(ev('={{ "https://www.n8n.io/path?q=1".extractDomain() }}'), 'www.n8n.io');
    assert.equal(ev('={{ "see https://n8n.io/docs now".extractUrl() }}'), 'https://n8n.io/docs');
    assert.equal(ev('={{ "https://n8n.io/a/b?c=1".extractUrlPath() }}'), '/a/b');
    assert.equal(ev('={{ "nothing here".extractEmail() }}'), undefined);
  });

  it('encodes and hashes', () => {
    assert.equal(ev('={{ "a b&c".urlEncode() }}'), 'a%20b%26c');
    assert.equal(ev('={{ "https://x.io/a b".urlEncode(true) }}'), 'https://x.io/a%20b');
    assert.equal(ev('={{ "a%20b".urlDecode() }}'), 'a b');
    assert.equal(ev('={{ "hello".base64Encode() }}'), 'aGVsbG8=');
    assert.equal(ev('={{ "aGVsbG8=".base64Decode() }}'), 'hello');
    assert.equal(ev('={{ "hello".hash() }}'), '5d41402abc4b2a76b9719d911017c592');
    assert.equal(ev('={{ "hello".hash("sha1") }}'), 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d');
    assert.equal(
      ev('={{ "hello".hash("sha256") }}'),
      '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    );
    assert.equal((ev('={{ "hello".hash("sha512") }}') as string).length, 128);
    assert.equal(ev('={{ "hello".hash("base64") }}'), 'aGVsbG8=');
    assert.throws(() => ev('={{ "hello".hash("crc") }}'), /Unknown algorithm crc/);
  });

  it('changes case and strips markup', () => {
    assert.equal(ev('={{ "the lord of the rings".toTitleCase() }}'), 'The Lord of the Rings');
    assert.equal(ev('={{ "hello WORLD. how are you?".toSentenceCase() }}'), 'Hello world. How are you?');
    assert.equal(ev('={{ "Hello World-Wide web!".toSnakeCase() }}'), 'hello_world_wide_web');
    assert.equal(ev('={{ "<b>bold</b>, <a>link</a>".removeTags() }}'), 'bold, link');
    assert.equal(ev('={{ "*bold*, [link](https://x.io)".removeMarkdown() }}'), 'bold, link');
    assert.equal(ev('={{ "# Title\\n- item".removeMarkdown() }}'), 'Title\nitem');
    assert.equal(ev('={{ "Ärger über Straße".replaceSpecialChars() }}'), 'Arger uber Strasse');
  });

  it('quotes', () => {
    assert.equal(ev('={{ \'Nathan says "hi"\'.quote() }}'), '"Nathan says \\"hi\\""');
    assert.equal(ev('={{ "it\'s".quote("\'") }}'), "'it\\'s'");
  });

  it('still offers native string methods', () => {
    assert.equal(ev('={{ " Ab ".trim().toLowerCase().padStart(4, "-") }}'), '--ab');
    assert.deepEqual(ev('={{ "a,b".split(",") }}'), ['a', 'b']);
    assert.deepEqual(ev('={{ [..."a1b2".matchAll(/\\d/g)].map(m => m[0]) }}'), ['1', '2']);
  });

  it('explains calls on the wrong type like n8n ("only callable on type")', () => {
    assert.throws(
      () => ev('={{ (1).toTitleCase() }}'),
      (e: unknown) => {
        assert.ok(e instanceof ExpressionError);
        assert.match(e.message, /^toTitleCase\(\) is only callable on type "String"/);
        return true;
      },
    );
    assert.throws(() => ev('={{ $json.missing.toNumber() }}'), /toNumber can't be used on undefined value/);
    assert.equal(ev('={{ $json.missing.isEmpty() }}'), true);
    assert.equal(ev('={{ $json.missing?.toNumber() }}'), undefined);
  });
});
