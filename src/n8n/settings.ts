/**
 * n8n workflow `settings` → Relais settings: time zone, error workflow, what run data to keep, and
 * the execution order. Settings without a Relais counterpart are listed as ignored.
 */
import { IANAZone } from 'luxon';
import type { WorkflowSettings } from '../engine/workflow.js';
import { isRecord } from './params.js';
import type { ConversionReport } from './report.js';
import type { N8nWorkflow } from './types.js';

/** Settings that only concern n8n's editor or instance, with nothing to keep. */
const EDITOR_ONLY = new Set([
  'saveManualExecutions',
  'callerPolicy',
  'callerIds',
  'timeSavedPerExecution',
  'availableInMCP',
  'binaryMode',
]);

type SettingsInput = Omit<WorkflowSettings, 'saveData' | 'executionOrder'> &
  Partial<Pick<WorkflowSettings, 'saveData' | 'executionOrder'>>;

export function settingsOf(source: N8nWorkflow, report: ConversionReport): WorkflowSettings {
  const s = isRecord(source.settings) ? source.settings : {};
  const settings: SettingsInput = {};
  if (typeof s.timezone === 'string' && s.timezone !== 'DEFAULT' && s.timezone !== '') {
    if (IANAZone.isValidZone(s.timezone)) settings.timezone = s.timezone;
    else
      report.warnings.push({
        message: `settings.timezone '${s.timezone}' is not a known time zone: the instance's is used`,
      });
  }
  if (typeof s.errorWorkflow === 'string' && s.errorWorkflow !== '') settings.errorWorkflow = s.errorWorkflow;
  settings.saveData = saveData(s);
  settings.executionOrder = 'v1';
  if (s.executionOrder !== undefined && s.executionOrder !== 'v1') {
    report.changed.push({
      node: '(workflow)',
      parameter: 'settings.executionOrder',
      why: `'${String(s.executionOrder)}' is run with n8n's v1 order (each branch to its end, top to bottom)`,
    });
  }
  for (const key of Object.keys(s)) {
    if (
      [
        'timezone',
        'errorWorkflow',
        'executionOrder',
        'saveDataSuccessExecution',
        'saveDataErrorExecution',
      ].includes(key)
    )
      continue;
    if (EDITOR_ONLY.has(key)) continue;
    if (key === 'executionTimeout' && (s[key] === -1 || s[key] === undefined)) continue;
    if (key === 'saveExecutionProgress') continue; // Relais checkpoints every step anyway
    report.ignored.push({
      node: '(workflow)',
      what: `setting '${key}'`,
      parameter: `settings.${key}`,
      why: 'no Relais equivalent',
    });
  }
  return settings as WorkflowSettings;
}

/** n8n keeps successful and failed runs under two settings; Relais has one policy. */
function saveData(s: Record<string, unknown>): 'all' | 'errors' | 'none' {
  const success = s.saveDataSuccessExecution !== 'none';
  const errors = s.saveDataErrorExecution !== 'none';
  if (success) return 'all';
  return errors ? 'errors' : 'none';
}
