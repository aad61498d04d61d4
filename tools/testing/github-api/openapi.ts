import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * GitHub's own REST description (OpenAPI 3.0), compiled with Ajv for the few operations the
 * stand-in serves. The stand-in checks every request it gets and every response it sends
 * against it, so a wrong path, query, body or response shape fails a test instead of passing
 * against a server that only agrees with us.
 */

type Json = Record<string, unknown>;

const SPEC_PATH = require.resolve('@octokit/openapi/generated/api.github.com.json');

/** The operations the stand-in implements, by GitHub's operationId. */
export const OPERATION_IDS = [
  'rate-limit/get',
  'repos/get',
  'repos/list-releases',
  'repos/create-release',
  'repos/get-release',
  'repos/get-latest-release',
  'repos/update-release',
  'repos/list-release-assets',
  'repos/delete-release-asset',
  'repos/upload-release-asset',
  'repos/get-content',
  'repos/create-or-update-file-contents',
] as const;
export type OperationId = (typeof OPERATION_IDS)[number];

/**
 * Known gaps in the description, patched here and nowhere else.
 * - release-asset.state: the enum says `uploaded | open`, but the upload endpoint's own text
 *   (and goreleaser#2746) says a failed upload leaves an asset in state `starter`.
 */
function patchSchemas(schemas: Record<string, Json>): void {
  const state = ((schemas['release-asset'].properties as Json).state ?? {}) as { enum?: string[] };
  if (state.enum && !state.enum.includes('starter')) state.enum = [...state.enum, 'starter'];
}

/** Statuses GitHub can answer on any operation (auth, rate limits, outages); body: basic-error. */
const GENERIC_STATUSES = new Set([401, 403, 404, 422, 500, 502, 503]);

export interface Operation {
  id: OperationId;
  method: string;
  /** e.g. `/repos/{owner}/{repo}/releases/{release_id}` */
  template: string;
  /** Served on the upload origin (upload_url) instead of the API origin. */
  onUploadOrigin: boolean;
  /** Matches a request path; returns the path parameters or undefined. */
  match(path: string): Record<string, string> | undefined;
  /** Errors in path and query parameters; query values are coerced to the declared types. */
  checkParameters(pathParams: Record<string, string>, query: URLSearchParams): string[];
  /** Errors in a JSON request body (undefined: no body sent). */
  checkJsonBody(body: unknown): string[];
  /** The content type the request body must have, when the operation takes one. */
  bodyContentType?: string;
  checkResponse(status: number, body: unknown): string[];
}

interface Spec {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; parameters: Record<string, Json>; responses: Record<string, Json> };
}

function resolveRef<T extends Json>(spec: Spec, value: Json): T {
  const ref = value.$ref;
  if (typeof ref !== 'string') return value as T;
  const [, , section, name] = ref.split('/');
  return (spec.components as unknown as Record<string, Record<string, Json>>)[section][name] as T;
}

/** Points component refs inside operation-level schemas at the shared `gh` document. */
function retarget(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(retarget);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof inner === 'string' && inner.startsWith('#/') ? `gh${inner}` : retarget(inner);
  }
  return out;
}

function collectSchemaRefs(spec: Spec, value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectSchemaRefs(spec, v, into);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const ref = (value as Json).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    if (!into.has(name)) {
      into.add(name);
      collectSchemaRefs(spec, spec.components.schemas[name], into);
    }
  }
  for (const inner of Object.values(value)) collectSchemaRefs(spec, inner, into);
}

