/**
 * `/api/tables`: built-in data tables (issue "Integrations", point 4). Tables are created and
 * altered here (typed columns, indexes); rows are read with filters, sort and keyset pages, and
 * written in one transaction per request. Reading needs `tables:read`, changing `tables:write`;
 * every change is audited (names and counts, never row values).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  alterTableBody,
  createTableBody,
  deleteRowsQuery,
  httpCall,
  insertRowsBody,
  parseSort,
  rowListQuery,
  rowPage,
  tableListQuery,
  tableParams,
  tableSchema,
  tableView,
  updateRowsBody,
  writeReply,
} from '../../tables/api.js';
import { filterFromQuery, parseFilterJson } from '../../tables/filters.js';
import type { Filter } from '../../tables/port.js';
import { createTableService } from '../../tables/service.js';
import type { ServerDeps } from '../deps.js';
import { badRequest } from '../http-error.js';
import { errorReplies, noContent, pageOf } from '../schemas/common.js';
import { audit } from './automations/shared.js';

const TAGS = ['tables'];

/** Updating or deleting every row takes an explicit `all`: an empty filter is more often a mistake. */
function requireFilter(filter: Filter, all: boolean): void {
  if (filter.conditions.length === 0 && !all) {
    throw badRequest('Give a filter, or set all=true to change every row', [
      { field: 'filter', message: 'no condition' },
    ]);
  }
}

export function tableRoutes(deps: ServerDeps): FastifyPluginAsyncZod {
  const tables = createTableService({ store: deps.store.tables, clock: deps.clock });
  return async (app) => {
    app.get(
      '/api/tables',
      {
        config: { permission: 'tables:read' },
        schema: {
          tags: TAGS,
          summary: 'List data tables, newest first',
          querystring: tableListQuery,
          response: { 200: pageOf(tableSchema), ...errorReplies(400) },
        },
      },
      async (request) => {
        const page = await httpCall(() => tables.list(request.query));
        return { items: page.items.map(tableView), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/tables',
      {
        config: { permission: 'tables:write' },
        schema: {
          tags: TAGS,
          summary: 'Create a table with typed columns (string, number, boolean, date, json) and indexes',
          body: createTableBody,
          response: { 201: tableSchema, ...errorReplies(400, 409) },
        },
      },
      async (request, reply) => {
        const created = await httpCall(() => tables.create(request.body));
        await audit(deps, request, {
          action: 'table.created',
          entityType: 'table',
          entityId: created.id,
          details: { name: created.name, columns: created.columns.length },
        });
        return reply.status(201).send(tableView(created));
      },
    );

    app.get(
      '/api/tables/:table',
      {
        config: { permission: 'tables:read' },
        schema: {
          tags: TAGS,
          summary: 'A table: its columns, indexes and row count',
          params: tableParams,
          response: { 200: tableSchema, ...errorReplies(404) },
        },
      },
      async (request) => tableView(await httpCall(() => tables.get(request.params.table))),
    );

    app.patch(
      '/api/tables/:table',
      {
        config: { permission: 'tables:write' },
        schema: {
          tags: TAGS,
          summary: 'Rename a table; add, drop or rename columns; add or drop indexes (all or nothing)',
          params: tableParams,
          body: alterTableBody,
          response: { 200: tableSchema, ...errorReplies(400, 404, 409) },
        },
      },
      async (request) => {
        const altered = await httpCall(() => tables.alter(request.params.table, request.body));
        await audit(deps, request, {
          action: 'table.altered',
          entityType: 'table',
          entityId: altered.id,
          details: {
            name: altered.name,
            ...(request.body.name !== undefined && { renamedTo: request.body.name }),
            actions: request.body.actions.map((a) => a.action),
          },
        });
        return tableView(altered);
      },
    );

    app.delete(
      '/api/tables/:table',
      {
        config: { permission: 'tables:write' },
        schema: {
          tags: TAGS,
          summary: 'Delete a table and all its rows',
          params: tableParams,
          response: { 204: noContent, ...errorReplies(404) },
        },
      },
      async (request, reply) => {
        const dropped = await httpCall(() => tables.drop(request.params.table));
        await audit(deps, request, {
          action: 'table.deleted',
          entityType: 'table',
          entityId: dropped.id,
          details: { name: dropped.name },
        });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/tables/:table/rows',
      {
        config: { permission: 'tables:read' },
        schema: {
          tags: TAGS,
          summary: 'Rows, filtered and sorted, in keyset pages',
          params: tableParams,
          querystring: rowListQuery,
          response: { 200: rowPage, ...errorReplies(400, 404) },
        },
      },
      async (request) => {
        const q = request.query;
        return httpCall(async () =>
          tables.query(request.params.table, {
            filter: filterFromQuery(q),
            sort: parseSort(q.sort),
            limit: q.limit,
            cursor: q.cursor,
          }),
        );
      },
    );

    app.post(
      '/api/tables/:table/rows',
      {
        config: { permission: 'tables:write' },
        schema: {
          tags: TAGS,
          summary: 'Insert rows (or upsert them by key columns), all in one transaction',
          params: tableParams,
          body: insertRowsBody,
          response: { 201: writeReply, ...errorReplies(400, 404, 409) },
        },
      },
      async (request, reply) => {
        const { rows, upsert, returnRows } = request.body;
        const { id, name } = await httpCall(() => tables.describe(request.params.table));
        const result = await httpCall(() =>
          upsert
            ? tables.upsert(id, rows, { keys: upsert.keys, createIndex: upsert.createIndex, returnRows })
            : tables.insert(id, rows, { returnRows }),
        );
        await audit(deps, request, {
          action: upsert ? 'table.rows.upserted' : 'table.rows.inserted',
          entityType: 'table',
          entityId: id,
          details: { name, count: result.count },
        });
        return reply.status(201).send({ count: result.count, items: result.rows });
      },
    );

    app.patch(
      '/api/tables/:table/rows',
      {
        config: { permission: 'tables:write' },
        schema: {
          tags: TAGS,
          summary: 'Set column values on the rows matching a filter',
          params: tableParams,
          body: updateRowsBody,
          response: { 200: writeReply, ...errorReplies(400, 404, 409) },
        },
      },
      async (request) => {
        const { set, all, returnRows } = request.body;
        const { id, name } = await httpCall(() => tables.describe(request.params.table));
        const result = await httpCall(async () => {
          const filter = parseFilterJson(request.body.filter);
          requireFilter(filter, all);
          return tables.update(id, filter, set, { returnRows });
        });
        await audit(deps, request, {
          action: 'table.rows.updated',
          entityType: 'table',
          entityId: id,
          details: { name, count: result.count, columns: Object.keys(set) },
        });
        return { count: result.count, items: result.rows };
      },
    );

    app.delete(
      '/api/tables/:table/rows',
      {
        config: { permission: 'tables:write' },
        schema: {
          tags: TAGS,
          summary: 'Delete the rows matching a filter (query string, as for GET)',
          params: tableParams,
          querystring: deleteRowsQuery,
          response: { 200: writeReply, ...errorReplies(400, 404) },
        },
      },
      async (request) => {
        const { id, name } = await httpCall(() => tables.describe(request.params.table));
        const result = await httpCall(async () => {
          const filter = filterFromQuery(request.query);
          requireFilter(filter, request.query.all);
          return tables.delete(id, filter, { returnRows: request.query.returnRows });
        });
        await audit(deps, request, {
          action: 'table.rows.deleted',
          entityType: 'table',
          entityId: id,
          details: { name, count: result.count },
        });
        return { count: result.count, items: result.rows };
      },
    );
  };
}
