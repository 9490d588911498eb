/**
 * Read/Write Files from Disk (n8n `readWriteFile` v1, `Files/ReadWriteFile/actions/{read,write}
 * .operation.ts`), limited to one folder: `RELAIS_FILES_DIR` (default `<RELAIS_DATA_DIR>/files`).
 *
 * - read: `fileSelector` is a glob (`*.csv`, `imports/**\/*.pdf`, `{a,b}.txt`; `*` skips dot
 *   files, as fast-glob does); each file found becomes an item with the file in `binary.<options.
 *   dataPropertyName>` (default `data`) and its metadata in `json`; nothing found gives no item
 *   (v1). Options `fileName`, `fileExtension`, `mimeType` override the metadata.
 * - write: the binary property `dataPropertyName` of each item is written to `fileName` (created
 *   or truncated, or appended with `options.append`); the item passes on with `json.fileName`.
 *
 * Relative paths are relative to the folder; absolute ones must lie inside it. A path that leaves
 * the folder — through `..` or through a symbolic link (checked on real paths) — is refused.
 */
import { constants, type Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { getBinaryAccess, requireBinary } from '../binary/access.js';
import { fileTypeOf } from '../binary/mime.js';
import { NodeError, NonRetryableError } from '../engine/errors.js';
import type { Item, JsonObject } from '../engine/items.js';
import { defineNode, mapItems, type NodeContext } from './sdk.js';
import { nodeSettings } from './settings.js';

/** Files one selector may return at most (a `**` over a huge tree is a mistake, not a workload). */
export const MAX_FILES = 10_000;

type Params = z.output<typeof params>;

const params = z
  .object({
    operation: z.enum(['read', 'write']).default('read'),
    fileSelector: z.string().default(''),
    fileName: z.string().default(''),
    dataPropertyName: z.string().min(1).default('data'),
    options: z
      .object({
        fileExtension: z.string().optional(),
        fileName: z.string().optional(),
        mimeType: z.string().optional(),
        dataPropertyName: z.string().optional(),
        append: z.boolean().default(false),
      })
      .loose()
      .prefault({}),
  })
  .loose();

function refused(path: string, root: string): NonRetryableError {
  return new NonRetryableError(`Access to '${path}' is not allowed`, {
    code: 'FILE_ACCESS_DENIED',
    description: `This node may only use files inside ${root} (RELAIS_FILES_DIR).`,
  });
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The absolute path of `path` under `root`, refused when it leaves it lexically. */
function lexical(root: string, path: string): string {
  const absolute = resolve(root, path);
  if (!inside(root, absolute)) throw refused(path, root);
  return absolute;
}

// --- glob ---------------------------------------------------------------------------------------

const MAGIC = /[*?[\]{}]/;

function segmentRegex(segment: string): RegExp {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '\\' && i + 1 < segment.length) out += `\\${segment[++i]}`;
    else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        const body = segment
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = segment.indexOf('}', i + 1);
      if (end < 0) out += '\\{';
      else {
        const alternatives = segment
          .slice(i + 1, end)
          .split(',')
          .map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
        out += `(?:${alternatives.join('|')})`;
        i = end;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Files under `root` matching `pattern` (relative, `/`-separated), sorted. */
export async function globFiles(root: string, pattern: string): Promise<string[]> {
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  const found = new Set<string>();
  const walk = async (dir: string, index: number): Promise<void> => {
    if (found.size > MAX_FILES) return;
    const segment = segments[index];
    const lastSegment = index === segments.length - 1;
    if (segment === '**') {
      if (lastSegment) {
        // `a/**` matches every file below a.
        for (const e of await entries(dir)) {
          if (e.name.startsWith('.')) continue;
          const path = join(dir, e.name);
          if (e.isDirectory()) await walk(path, index);
          else found.add(path);
        }
        return;
      }
      await walk(dir, index + 1);
      for (const e of await entries(dir)) {
        // Symbolic links to folders are not followed by `**` (no loops, no escapes).
        if (e.isDirectory() && !e.name.startsWith('.')) await walk(join(dir, e.name), index);
      }
      return;
    }
    if (!MAGIC.test(segment)) {
      const path = join(dir, segment.replace(/\\(.)/g, '$1'));
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) return;
      if (lastSegment) {
        if (info.isFile()) found.add(path);
      } else if (info.isDirectory()) await walk(path, index + 1);
      return;
    }
    const regex = segmentRegex(segment);
    for (const e of await entries(dir)) {
      if (e.name.startsWith('.') && !segment.startsWith('.')) continue;
      if (!regex.test(e.name)) continue;
      const path = join(dir, e.name);
      const info = e.isSymbolicLink() ? await stat(path).catch(() => undefined) : e;
      if (info === undefined) continue;
      if (lastSegment) {
        if (info.isFile()) found.add(path);
      } else if (info.isDirectory()) await walk(path, index + 1);
    }
  };
  if (segments.length > 0) await walk(root, 0);
  if (found.size > MAX_FILES) {
    throw new NonRetryableError(`The file selector matches more than ${MAX_FILES} files`, {
      code: 'TOO_MANY_FILES',
    });
  }
  return [...found].sort();
}

// --- file system errors ---------------------------------------------------------------------------

const FS_MESSAGES: Readonly<Record<string, string>> = {
  ENOENT: 'The file or directory does not exist',
  EISDIR: 'The file path expected but a given path is a directory',
  ENOTDIR: 'The directory path expected but a given path is a file',
  EACCES: 'Forbidden by access permissions, make sure you have the right permissions',
  EEXIST: 'The file or directory already exists',
  EPERM: 'Operation not permitted, make sure you have the right permissions',
  ELOOP: 'Too many symbolic links, or a symbolic link where a file was expected',
};

function fsError(error: unknown, operation: 'read' | 'write', path: string): unknown {
  if (error instanceof NodeError) return error;
  const code = (error as { code?: string }).code;
  if (code === undefined) return error;
  let message = FS_MESSAGES[code] ?? (error as Error).message;
  if (code === 'EACCES') {
    message =
      operation === 'read'
        ? `You don't have the permissions to access ${path}`
        : `You don't have the permissions to write the file ${path}`;
  }
  return new NodeError(message, { code, description: (error as Error).message, cause: error });
}

// --- operations -----------------------------------------------------------------------------------

/** The folder the node may touch: `RELAIS_FILES_DIR`, or `files` in the data directory (settings.ts). */
async function rootOf(ctx: NodeContext<Params>): Promise<{ root: string; real: string }> {
  const root = nodeSettings(ctx).filesDir;
  await mkdir(root, { recursive: true });
  return { root, real: await realpath(root) };
}

/** Relative to the folder, `/`-separated, refused when it leaves the folder. */
function selectorPattern(root: string, selector: string): string {
  const normalized = selector.trim().replace(/\\(?=[()])/g, '');
  if (normalized === '') {
    throw new NonRetryableError("Invalid parameter 'fileSelector': give a file name or a pattern", {
      code: 'INVALID_PARAMETER',
    });
  }
  const firstMagic = normalized.search(MAGIC);
  const prefix =
    firstMagic < 0 ? normalized : normalized.slice(0, normalized.lastIndexOf('/', firstMagic) + 1);
  const base = lexical(root, prefix || '.');
  const rest = firstMagic < 0 ? '' : normalized.slice(prefix.length);
  if (rest.split('/').includes('..')) throw refused(selector, root);
  const rel = relative(root, base).split(sep).join('/');
  return [rel, rest].filter(Boolean).join('/');
}

async function readFiles(ctx: NodeContext<Params>, i: number): Promise<Item[]> {
  const p = ctx.getParams(i);
  const { root, real } = await rootOf(ctx);
  const pattern = selectorPattern(root, p.fileSelector);
  const files = await globFiles(root, pattern);
  const binary = getBinaryAccess(ctx);
  const property = p.options.dataPropertyName || 'data';
  const out: Item[] = [];
  for (const file of files) {
    let resolved: string;
    try {
      resolved = await realpath(file);
    } catch (error) {
      throw fsError(error, 'read', file);
    }
    if (!inside(real, resolved)) {
      // A file named on purpose is refused; a pattern just does not match links leading out.
      if (!MAGIC.test(pattern)) throw refused(relative(root, file), root);
      ctx.logger.warn('Read/Write Files: skipped a link leading outside the folder', {
        file: relative(root, file),
      });
      continue;
    }
    let stored: Awaited<ReturnType<typeof binary.put>>;
    try {
      const handle = await open(resolved, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        stored = await binary.put(handle.createReadStream({ autoClose: false }), {
          fileName: basename(file),
        });
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw fsError(error, 'read', file);
    }
    if (p.options.fileName !== undefined) stored.fileName = p.options.fileName;
    if (p.options.fileExtension !== undefined) stored.fileExtension = p.options.fileExtension;
    if (p.options.mimeType !== undefined) stored.mimeType = p.options.mimeType;
    const json: JsonObject = { mimeType: stored.mimeType };
    const fileType = fileTypeOf(stored.mimeType);
    if (fileType) json.fileType = fileType;
    if (stored.fileName !== undefined) json.fileName = stored.fileName;
    if (stored.fileExtension !== undefined) json.fileExtension = stored.fileExtension;
    json.fileSize = stored.fileSize;
    out.push({ json, binary: { [property]: stored }, pairedItem: { item: i } });
  }
  return out;
}

/** The real path to write `path` to, creating missing folders; refused outside the folder. */
async function writableTarget(root: string, real: string, path: string): Promise<string> {
  const target = lexical(root, path);
  if (target === root) throw refused(path, root);
  // The nearest existing ancestor decides where new folders would really be created.
  let existing = dirname(target);
  while (
    !(await lstat(existing)
      .then(() => true)
      .catch(() => false))
  )
    existing = dirname(existing);
  const realExisting = await realpath(existing);
  if (!inside(real, realExisting)) throw refused(path, root);
  await mkdir(dirname(target), { recursive: true });
  const realParent = await realpath(dirname(target));
  if (!inside(real, realParent)) throw refused(path, root);
  const finalPath = join(realParent, basename(target));
  const info = await lstat(finalPath).catch(() => undefined);
  if (info?.isSymbolicLink()) {
    const linked = await realpath(finalPath).catch(() => undefined);
    if (linked === undefined || !inside(real, linked)) throw refused(path, root);
    return linked;
  }
  return finalPath;
}

async function writeFile(ctx: NodeContext<Params>, item: Item, i: number): Promise<Item> {
  const p = ctx.getParams(i);
  if (p.fileName.trim() === '') {
    throw new NonRetryableError("Invalid parameter 'fileName': give the path of the file to write", {
      code: 'INVALID_PARAMETER',
    });
  }
  const file = requireBinary(item, p.dataPropertyName, i);
  const { root, real } = await rootOf(ctx);
  const target = await writableTarget(root, real, p.fileName);
  const binary = getBinaryAccess(ctx);
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    constants.O_NOFOLLOW |
    (p.options.append ? constants.O_APPEND : constants.O_TRUNC);
  try {
    const handle = await open(target, flags, 0o644);
    try {
      for await (const chunk of binary.stream(file)) await handle.write(chunk as Uint8Array);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fsError(error, 'write', p.fileName);
  }
  const out: Item = {
    json: { ...structuredClone(item.json), fileName: p.fileName },
    pairedItem: { item: i },
  };
  if (item.binary !== undefined) out.binary = { ...item.binary };
  return out;
}

async function execute(ctx: NodeContext<Params>): Promise<Item[][]> {
  if (ctx.items.length === 0) return [[]];
  const operation = ctx.getParams(0).operation;
  if (operation === 'read') return [await mapItems(ctx, (_item, i) => readFiles(ctx, i))];
  return [await mapItems(ctx, (item, i) => writeFile(ctx, item, i))];
}

export const readWriteFileNode = defineNode({
  type: 'readWriteFile',
  version: 1,
  displayName: 'Read/Write Files from Disk',
  description: 'Read or write files in the folder Relais may use (RELAIS_FILES_DIR)',
  group: 'action',
  params,
  inputs: 1,
  outputs: ['main'],
  execute,
});
