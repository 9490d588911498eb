/**
 * Handlebars rendering of templates: escaping, no prototype access, missing variables (rendered
 * empty, reported with Handlebars' scoping), compile errors with their position, the text part.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TEMPLATES } from './defaults.js';
import { checkTemplate, htmlToText, renderEmail, renderString, TemplateRenderError } from './render.js';

const html = (source: string, data: unknown) => renderString(source, data, true);

describe('rendering', () => {
  it('escapes HTML in {{ }} and inserts {{{ }}} as is, in the HTML body only', () => {
    const data = { name: 'Dupont & <Fils> "SA"', raw: '<b>gras</b>' };
    assert.equal(
      html('{{name}} {{{raw}}}', data).output,
      'Dupont &amp; &lt;Fils&gt; &quot;SA&quot; <b>gras</b>',
    );
    const email = renderEmail(
      { subject: 'Pour {{name}}', body: '<p>{{name}}</p>', text: 'Pour {{name}}' },
      data,
    );
    assert.equal(email.subject, 'Pour Dupont & <Fils> "SA"');
    assert.equal(email.text, 'Pour Dupont & <Fils> "SA"');
    assert.equal(email.html, '<p>Dupont &amp; &lt;Fils&gt; &quot;SA&quot;</p>');
  });

  it('keeps prototype properties and methods out of reach', () => {
    const r = html('[{{constructor}}][{{constructor.name}}][{{__proto__}}][{{toString}}][{{a.length}}]', {
      a: 'abc',
    });
    assert.equal(r.output, '[][][][][3]');
    assert.deepEqual(r.missingVariables, ['constructor', 'constructor.name', '__proto__', 'toString']);
  });

  it('renders missing variables empty and reports them once, with their full path', () => {
    const r = html('{{customer.firstName}} {{customer.lastName}} {{order.number}} {{customer.firstName}}', {
      customer: { firstName: 'Zoé' },
    });
    assert.equal(r.output, 'Zoé   Zoé');
    assert.deepEqual(r.missingVariables, ['customer.lastName', 'order.number']);
  });

  it('does not report null values, zeros or empty strings: they were given', () => {
    const r = html('{{a}}{{b}}{{c}}{{d.e}}', { a: null, b: 0, c: '', d: { e: false } });
    assert.equal(r.output, '0false');
    assert.deepEqual(r.missingVariables, []);
  });

  it('follows #each, #with, ../, @root and block parameters', () => {
    const data = {
      shop: 'Boutique',
      items: [{ name: 'Tasse', qty: 2 }, { qty: 1 }],
      customer: { firstName: 'Zoé' },
    };
    const r = html(
      '{{#each items}}{{@index}}:{{name}}x{{qty}} {{../shop}} {{@root.shop}} {{price}};{{/each}}' +
        '{{#with customer}}{{firstName}} {{lastName}}{{/with}}' +
        '{{#each items as |item i|}}[{{i}}={{item.name}}]{{/each}}' +
        '{{#with missing}}never {{x}}{{else}}no {{y}}{{/with}}',
      data,
    );
    assert.equal(r.output, '0:Tassex2 Boutique Boutique ;1:x1 Boutique Boutique ;Zoé [0=Tasse][1=]no ');
    assert.deepEqual(r.missingVariables, [
      'items.0.price',
      'items.1.name',
      'items.1.price',
      'customer.lastName',
      'missing',
      'y',
    ]);
  });

  it('treats #if / #unless conditions as conditions and walks only the branch rendered', () => {
    const r = html(
      '{{#if customer.company}}Société {{customer.company}} {{siret}}{{else}}Particulier {{customer.name}}{{/if}}' +
        '{{#unless vip}}standard{{/unless}}{{#if zero includeZero=true}}zéro {{z}}{{/if}}',
      { customer: {}, zero: 0 },
    );
    assert.equal(r.output, 'Particulier standardzéro ');
    assert.deepEqual(r.missingVariables, ['customer.name', 'z']);
  });

  it('reports what a lookup reads, and the arguments of helpers', () => {
    const r = html('{{lookup labels status}} {{lookup labels "x"}} {{#each list}}{{/each}}', {
      labels: { paid: 'Payée' },
      status: 'paid',
    });
    assert.equal(r.output, 'Payée  ');
    assert.deepEqual(r.missingVariables, ['labels.x', 'list']);
  });

  it('reports at most 100 variables', () => {
    const source = Array.from({ length: 150 }, (_, i) => `{{v${i}}}`).join('');
    assert.equal(html(source, {}).missingVariables.length, 100);
  });

  it('fails on an unknown helper or partial with a clear error', () => {
    assert.throws(
      () => html('{{formatDate date "dd/MM"}}', { date: 1 }),
      (e: unknown) => {
        assert.ok(e instanceof TemplateRenderError);
        assert.match(e.message, /Missing helper: "formatDate"/);
        return true;
      },
    );
    assert.throws(() => html('{{> footer}}', {}), /partial footer could not be found/);
  });

  it('keeps the subject on one line and derives the text part from the HTML', () => {
    const email = renderEmail(
      {
        subject: 'Commande {{n}}\r\nBcc: x@y.z',
        body: '<html><head><style>p{}</style></head><body><h1>Merci&nbsp;!</h1><p>Votre commande <b>{{n}}</b>&nbsp;:</p><ul><li>Tasse</li><li>Bol &amp; cuillère</li></ul><p><a href="https://x.test/avis">Donner mon avis</a><br>À bientôt</p></body></html>',
      },
      { n: 42 },
    );
    assert.equal(email.subject, 'Commande 42 Bcc: x@y.z');
    assert.equal(
      email.text,
      'Merci !\n\nVotre commande 42 :\n\n- Tasse\n- Bol & cuillère\n\nDonner mon avis (https://x.test/avis)\nÀ bientôt',
    );
  });

  it('caches compiled templates without mixing escaped and plain renderings', () => {
    assert.equal(renderString('{{x}}', { x: '<' }, true).output, '&lt;');
    assert.equal(renderString('{{x}}', { x: '<' }, false).output, '<');
    assert.equal(renderString('{{x}}', { x: '<' }, true).output, '&lt;');
  });
});

describe('checking templates', () => {
  it('accepts valid templates and the defaults', () => {
    assert.deepEqual(
      checkTemplate({ subject: 'a {{b}}', body: '{{#each x}}{{y}}{{/each}}', text: null }),
      [],
    );
    for (const t of DEFAULT_TEMPLATES) assert.deepEqual(checkTemplate(t), [], t.name);
  });

  it('gives the field, line and column of a syntax error', () => {
    const [problem] = checkTemplate({ subject: 'ok', body: '<p>\n  Bonjour {{customer.firstName}\n</p>' });
    assert.equal(problem.field, 'body');
    assert.equal(problem.line, 2);
    assert.equal(typeof problem.column, 'number');
    assert.match(problem.message, /Parse error on line 2/);
  });

  it('gives the position of a block closed by the wrong name', () => {
    const problems = checkTemplate({
      subject: '{{#if a}}x{{/each}}',
      body: 'ok',
      text: 'a\n{{#each b}}{{/with}}',
    });
    assert.deepEqual(
      problems.map((p) => [p.field, p.line, p.message]),
      [
        ['subject', 1, "if doesn't match each - 1:3"],
        ['text', 2, "each doesn't match with - 2:3"],
      ],
    );
  });
});

describe('htmlToText', () => {
  it('decodes entities and drops scripts, comments and tags', () => {
    assert.equal(
      htmlToText('<script>alert(1)</script><!-- x -->A&#233;&#xE9;&lt;b&gt;<span>c</span>'),
      'Aéé<b>c',
    );
  });
});

describe('default templates', () => {
  it('render in French with the documented variables and report the ones missing', () => {
    const reminder = DEFAULT_TEMPLATES.find((t) => t.name === 'Rappel de rendez-vous')!;
    const email = renderEmail(reminder, {
      customer: { firstName: 'Zoé' },
      reminder: { when: 'demain' },
      appointment: { date: 'mardi 14 avril 2026', time: '14 h 30' },
      organization: { name: 'Cabinet Dentaire du Lac', phone: '021 000 00 00' },
    });
    assert.equal(email.subject, 'Rappel : votre rendez-vous demain (mardi 14 avril 2026 à 14 h 30)');
    assert.match(email.text, /Bonjour Zoé,/);
    assert.match(email.text, /au 021 000 00 00/);
    assert.deepEqual(email.missingVariables, []);
    const documented = new Set(reminder.availableVariables.map((v) => v.name));
    const bare = renderEmail(reminder, {});
    for (const name of bare.missingVariables) assert.ok(documented.has(name), `${name} is documented`);
  });
});
