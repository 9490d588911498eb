import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ConversionReport,
  credentialsToRecreate,
  emptyReport,
  formatReport,
  formatSummary,
  summarize,
} from './report.js';

function report(name: string, fill: Partial<ConversionReport>): ConversionReport {
  return { ...emptyReport(name), ...fill };
}

const a = report('A', {
  mapped: ['Start', 'Set'],
  unsupported: [
    { node: 'S1', type: 'n8n-nodes-base.googleSheets' },
    { node: 'S2', type: 'n8n-nodes-base.googleSheets' },
    { node: 'Slack', type: 'n8n-nodes-base.slack' },
  ],
  credentials: [
    { node: 'S1', type: 'googleSheetsOAuth2Api', name: 'Drive' },
    { node: 'S2', type: 'googleSheetsOAuth2Api', name: 'Drive' },
    { node: 'Slack', type: 'slackApi', name: 'Bot' },
  ],
  changed: [{ node: 'Set', parameter: 'values', why: 'because' }],
  warnings: [{ node: 'Set', message: '$env is refused' }],
  activatable: false,
});
const b = report('B', {
  mapped: ['Start'],
  unsupported: [{ node: 'Slack', type: 'n8n-nodes-base.slack' }],
  credentials: [{ node: 'Slack', type: 'slackApi', name: 'Bot' }],
  activatable: false,
});
const c = report('C', { mapped: ['Start'], ignored: [{ node: '(workflow)', what: 'pinned data' }] });
const d = report('D', { unsupported: [{ node: 'T', type: 'n8n-nodes-base.telegram' }], activatable: false });

describe('import report', () => {
  it('lists credentials to recreate once per type and name, with the nodes using them', () => {
    assert.deepEqual(credentialsToRecreate(a), [
      { type: 'googleSheetsOAuth2Api', name: 'Drive', usedBy: ['S1', 'S2'] },
      { type: 'slackApi', name: 'Bot', usedBy: ['Slack'] },
    ]);
  });

  it('summarizes workflows: unsupported types ranked by nodes, then workflows, then name', () => {
    const summary = summarize([a, b, c, d]);
    assert.equal(summary.workflows, 4);
    assert.equal(summary.fullySupported, 1);
    assert.equal(summary.withUnsupported, 3);
    assert.equal(summary.withChanges, 1);
    assert.equal(summary.warnings, 1);
    assert.deepEqual(summary.unsupportedTypes, [
      { type: 'n8n-nodes-base.slack', nodes: 2, workflows: 2 },
      { type: 'n8n-nodes-base.googleSheets', nodes: 2, workflows: 1 },
      { type: 'n8n-nodes-base.telegram', nodes: 1, workflows: 1 },
    ]);
    assert.deepEqual(summary.credentials, [
      { type: 'googleSheetsOAuth2Api', name: 'Drive', usedBy: ['A'] },
      { type: 'slackApi', name: 'Bot', usedBy: ['A', 'B'] },
    ]);
  });

  it('formats a report and a summary for a terminal', () => {
    assert.deepEqual(formatReport(a), [
      'A: 2/5 node(s) converted, cannot be activated until its unsupported nodes are replaced',
      "  unsupported: 'S1' (n8n-nodes-base.googleSheets)",
      "  unsupported: 'S2' (n8n-nodes-base.googleSheets)",
      "  unsupported: 'Slack' (n8n-nodes-base.slack)",
      "  changed: 'Set' values: because",
      "  warning: 'Set' $env is refused",
      "  credential to recreate: googleSheetsOAuth2Api 'Drive' (used by S1, S2)",
      "  credential to recreate: slackApi 'Bot' (used by Slack)",
    ]);
    assert.deepEqual(formatReport(c), [
      'C: 1/1 node(s) converted, can be activated',
      "  ignored: '(workflow)' pinned data",
    ]);
    const lines = formatSummary(summarize([a, b]), 1);
    assert.equal(lines[0], '2 workflow(s) imported, 1 file(s) failed');
    assert.ok(lines.includes('  2\t2\tn8n-nodes-base.slack'));
    assert.ok(lines.includes('  slackApi\tBot\t2'));
  });
});
