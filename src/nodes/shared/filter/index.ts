/** n8n filter conditions (IF, Switch, Filter and any node with a `filter` parameter). */
export {
  arrayContainsValue,
  executeFilter,
  executeFilterCondition,
  FilterError,
  type FilterRunOptions,
  parseRegexPattern,
} from './evaluate.js';
export {
  type ConditionsNodeParams,
  ENABLE_LESS_STRICT_TYPE_VALIDATION,
  type EvaluateOptions,
  evaluateConditions,
  onceWarner,
  splitByConditions,
  withItemIndex,
} from './node-conditions.js';
export {
  conditionNodeParams,
  type FilterCondition,
  type FilterNodeParams,
  type FilterOperator,
  type FilterOptions,
  type FilterValue,
  type FilterValueInput,
  filterConditionSchema,
  filterDefaults,
  filterOperatorSchema,
  filterOptionsSchema,
  filterValueSchema,
  resolveFilterValue,
} from './schema.js';
