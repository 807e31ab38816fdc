// A small interpreter for the Lua subset that nudged's Keithley 2600B driver sends over TSP (2600B
// Reference Manual 2600BS-901-01, sections 5 and 7) — not a Lua VM. A chunk is a sequence of
// statements separated by white space or `;`:
//   <name> = <expr>                 attribute assignment (smua.source.levelv = 0.5)
//   <name>(<expr>, …)               function call (print(...), smua.reset(), errorqueue.clear())
// where <expr> is a number (optionally negated), a string, nil/true/false, a dotted name (a
// constant or attribute such as smua.OUTPUT_ON or errorqueue.count) or a function call. Names are
// resolved by the environment. Like Lua, the whole chunk is compiled first (a syntax error runs
// nothing) and a runtime error stops the chunk where it happens.

export type TspValue = number | string | boolean | null;

/** What the chunk's names mean; errors thrown here become runtime errors of the chunk. */
export interface TspEnvironment {
  get(name: string): TspValue;
  set(name: string, value: TspValue): Promise<void>;
  call(name: string, args: TspValue[]): Promise<TspValue[]>;
}

export class TspSyntaxError extends Error {
  override readonly name = 'TspSyntaxError';
}

export class TspRuntimeError extends Error {
  override readonly name = 'TspRuntimeError';
}

type Token =
  | { kind: 'name'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'punct'; text: '=' | '(' | ')' | ',' | '-' | ';' };

type Expr =
  | { kind: 'literal'; value: TspValue }
  | { kind: 'name'; name: string }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'negate'; operand: Expr };

type Statement =
  { kind: 'assign'; name: string; value: Expr } | { kind: 'call'; call: Expr & { kind: 'call' } };

const TOKEN =
  /\s*(?:([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)|((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|"([^"\n]*)"|'([^'\n]*)'|([=(),;-]))/y;

export function tokenize(chunk: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < chunk.length) {
    if (/^\s*$/.test(chunk.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(chunk);
    if (m === null) {
      const near = chunk.slice(at).trim().slice(0, 10);
      throw new TspSyntaxError(`unexpected symbol near '${near}'`);
    }
    if (m[1] !== undefined) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'number', value: Number(m[2]) });
    else if (m[3] !== undefined || m[4] !== undefined) tokens.push({ kind: 'string', value: m[3] ?? m[4] });
    else tokens.push({ kind: 'punct', text: m[5] as '=' });
  }
  return tokens;
}

const KEYWORD_VALUES: Record<string, TspValue> = { nil: null, true: true, false: false };

export function parseChunk(chunk: string): Statement[] {
  const tokens = tokenize(chunk);
  let i = 0;
  const peek = () => tokens[i];
  const describe = (t: Token | undefined) =>
    t === undefined ? '<eof>' : t.kind === 'name' || t.kind === 'punct' ? t.text : String(t.kind);
  const expectPunct = (text: string) => {
    const t = tokens[i++];
    if (t?.kind !== 'punct' || t.text !== text)
      throw new TspSyntaxError(`'${text}' expected near '${describe(t)}'`);
  };
  const callArgs = (): Expr[] => {
    expectPunct('(');
    const args: Expr[] = [];
    if (!(peek()?.kind === 'punct' && (peek() as { text: string }).text === ')')) {
      args.push(expression());
      while (peek()?.kind === 'punct' && (peek() as { text: string }).text === ',') {
        i++;
        args.push(expression());
      }
    }
    expectPunct(')');
    return args;
  };
  const expression = (): Expr => {
    const t = tokens[i++];
    if (t === undefined) throw new TspSyntaxError("unexpected symbol near '<eof>'");
    if (t.kind === 'number' || t.kind === 'string') return { kind: 'literal', value: t.value };
    if (t.kind === 'punct' && t.text === '-') return { kind: 'negate', operand: expression() };
    if (t.kind === 'punct' && t.text === '(') {
      const inner = expression();
      expectPunct(')');
      return inner;
    }
    if (t.kind === 'name') {
      if (t.text in KEYWORD_VALUES) return { kind: 'literal', value: KEYWORD_VALUES[t.text] };
      const next = peek();
      if (next?.kind === 'punct' && next.text === '(')
        return { kind: 'call', name: t.text, args: callArgs() };
      return { kind: 'name', name: t.text };
    }
    throw new TspSyntaxError(`unexpected symbol near '${describe(t)}'`);
  };
  const statements: Statement[] = [];
  while (i < tokens.length) {
    const t = tokens[i++];
    if (t.kind === 'punct' && t.text === ';') continue;
    if (t.kind !== 'name' || t.text in KEYWORD_VALUES) {
      throw new TspSyntaxError(`unexpected symbol near '${describe(t)}'`);
    }
    const next = peek();
    if (next?.kind === 'punct' && next.text === '=') {
      i++;
      statements.push({ kind: 'assign', name: t.text, value: expression() });
    } else if (next?.kind === 'punct' && next.text === '(') {
      statements.push({ kind: 'call', call: { kind: 'call', name: t.text, args: callArgs() } });
    } else {
      throw new TspSyntaxError(`'=' expected near '${describe(next)}'`);
    }
  }
  return statements;
}

/** print()'s rendering: numbers as %.5e (format.asciiprecision 6), nil/true/false as words. */
export function formatTspValue(value: TspValue): string {
  if (value === null) return 'nil';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  return value.toExponential(5).replace(/e([+-])(\d)$/, 'e$10$2');
}

export interface ChunkResult {
  /** The lines print() wrote (tab-separated values), also those before a runtime error. */
  printed: string[];
  /** The error that stopped the chunk, if one did. */
  error?: unknown;
}

/** Runs a chunk; throws TspSyntaxError (before running anything) if it does not compile. */
export async function runChunk(chunk: string, env: TspEnvironment): Promise<ChunkResult> {
  const statements = parseChunk(chunk);
  const printed: string[] = [];
  const evaluate = async (expr: Expr): Promise<TspValue[]> => {
    switch (expr.kind) {
      case 'literal':
        return [expr.value];
      case 'name':
        return [env.get(expr.name)];
      case 'negate': {
        const [value] = await evaluate(expr.operand);
        if (typeof value !== 'number')
          throw new TspRuntimeError('attempt to perform arithmetic on a non-number');
        return [-value];
      }
      case 'call': {
        // Like Lua, only the last argument expands to all of a call's results.
        const args: TspValue[] = [];
        for (const [k, arg] of expr.args.entries()) {
          const values = await evaluate(arg);
          if (k === expr.args.length - 1) args.push(...values);
          else args.push(values[0] ?? null);
        }
        if (expr.name === 'print') {
          printed.push(args.map(formatTspValue).join('\t'));
          return [];
        }
        return env.call(expr.name, args);
      }
    }
  };
  for (const statement of statements) {
    try {
      if (statement.kind === 'assign') {
        const [value] = await evaluate(statement.value);
        await env.set(statement.name, value ?? null);
      } else {
        await evaluate(statement.call);
      }
    } catch (error) {
      return { printed, error };
    }
  }
  return { printed };
}
