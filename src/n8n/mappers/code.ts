/**
 * Code v1/v2 (`Code/Code.node.ts`) and the legacy Function / Function Item nodes
 * (`Function/Function.node.ts`, `FunctionItem/FunctionItem.node.ts`) → Code 2 (JavaScript).
 *
 * - Code v1 has v2's parameters without `language` (JavaScript only); `jsCode` defaults to ''.
 * - Function: `functionCode` is the body of an async function that sees `items` (a copy of the
 *   input items) and returns an array of `{ json }`: exactly a Code node run once for all items,
 *   whose sandbox also defines `items`.
 * - Function Item: `functionCode` runs once per item with `item` = that item's JSON and returns
 *   the new JSON; `getBinaryData()` / `setBinaryData(data)` read and replace the item's files.
 *   Code's per-item mode defines `item` as the whole item, so the code is wrapped: the wrapper
 *   declares `item` as the JSON, runs the body, and returns `{ json, binary }`. The wrapper sits
 *   on the body's first line so that error line numbers stay the user's.
 */
import { clone } from '../params.js';
import type { MapContext, MappedNode, Params } from '../types.js';

/** n8n's default `functionCode` of the Function node (exports omit it when unchanged). */
export const FUNCTION_DEFAULT_CODE = `// Code here will run only once, no matter how many input items there are.
// More info and help:https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.function/
// Tip: You can use luxon for dates and $jmespath for querying JSON structures

// Loop over inputs and add a new field called 'myNewField' to the JSON of each one
for (item of items) {
  item.json.myNewField = 1;
}

// You can write logs to the browser console
console.log('Done!');

return items;`;

/** n8n's default `functionCode` of the Function Item node. */
export const FUNCTION_ITEM_DEFAULT_CODE = `// Code here will run once per input item.
// More info and help: https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.functionitem/
// Tip: You can use luxon for dates and $jmespath for querying JSON structures

// Add a new field called 'myNewField' to the JSON of the item
item.myNewField = 1;

// You can write logs to the browser console
console.log('Done!');

return item;`;

const ITEM_PRELUDE =
  'const item = $input.item.json; let __binary = $input.item.binary; ' +
  'const getBinaryData = () => __binary; const setBinaryData = async (data) => { __binary = data; }; ' +
  'const getBinaryDataAsync = async () => __binary; const setBinaryDataAsync = setBinaryData; ' +
  'const __json = await (async () => {';

const ITEM_EPILOGUE = `
})();
if (__json === undefined) throw new Error('No data got returned. Always an object has to be returned!');
return __binary === undefined ? { json: __json } : { json: __json, binary: __binary };`;

/** A Function Item body as the body of a Code node run once for each item. */
export function functionItemToCode(functionCode: string): string {
  return `${ITEM_PRELUDE}${functionCode}${ITEM_EPILOGUE}`;
}

export function mapCode(p: Params): MappedNode {
  return { type: 'code', parameters: clone(p), outputs: [[0]] };
}

export function mapFunction(p: Params, ctx: MapContext): MappedNode {
  const code = typeof p.functionCode === 'string' ? p.functionCode : FUNCTION_DEFAULT_CODE;
  if (/\bget(Binary|BinaryData)Async\b|\bsetBinaryDataAsync\b/.test(code)) {
    ctx.changed(
      'functionCode',
      'getBinaryDataAsync/setBinaryDataAsync are not available: the code fails when it calls them',
    );
  }
  return {
    type: 'code',
    parameters: { mode: 'runOnceForAllItems', language: 'javaScript', jsCode: code },
    outputs: [[0]],
  };
}

export function mapFunctionItem(p: Params, ctx: MapContext): MappedNode {
  const code = typeof p.functionCode === 'string' ? p.functionCode : FUNCTION_ITEM_DEFAULT_CODE;
  if (/\b(get|set)BinaryData(Async)?\b/.test(code)) {
    ctx.changed('functionCode', "binary helpers see the files' metadata only, not their content");
  }
  return {
    type: 'code',
    parameters: { mode: 'runOnceForEachItem', language: 'javaScript', jsCode: functionItemToCode(code) },
    outputs: [[0]],
  };
}
