// JSON Schemas of every route's path parameters, query, body and responses. Requests are validated
// against them strictly (no coercion, no unknown fields: see server.ts), and @fastify/swagger turns
// them into the OpenAPI description. Responses are documented here but serialized with plain
// JSON.stringify, so a record never loses a field the schema does not list.
import { JOB_STATES } from '../daemon/store/index.ts';

/** A job id in a URL or query: digits only, no sign, no leading zero. */
export const ID_PATTERN = '^[1-9][0-9]{0,9}$';
const COUNT_PATTERN = '^[1-9][0-9]{0,5}$';
/** A step or epoch number in a query: digits only, no sign, no leading zero. */
const INDEX_PATTERN = '^(0|[1-9][0-9]{0,9})$';
/** A calibration figure's file name: its name and `.svg`. */
export const FIGURE_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}\\.svg$';
/** Human reasons for the patterns above (ajv's own message just repeats the regular expression). */
export const PATTERN_REASONS: Record<string, string> = {
  [ID_PATTERN]: 'must be a positive integer',
  [COUNT_PATTERN]: 'must be a positive integer',
  [INDEX_PATTERN]: 'must be a non-negative integer',
  [FIGURE_PATTERN]: 'must be a figure name followed by .svg, e.g. dac-residuals.svg',
};

const obj = (properties: Record<string, object>, required: string[] = [], extra: object = {}) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});
/** A documented response object that may carry more fields than listed. */
const open = (properties: Record<string, object>, description?: string) => ({
  type: 'object',
  properties,
  additionalProperties: true,
  ...(description ? { description } : {}),
});
const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });

export const idParams = obj({ id: { type: 'string', pattern: ID_PATTERN, description: 'job id' } }, ['id']);

export const error = open(
  {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    in: { type: 'string', enum: ['body', 'query', 'path', 'header'] },
    field: { type: 'string', description: 'dotted path of the field at fault' },
    reason: { type: 'string' },
  },
  'every 4xx/5xx: the field at fault and why',
);

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, error]));

export const job = open({
  id: { type: 'integer' },
  kind: { type: 'string' },
  config: { type: 'object', additionalProperties: true },
  priority: { type: 'integer' },
  created: { type: 'number', description: 'ms since the Unix epoch' },
  updated: { type: 'number' },
  state: { type: 'string', enum: [...JOB_STATES] },
  reason: nullable({ type: 'string' }),
});

const latest = nullable(
  open({
    step: { type: 'integer' },
    epoch: { type: 'integer' },
    loss: { type: 'number' },
    accuracy: { type: 'number' },
  }),
);

export const runSummary = open({
  job,
  run: nullable(open({ uid: { type: 'string' }, status: { type: 'string' } }, 'the run document (start)')),
  latest,
});

export const runDetail = open({
  job,
  run: nullable(open({ uid: { type: 'string' } })),
  latest,
  epochs: { type: 'array', items: open({ epoch: { type: 'integer' }, trainLoss: { type: 'number' } }) },
  steps: {
    type: 'array',
    items: open({ step: { type: 'integer' }, loss: { type: 'number' }, accuracy: { type: 'number' } }),
  },
  result: nullable({ type: 'object', additionalProperties: true }),
});

export const conductances = open({
  job: nullable({ type: 'integer' }),
  step: nullable({ type: 'integer' }),
  arrays: {
    type: 'array',
    items: open({
      rows: { type: 'integer' },
      cols: { type: 'integer' },
      g_S: { type: 'array', items: { type: 'number' }, description: 'row-major, siemens' },
    }),
  },
});

export const health = open({
  ok: { type: 'boolean' },
  fault: nullable({ type: 'string' }),
  activeJob: nullable({ type: 'integer' }),
  queued: { type: 'integer' },
  uptime_s: { type: 'number' },
  version: { type: 'string' },
});

export const benchStatus = open({
  name: { type: 'string' },
  kind: { type: 'string', enum: ['sim', 'instruments'] },
  network: open({}),
  inputRange_V: open({ min: { type: 'number' }, max: { type: 'number' } }),
  instruments: { type: 'array', items: open({ name: { type: 'string' }, healthy: { type: 'boolean' } }) },
  calibration: open(
    {
      applied: { type: 'boolean' },
      message: { type: 'string' },
      warnings: { type: 'array', items: { type: 'string' } },
    },
    'the configured calibration: applied or not, and warnings (stale records; records of other instruments, not applied)',
  ),
});

