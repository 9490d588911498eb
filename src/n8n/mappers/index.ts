/**
 * The mapper of each n8n node type (`n8n-nodes-base.` omitted). A type missing here, or whose
 * Relais type is not registered, becomes an `unsupported` placeholder.
 */
import type { Mapper } from '../types.js';
import { mapCode, mapFunction, mapFunctionItem } from './code.js';
import { mapCrypto } from './crypto.js';
import { mapMySql, mapPostgres } from './database.js';
import { mapDateTime } from './date-time.js';
import { mapEmailSend } from './email-send.js';
import { mapExecuteWorkflow, mapExecuteWorkflowTrigger } from './execute-workflow.js';
import { mapHtml, mapHtmlExtract, mapXml } from './html-xml.js';
import { mapHttpRequest } from './http-request.js';
import { mapFilter, mapIf } from './if-filter.js';
import { mapItemLists } from './item-lists.js';
import { mapMerge } from './merge.js';
import { mapRemoveDuplicates } from './remove-duplicates.js';
import { mapCron, mapInterval, mapScheduleTrigger } from './schedule.js';
import { mapSet } from './set.js';
import {
  mapManualTrigger,
  mapStart,
  mapStickyNote,
  mapStopAndError,
  mapSummarize,
  passThrough,
} from './simple.js';
import { mapSplitInBatches } from './split-in-batches.js';
import { mapSwitch } from './switch.js';
import { mapWait } from './wait.js';
import { mapRespondToWebhook, mapWebhook } from './webhook.js';

export const MAPPERS: Readonly<Record<string, Mapper>> = {
  // triggers
  manualTrigger: mapManualTrigger,
  start: mapStart,
  webhook: mapWebhook,
  scheduleTrigger: mapScheduleTrigger,
  cron: mapCron,
  interval: mapInterval,
  errorTrigger: passThrough('errorTrigger'),
  executeWorkflowTrigger: mapExecuteWorkflowTrigger,
  // flow
  if: mapIf,
  filter: mapFilter,
  switch: mapSwitch,
  merge: mapMerge,
  splitInBatches: mapSplitInBatches,
  wait: mapWait,
  noOp: passThrough('noOp'),
  dataTable: passThrough('dataTable'),
  stopAndError: mapStopAndError,
  executeWorkflow: mapExecuteWorkflow,
  respondToWebhook: mapRespondToWebhook,
  // data
  set: mapSet,
  code: mapCode,
  function: mapFunction,
  functionItem: mapFunctionItem,
  itemLists: mapItemLists,
  splitOut: passThrough('splitOut'),
  aggregate: passThrough('aggregate'),
  sort: passThrough('sort'),
  limit: passThrough('limit'),
  summarize: mapSummarize,
  removeDuplicates: mapRemoveDuplicates,
  dateTime: mapDateTime,
  crypto: mapCrypto,
  readWriteFile: passThrough('readWriteFile'),
  xml: mapXml,
  html: mapHtml,
  htmlExtract: mapHtmlExtract,
  // actions
  httpRequest: mapHttpRequest,
  emailSend: mapEmailSend,
  postgres: mapPostgres,
  mySql: mapMySql,
  // canvas
  stickyNote: mapStickyNote,
};
