/** Every node type Relais ships. Adding a node is adding its file and one line here. */
import { NodeRegistry } from '../engine/registry.js';
import { aggregateNode } from './aggregate.node.js';
import { codeNode } from './code.node.js';
import { cryptoNode } from './crypto.node.js';
import { dataTableNode } from './data-table.node.js';
import { dateTimeNode } from './date-time.node.js';
import { errorTriggerNode } from './error-trigger.node.js';
import { eventTriggerNode } from './event-trigger.node.js';
import { executeWorkflowNode } from './execute-workflow.node.js';
import { executeWorkflowTriggerNode } from './execute-workflow-trigger.node.js';
import { filterNode } from './filter.node.js';
import { htmlNode } from './html.node.js';
import { httpRequestNode } from './http-request.node.js';
import { ifNode } from './if.node.js';
import { limitNode } from './limit.node.js';
import { manualTriggerNode } from './manual-trigger.node.js';
import { mergeNode } from './merge.node.js';
import { mySqlNode } from './mysql.node.js';
import { noOpNode } from './no-op.node.js';
import { pdfNode } from './pdf.node.js';
import { pollTriggerNode } from './poll-trigger.node.js';
import { postgresNode } from './postgres.node.js';
import { pushNode } from './push.node.js';
import { readWriteFileNode } from './read-write-file.node.js';
import { removeDuplicatesNode } from './remove-duplicates.node.js';
import { respondToWebhookNode } from './respond-to-webhook.node.js';
import { scheduleTriggerNode } from './schedule-trigger.node.js';
import type { AnyNodeDefinition } from './sdk.js';
import { sendEmailNode } from './send-email.node.js';
import { setNode } from './set.node.js';
import { smsNode } from './sms.node.js';
import { sortNode } from './sort.node.js';
import { splitInBatchesNode } from './split-in-batches.node.js';
import { splitOutNode } from './split-out.node.js';
import { stickyNoteNode } from './sticky-note.node.js';
import { stopAndErrorNode } from './stop-and-error.node.js';
import { summarizeNode } from './summarize.node.js';
import { switchNode } from './switch.node.js';
import { unsupportedNode } from './unsupported.node.js';
import { validateNode } from './validate.node.js';
import { waitNode } from './wait.node.js';
import { webhookNode } from './webhook.node.js';
import { xmlNode } from './xml.node.js';

export const coreNodes: readonly AnyNodeDefinition[] = [
  manualTriggerNode,
  errorTriggerNode,
  noOpNode,
  setNode,
  ifNode,
  switchNode,
  filterNode,
  mergeNode,
  codeNode,
  splitOutNode,
  aggregateNode,
  sortNode,
  limitNode,
  removeDuplicatesNode,
  summarizeNode,
  dateTimeNode,
  splitInBatchesNode,
  cryptoNode,
  stopAndErrorNode,
  validateNode,
  waitNode,
  scheduleTriggerNode,
  pollTriggerNode,
  eventTriggerNode,
  webhookNode,
  respondToWebhookNode,
  httpRequestNode,
  sendEmailNode,
  smsNode,
  pushNode,
  dataTableNode,
  postgresNode,
  mySqlNode,
  readWriteFileNode,
  stickyNoteNode,
  unsupportedNode,
  xmlNode,
  htmlNode,
  pdfNode,
  executeWorkflowNode,
  executeWorkflowTriggerNode,
];

export function createRegistry(extra: readonly AnyNodeDefinition[] = []): NodeRegistry {
  return new NodeRegistry([...coreNodes, ...extra]);
}
