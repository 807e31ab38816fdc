// Header patterns as SCPI instrument manuals write them (SCPI-1999 vol.1 §6.2), compiled and
// matched against received headers:
//   KEYword        short form = the upper-case prefix (KEY), long form = the whole word
//   [:KEYword]     an optional node (§6.2.5), also `[KEYword]:` at the start
//   KEYword<name>  a numeric suffix (§6.2.5.2) passed to the handler, default 1 when omitted;
//   KEYword<name:1-4>  ... accepted only in 1..4;  KEYword#  unnamed suffix, any value >= 1;
//   KEYword[1]     the suffix may be given but only with this value (single-channel instruments)
//   trailing ?     the query form;  *XXX  a common command (IEEE 488.2 §10)

export interface SuffixSpec {
  name: string | undefined;
  min: number;
  max: number;
}

export interface PatternNode {
  short: string;
  long: string;
  optional: boolean;
  suffix: SuffixSpec | undefined;
}

export interface HeaderPattern {
  source: string;
  common: boolean;
  query: boolean;
  nodes: PatternNode[];
}

export type MatchResult =
  | { ok: true; suffixes: number[]; named: Record<string, number> }
  /** The mnemonics matched but a numeric suffix was not allowed (-114). */
  | { ok: false; suffixError: string }
  | undefined;

const KEYWORD = /^([A-Z][A-Za-z0-9_]*?)(?:(#)|<([A-Za-z_]\w*)(?::(\d+)-(\d+))?>|\[(\d+)\])?$/;

function compileNode(token: string, optional: boolean, source: string): PatternNode {
  const match = KEYWORD.exec(token);
  if (!match)
    throw new SyntaxError(`header pattern ${JSON.stringify(source)}: bad keyword ${JSON.stringify(token)}`);
  const [, word, hash, name, min, max, only] = match;
  const short = /^[A-Z0-9_]*/.exec(word)![0];
  let suffix: SuffixSpec | undefined;
  if (hash !== undefined) suffix = { name: undefined, min: 1, max: Infinity };
  else if (name !== undefined)
    suffix = { name, min: min ? Number(min) : 1, max: max ? Number(max) : Infinity };
  else if (only !== undefined) suffix = { name: undefined, min: Number(only), max: Number(only) };
  return { short, long: word.toUpperCase(), optional, suffix };
}

/** Compiles a header pattern; throws SyntaxError naming the pattern if it is malformed. */
export function compilePattern(source: string): HeaderPattern {
  let body = source.trim();
  const query = body.endsWith('?');
  if (query) body = body.slice(0, -1);
  if (body.startsWith('*')) {
    if (!/^\*[A-Z]+$/i.test(body))
      throw new SyntaxError(`header pattern ${JSON.stringify(source)}: bad common command`);
    const word = body.toUpperCase();
    return {
      source,
      common: true,
      query,
      nodes: [{ short: word, long: word, optional: false, suffix: undefined }],
    };
  }
  const nodes: PatternNode[] = [];
  // Tokens: `[:KEY]`, `[KEY]` (first node), or `KEY`, each optionally preceded by `:`.
  const keyword = String.raw`[A-Za-z0-9_]+(?:#|<[^>]*>|\[\d+\])?`;
  const tokenizer = new RegExp(String.raw`\[:?(${keyword})\]|:?(${keyword})`, 'y');
  const rest = body.startsWith(':') ? body.slice(1) : body;
  if (rest === '') throw new SyntaxError(`header pattern ${JSON.stringify(source)} is empty`);
  while (tokenizer.lastIndex < rest.length) {
    const at = tokenizer.lastIndex;
    const match = tokenizer.exec(rest);
    if (!match) {
      throw new SyntaxError(
        `header pattern ${JSON.stringify(source)}: cannot parse at ${JSON.stringify(rest.slice(at))}`,
      );
    }
    const optional = match[1] !== undefined;
    nodes.push(compileNode(optional ? match[1] : match[2], optional, source));
  }
  if (nodes.every((n) => n.optional)) {
    throw new SyntaxError(`header pattern ${JSON.stringify(source)} needs at least one mandatory node`);
  }
  return { source, common: false, query, nodes };
}

/** An omitted numeric suffix means 1 (SCPI-1999 vol.1 §6.2.5.2), or the lowest allowed value above it. */
const defaultSuffix = (spec: SuffixSpec): number => Math.max(1, spec.min);

/** Splits `OUTP12` into its keyword and numeric suffix. */
function splitSuffix(mnemonic: string): { keyword: string; suffix: number | undefined } {
  const match = /^(.*?[A-Za-z_])(\d+)$/.exec(mnemonic);
  if (!match) return { keyword: mnemonic.toUpperCase(), suffix: undefined };
  return { keyword: match[1].toUpperCase(), suffix: Number(match[2]) };
}

/**
 * Matches received mnemonics (already made absolute) against a pattern. Short and long forms
 * match case-insensitively, nothing in between (SCPI-1999 vol.1 §6.2.1); optional nodes may be
 * skipped (§6.2.5).
 */
export function matchPattern(pattern: HeaderPattern, mnemonics: readonly string[]): MatchResult {
  const parts = mnemonics.map(splitSuffix);
  let suffixError: string | undefined;

  const walk = (
    node: number,
    input: number,
    suffixes: number[],
    named: Record<string, number>,
  ): MatchResult => {
    if (node === pattern.nodes.length) {
      return input === parts.length ? { ok: true, suffixes, named } : undefined;
    }
    const spec = pattern.nodes[node];
    const part = parts[input];
    if (part !== undefined) {
      const whole = mnemonics[input].toUpperCase();
      // A keyword whose own spelling ends in digits (rare) matches without a suffix.
      const keywordMatches = (k: string) => k === spec.short || k === spec.long;
      if (spec.suffix === undefined && keywordMatches(whole)) {
        const found = walk(node + 1, input + 1, suffixes, named);
        if (found?.ok) return found;
      } else if (keywordMatches(part.keyword)) {
        const value = part.suffix ?? (spec.suffix ? defaultSuffix(spec.suffix) : undefined);
        if (
          spec.suffix === undefined ||
          value === undefined ||
          value < spec.suffix.min ||
          value > spec.suffix.max
        ) {
          suffixError ??= `${mnemonics[input]}: suffix ${part.suffix} not allowed for ${spec.long}`;
        } else {
          const nextNamed = spec.suffix.name ? { ...named, [spec.suffix.name]: value } : named;
          const found = walk(node + 1, input + 1, [...suffixes, value], nextNamed);
          if (found?.ok) return found;
        }
      }
    }
    if (spec.optional) {
      if (spec.suffix === undefined) return walk(node + 1, input, suffixes, named);
      const value = defaultSuffix(spec.suffix);
      const nextNamed = spec.suffix.name ? { ...named, [spec.suffix.name]: value } : named;
      return walk(node + 1, input, [...suffixes, value], nextNamed);
    }
    return undefined;
  };

  const result = walk(0, 0, [], {});
  if (result?.ok) return result;
  return suffixError === undefined ? undefined : { ok: false, suffixError };
}

/** Whether a received common header (`*idn`) names this common-command pattern. */
export function matchCommon(pattern: HeaderPattern, mnemonic: string): boolean {
  return pattern.common && `*${mnemonic.toUpperCase()}` === pattern.nodes[0].long;
}