export const jobKinds = {
  type: 'array',
  items: open({ kind: { type: 'string' }, summary: { type: 'string' }, paramsSchema: open({}) }),
};

export const listQuery = obj({
  state: { type: 'string', enum: [...JOB_STATES] },
  limit: { type: 'string', pattern: COUNT_PATTERN, description: 'at most this many runs (≤ 1000)' },
});

export const detailQuery = obj({
  maxPoints: {
    type: 'string',
    pattern: COUNT_PATTERN,
    description:
      'decimate the step and epoch metrics to at most this many points and the last (default 1000; every step is in the export)',
  },
  sinceStep: {
    type: 'string',
    pattern: INDEX_PATTERN,
    description:
      'only the steps after this one (a poller passes the last step it has): each poll then reads only the new rows',
  },
  sinceEpoch: {
    type: 'string',
    pattern: INDEX_PATTERN,
    description: 'only the epochs after this one',
  },
});

export const exportQuery = obj({ format: { type: 'string', enum: ['csv', 'jsonl'] } }, ['format']);

export const createBody = (kinds: string[]) =>
  obj(
    {
      kind: kinds.length > 0 ? { type: 'string', enum: kinds } : { type: 'string', minLength: 1 },
      params: {
        type: 'object',
        default: {},
        description: "the kind's parameters; their schemas are at GET /api/job-kinds",
      },
      priority: {
        type: 'integer',
        minimum: -1000,
        maximum: 1000,
        default: 0,
        description: 'higher runs first',
      },
    },
    ['kind'],
  );

const reason = { type: 'string', minLength: 1, maxLength: 500 };
export const abortBody = obj({ reason });
export const estopBody = obj({ reason });
export const emptyBody = obj({});

export const eventsQuery = obj({
  job: { type: 'string', pattern: ID_PATTERN, description: 'only events of this job' },
  types: {
    type: 'string',
    pattern: '^[a-z]+(,[a-z]+)*$',
    description:
      'comma-separated event types (job, phase, metrics, epoch, pulses, nodes, snapshot, result, log, estop)',
  },
  token: {
    type: 'string',
    description: 'the API token, for browsers that cannot set headers on a WebSocket',
  },
});

export const calibrationIdParams = obj(
  { id: { type: 'string', pattern: ID_PATTERN, description: 'calibration record id' } },
  ['id'],
);

export const figureParams = obj(
  {
    id: { type: 'string', pattern: ID_PATTERN, description: 'calibration record id' },
    file: { type: 'string', pattern: FIGURE_PATTERN, description: 'figure name + .svg' },
  },
  ['id', 'file'],
);

export const calibrationsQuery = obj({
  limit: { type: 'string', pattern: COUNT_PATTERN, description: 'at most this many records (≤ 1000)' },
});

const identity = open({
  role: { type: 'string' },
  vendor: { type: 'string' },
  model: { type: 'string' },
  serial: { type: 'string' },
  firmware: { type: 'string' },
});

export const calibrationSummary = open({
  id: { type: 'integer' },
  kind: { type: 'string' },
  createdAt: { type: 'string', format: 'date-time' },
  bench: { type: 'string' },
  run: nullable({ type: 'string' }),
  instruments: { type: 'array', items: identity },
  fit: { type: 'object', additionalProperties: true, description: 'headline figures of the fit' },
  figures: { type: 'array', items: open({ name: { type: 'string' }, title: { type: 'string' } }) },
  warnings: {
    type: 'array',
    items: open({ kind: { type: 'string', enum: ['stale', 'identity'] }, message: { type: 'string' } }),
  },
});

export const calibrationRecord = open(
  {
    schemaVersion: { type: 'integer' },
    id: { type: 'string' },
    kind: { type: 'string' },
    createdAt: { type: 'string' },
    bench: { type: 'string' },
    instruments: { type: 'array', items: identity },
    parameters: { type: 'object', additionalProperties: true },
    result: {},
  },
  'the calibration record as exported (calibration/records.ts: exportRecord, importRecord)',
);

export const responses = {
  ok: (schema: object, ...codes: number[]) => ({ 200: schema, ...errors(...codes) }),
  created: (schema: object, ...codes: number[]) => ({ 201: schema, ...errors(...codes) }),
};