function format(errors: ErrorObject[] | null | undefined, what: string): string[] {
  return (errors ?? []).map(
    (e) => `${what}${e.instancePath || ''} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

/** A top-level request body object must not carry fields GitHub does not know (it would ignore them silently). */
function closeObject(schema: Json): Json {
  return schema.type === 'object' && schema.properties && schema.additionalProperties === undefined
    ? { ...schema, additionalProperties: false }
    : schema;
}

function compileOperations(): Map<OperationId, Operation> {
  const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;
  const found = new Map<OperationId, { method: string; template: string; op: Json }>();
  for (const [template, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if ((OPERATION_IDS as readonly string[]).includes(op.operationId as string)) {
        found.set(op.operationId as OperationId, { method: method.toUpperCase(), template, op });
      }
    }
  }
  const missing = OPERATION_IDS.filter((id) => !found.has(id));
  if (missing.length > 0) throw new Error(`GitHub OpenAPI description lacks ${missing.join(', ')}`);

  const needed = new Set<string>(['basic-error', 'validation-error']);
  for (const { op } of found.values()) collectSchemaRefs(spec, op, needed);
  for (const { op } of found.values()) {
    for (const response of Object.values((op.responses ?? {}) as Record<string, Json>))
      collectSchemaRefs(spec, resolveRef(spec, response), needed);
  }
  const schemas: Record<string, Json> = {};
  for (const name of needed) schemas[name] = structuredClone(spec.components.schemas[name]);
  patchSchemas(schemas);

  // OpenAPI 3.0 keywords (nullable) are understood by Ajv; example/x-* annotations are not schema keywords.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: 'gh', components: { schemas } });
  const coercing = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
  addFormats(coercing);
  const basicError = ajv.compile({ $ref: 'gh#/components/schemas/basic-error' });

  const operations = new Map<OperationId, Operation>();
  for (const [id, { method, template, op }] of found) {
    const parameters = ((op.parameters ?? []) as Json[]).map((p) => resolveRef<Json>(spec, p));
    const paramSchema = (where: string) => {
      const list = parameters.filter((p) => p.in === where);
      return coercing.compile({
        type: 'object',
        properties: Object.fromEntries(list.map((p) => [p.name, p.schema ?? {}])),
        required: list.filter((p) => p.required).map((p) => p.name),
        additionalProperties: false,
      });
    };
    const checkPath = paramSchema('path');
    const checkQuery = paramSchema('query');

    const requestBody = op.requestBody ? resolveRef<Json>(spec, op.requestBody as Json) : undefined;
    const content = (requestBody?.content ?? {}) as Record<string, { schema?: Json }>;
    const jsonSchema = content['application/json']?.schema;
    const checkBody: ValidateFunction | undefined = jsonSchema ? ajv.compile(closeObject(retarget(jsonSchema) as Json)) : undefined;
    const bodyRequired = requestBody?.required === true;

    const responseCheckers = new Map<number, ValidateFunction | null>();
    for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
      let schema = (resolveRef<Json>(spec, response).content as Record<string, { schema?: Json }> | undefined)?.['application/json']
        ?.schema;
      // A gap in the description: a 409 may be a basic-error or a rule violation, but both accept any
      // error body, so `oneOf` (exactly one) rejects every real answer. Either is what is meant.
      if (id === 'repos/create-or-update-file-contents' && status === '409' && schema?.oneOf) schema = { anyOf: schema.oneOf };
      responseCheckers.set(Number(status), schema ? ajv.compile(retarget(schema) as Json) : null);
    }

    const names: string[] = [];
    // A parameter marked x-multi-segment (the contents API's {path}) spans slashes.
    const multiSegment = new Set(parameters.filter((p) => p.in === 'path' && p['x-multi-segment'] === true).map((p) => p.name as string));
    const pattern = new RegExp(
      `^${template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        names.push(name);
        return multiSegment.has(name) ? '(.+)' : '([^/]+)';
      })}$`,
    );
    operations.set(id, {
      id,
      method,
      template,
      onUploadOrigin: Array.isArray(op.servers) && op.servers.length > 0,
      bodyContentType: Object.keys(content)[0],
      match(path) {
        const m = pattern.exec(path);
        return m ? Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) : undefined;
      },
      checkParameters(pathParams, query) {
        const queryObject: Record<string, string | string[]> = {};
        for (const key of new Set(query.keys())) {
          const all = query.getAll(key);
          queryObject[key] = all.length === 1 ? all[0] : all;
        }
        const errors: string[] = [];
        if (!checkPath({ ...pathParams })) errors.push(...format(checkPath.errors, 'path'));
        if (!checkQuery(queryObject)) errors.push(...format(checkQuery.errors, 'query'));
        return errors;
      },
      checkJsonBody(body) {
        if (body === undefined) return bodyRequired && checkBody ? ['request body is required'] : [];
        if (!checkBody) return ['this operation takes no JSON body'];
        return checkBody(body) ? [] : format(checkBody.errors, 'body');
      },
      checkResponse(status, body) {
        const checker = responseCheckers.get(status);
        if (checker === undefined) {
          if (!GENERIC_STATUSES.has(status)) return [`status ${status} is not documented for ${id}`];
          return body === undefined || basicError(body) ? [] : format(basicError.errors, 'response');
        }
        if (checker === null) return [];
        return checker(body) ? [] : format(checker.errors, 'response');
      },
    });
  }
  return operations;
}

let compiled: Map<OperationId, Operation> | undefined;

/** The compiled operations; the 13 MB description is read once per process. */
export function githubOperations(): Map<OperationId, Operation> {
  compiled ??= compileOperations();
  return compiled;
}
