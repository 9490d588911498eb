/**
 * JavaScript evaluated INSIDE the QuickJS sandbox: n8n's Code-node globals (`$input`, `items`,
 * `$json`, `$('Node')`, `$node`, `$workflow`, `$execution`, `$vars`...) and the two
 * drivers (`runAll`, `runEach`) that call the user's function. Follows n8n's task runner
 * (`packages/@n8n/task-runner/src/js-task-runner/js-task-runner.ts`) and its data proxy
 * (`packages/workflow/src/workflow-data-proxy.ts`).
 *
 * Runs after prelude-core.ts in the same function body: `boot`, `call`, `hostError`, `define`,
 * `getter`, `describe`, `isFatal`, `serialize` come from there.
 */
export const PRELUDE_N8N = String.raw`
var boot = parse(bootJson);
var inputItems = boot.items;
var current = 0;

// ---------------------------------------------------------------- input items

function noInput() {
  return hostError('No execution data available');
}
function withoutData(binary) {
  var out = {};
  if (!binary || typeof binary !== 'object') return out;
  var keys = objectKeys(binary);
  for (var i = 0; i < keys.length; i++) {
    var file = binary[keys[i]];
    var copy = {};
    if (file && typeof file === 'object') {
      var props = objectKeys(file);
      for (var j = 0; j < props.length; j++) if (props[j] !== 'data') copy[props[j]] = file[props[j]];
    }
    out[keys[i]] = copy;
  }
  return out;
}

var inputTarget = {
  all: function () { return inputItems; },
  first: function () {
    if (arguments.length) throw hostError('$input.first() should have no arguments');
    return inputItems[0];
  },
  last: function () {
    if (arguments.length) throw hostError('$input.last() should have no arguments');
    return inputItems[inputItems.length - 1];
  },
  context: {},
};
defineProperty(inputTarget, 'item', { get: function () { return inputItems[current]; }, enumerable: true });
defineProperty(inputTarget, 'params', {
  get: function () {
    if (!boot.prevNode) throw hostError('Can\u2019t get data', 'The input of this node has no source node.');
    return call('params', boot.prevNode.name);
  },
  enumerable: true,
});
// n8n's $input throws on any property once the node has no input items.
define('$input', new Proxy(inputTarget, {
  get: function (target, property, receiver) {
    if (inputItems.length === 0) throw noInput();
    return Reflect.get(target, property, receiver);
  },
}));

getter('$json', function () { return inputItems[current] ? inputItems[current].json : undefined; });
getter('$data', function () { return inputItems[current] ? inputItems[current].json : undefined; });
getter('$binary', function () { return inputItems[current] ? withoutData(inputItems[current].binary) : undefined; });
getter('$itemIndex', function () { return current; });
getter('$position', function () { return current; });
getter('$thisItemIndex', function () { return current; });
getter('$thisItem', function () { return inputItems[current]; });
if (boot.mode === 'each') getter('item', function () { return inputItems[current]; });
else define('items', inputItems);

// ---------------------------------------------------------------- run, workflow, node

define('$runIndex', boot.runIndex);
define('$thisRunIndex', boot.runIndex);
define('$mode', boot.runMode);
define('$workflow', boot.workflow);
define('$vars', boot.vars);
define('$parameter', boot.parameter);
define('$nodeId', boot.nodeId);
define('$nodeVersion', boot.nodeVersion);
define('$prevNode', boot.prevNode || { name: undefined, outputIndex: undefined, runIndex: undefined });
var customData = {};
boot.execution.customData = {
  set: function (key, value) { customData[String(key)] = String(value); },
  setAll: function (values) { var k = objectKeys(values || {}); for (var i = 0; i < k.length; i++) customData[k[i]] = String(values[k[i]]); },
  get: function (key) { return customData[String(key)]; },
  getAll: function () { var copy = {}; var k = objectKeys(customData); for (var i = 0; i < k.length; i++) copy[k[i]] = customData[k[i]]; return copy; },
};
define('$execution', boot.execution);
getter('$env', function () { throw hostError('access to env vars denied', 'Environment variables are not available to Code nodes.'); });
function unsupported(name, hint) {
  return function () { throw hostError(name + ' is not supported by Relais Code nodes', hint); };
}
define('$jmespath', unsupported('$jmespath'));
define('$jmesPath', unsupported('$jmesPath'));
define('$getWorkflowStaticData', unsupported('$getWorkflowStaticData', 'Store state in a data table instead.'));
define('$item', unsupported('$item()', 'Use $input.all()[index] or $("Node").all()[index] instead.'));
define('$evaluateExpression', function (expression, index) {
  return call('evaluate', String(expression), index === undefined ? current : Number(index));
});

// ---------------------------------------------------------------- other nodes: $('Node'), $node, $items

var nodeInfos = {};
var outputCache = {};
var pairedCache = {};
function nodeInfo(name) {
  if (!nodeInfos[name]) nodeInfos[name] = call('nodeInfo', name);
  return nodeInfos[name];
}
function mustExist(name) {
  if (!nodeInfo(name).exists) throw hostError("Referenced node doesn't exist", "The node '" + name + "' is not in this workflow.");
}
function unexecuted(name) {
  return hostError("Node '" + name + "' hasn't been executed",
    'An expression references this node, but the node is unexecuted. Check $("' + name + '").isExecuted first.');
}
function mustHaveRun(name) {
  if (!nodeInfo(name).executed) throw unexecuted(name);
}
// One JSON copy per node output and per paired item: later reads see the same objects, as in n8n.
function outputOf(name, branch, run) {
  branch = branch === undefined || branch === null ? 0 : Number(branch);
  run = run === undefined || run === null ? -1 : Number(run);
  var key = name + '\u0000' + branch + '\u0000' + run;
  if (!outputCache[key]) outputCache[key] = call('nodeOutput', name, branch, run);
  return outputCache[key];
}
function pairedOf(name, index) {
  var key = name + '\u0000' + index;
  if (!(key in pairedCache)) pairedCache[key] = call('pairedItem', name, index);
  return pairedCache[key];
}

var nodeProxies = {};
function nodeProxy(name) {
  var api = {
    all: function (branch, run) { mustHaveRun(name); return outputOf(name, branch, run); },
    first: function (branch, run) { mustHaveRun(name); return outputOf(name, branch, run)[0]; },
    last: function (branch, run) { mustHaveRun(name); var all = outputOf(name, branch, run); return all[all.length - 1]; },
    pairedItem: function (index) { mustHaveRun(name); return pairedOf(name, index === undefined ? current : Number(index)); },
    itemMatching: function (index) {
      if (index === undefined) throw hostError('Missing item index for .itemMatching()');
      mustHaveRun(name);
      return pairedOf(name, Number(index));
    },
    context: {},
  };
  defineProperty(api, 'item', { get: function () { mustHaveRun(name); return pairedOf(name, current); }, enumerable: true });
  defineProperty(api, 'isExecuted', { get: function () { return nodeInfo(name).executed; }, enumerable: true });
  defineProperty(api, 'params', { get: function () { return call('params', name); }, enumerable: true });
  return api;
}
define('$', function (name) {
  if (!name) throw hostError('When calling $(), please specify a node');
  name = String(name);
  mustExist(name);
  if (!nodeProxies[name]) nodeProxies[name] = nodeProxy(name);
  return nodeProxies[name];
});

// Legacy $node["Name"].json: the item of that node at the current item's index (not paired).
function legacyNode(name) {
  function itemAt() {
    mustHaveRun(name);
    var data = outputOf(name);
    if (!data.length) throw unexecuted(name);
    if (data.length <= current) {
      throw hostError('"' + name + '" node has ' + data.length + " item(s) but you're trying to access item " + current);
    }
    return data[current];
  }
  var api = { context: {} };
  defineProperty(api, 'json', { get: function () { return itemAt().json; }, enumerable: true });
  defineProperty(api, 'data', { get: function () { return itemAt().json; }, enumerable: true });
  defineProperty(api, 'binary', { get: function () { return withoutData(itemAt().binary); }, enumerable: true });
  defineProperty(api, 'parameter', { get: function () { return call('params', name); }, enumerable: true });
  return api;
}
define('$node', new Proxy({}, {
  get: function (target, property) {
    if (typeof property !== 'string') return undefined;
    mustExist(property);
    return legacyNode(property);
  },
}));
define('$items', function (name, branch, run) {
  if (name === undefined) return inputItems;
  name = String(name);
  mustExist(name);
  mustHaveRun(name);
  return outputOf(name, branch, run);
});

// ---------------------------------------------------------------- drivers

/** Run Once for All Items: one call; null means no items (js-task-runner.ts runForAllItems). */
async function runAll() {
  current = 0;
  var result;
  try {
    result = await userFn();
  } catch (error) {
    return serialize({ error: describe(error) });
  }
  if (result === null) result = [];
  return serialize({ v: result });
}

/** Run Once for Each Item: the same function per item, in this one context (runForEachItem). */
async function runEach() {
  var out = [];
  for (var i = 0; i < inputItems.length; i++) {
    current = i;
    var result;
    try {
      result = await userFn();
    } catch (error) {
      var description = describe(error);
      if (!boot.continueOnFail || isFatal(description)) return serialize({ items: out, error: description, index: i });
      out[out.length] = { i: i, error: description };
      continue;
    }
    // n8n skips null and every falsy result ("if (result)"); an object's .json wins over the object.
    if (!result) continue;
    var wrapped = typeof result === 'object' || typeof result === 'function';
    var entry = { i: i, json: wrapped && 'json' in result ? result.json : result };
    if (result.binary) entry.binary = result.binary;
    out[out.length] = entry;
  }
  return serialize({ items: out });
}

var run = boot.mode === 'each' ? runEach : runAll;
`;
