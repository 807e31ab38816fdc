// A configuration file parsed as YAML (JSON is read the same way: it is a subset) with its line
// counter kept, so that any later finding about a field — a zod issue, a wiring conflict, a
// driver option the bench refuses — can be reported at the file, line and column it came from.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { Finding } from './zod-issues.ts';

/** A path into the configuration, as zod reports it: keys and array indices. */
export type FieldPath = readonly PropertyKey[];

export interface Location {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** One thing wrong with a configuration, located. */
export interface ConfigIssue extends Location {
  file: string;
  /** e.g. `wiring.inputs[0].lines[2]`; empty for the whole document. */
  path: string;
  message: string;
}

/** Everything wrong with a configuration; the message lists every issue, one per line, as
 * `file:line:column: path: reason`. Thrown before anything is opened or started. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** `a.b[2].c` */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export class ConfigSource {
  readonly #doc: Document.Parsed;
  readonly #lines: LineCounter;

  private constructor(
    readonly file: string,
    doc: Document.Parsed,
    lines: LineCounter,
  ) {
    this.#doc = doc;
    this.#lines = lines;
  }

  /** Parses `text`; YAML syntax errors (and duplicate keys) come back as located issues. */
  static parse(text: string, file: string): { source: ConfigSource; data: unknown; issues: ConfigIssue[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    const source = new ConfigSource(file, doc, lines);
    const issues = doc.errors.map((error) => ({
      file,
      ...source.#position(error.pos[0]),
      path: '',
      message: `YAML ${error.code}: ${firstLine(error.message)}`,
    }));
    return { source, data: issues.length === 0 ? doc.toJS() : undefined, issues };
  }

  /** The finding located: at the value found at its path, at the key when `atKey`, or — for a
   * field that is missing — at the closest enclosing node that exists. */
  issue(finding: Finding): ConfigIssue {
    const { path, message, atKey = false } = finding;
    return { file: this.file, ...this.locate(path, atKey), path: formatPath(path), message };
  }

  locate(path: FieldPath, atKey = false): Location {
    let node: Node | null = this.#doc.contents;
    let offset = node?.range?.[0] ?? 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
        );
        if (pair === undefined) break;
        const keyNode = pair.key as Node;
        const value = pair.value as Node | null;
        offset = (atKey || value === null ? keyNode.range : value.range)?.[0] ?? offset;
        node = value;
      } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
        node = node.items[key] as Node;
        offset = node.range?.[0] ?? offset;
      } else {
        break;
      }
    }
    return this.#position(offset);
  }

  #position(offset: number): Location {
    const { line, col } = this.#lines.linePos(offset);
    return { line, column: col };
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}
