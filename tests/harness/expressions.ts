/**
 * GitHub Actions expressions (`${{ … }}` and `if:`), as much of the language
 * as composite actions use: literals, context paths (`inputs.x`,
 * `steps.id.outputs.y`, `github.*`, `env.*`…), `!` `==` `!=` `<` `<=` `>` `>=`
 * `&&` `||`, parentheses, the status functions and contains/startsWith/
 * endsWith/format. Semantics follow the docs: `&&`/`||` yield an operand,
 * comparisons of strings ignore case, mixed types compare as numbers.
 */

export type Value = string | number | boolean | null | { [key: string]: Value } | Value[];

export interface ExpressionContext {
  /** Context objects by name: `inputs`, `steps`, `github`, `env`, `runner`… */
  contexts: Record<string, Value>;
  /** The status of the steps so far: `success()` holds while nothing failed. */
  failed: boolean;
  cancelled?: boolean;
}

type Token = { kind: 'num' | 'str' | 'id' | 'op'; text: string; value?: Value };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?)|'((?:[^']|'')*)'|([A-Za-z_][\w-]*)|(==|!=|<=|>=|&&|\|\||[!<>().,[\]*]))/y;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(source);
    if (!m) throw new Error(`expression: unexpected text at ${at} in ${JSON.stringify(source)}`);
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'num', text: m[1], value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: 'str', text: m[2], value: m[2].replace(/''/g, "'") });
    else if (m[3] !== undefined) tokens.push({ kind: 'id', text: m[3] });
    else tokens.push({ kind: 'op', text: m[4] });
  }
  return tokens;
}

const truthy = (v: Value): boolean => !(v === false || v === null || v === 0 || v === '' || Number.isNaN(v));

function toNumber(v: Value): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
  return NaN;
}

/** A value as the runner puts it into text (`${{ }}` in a string). */
export function toText(v: Value): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v, null, 2);
  return String(v);
}

function compare(a: Value, b: Value, op: string): boolean {
  let x: string | number;
  let y: string | number;
  if (typeof a === 'string' && typeof b === 'string') [x, y] = [a.toLowerCase(), b.toLowerCase()];
  else if (typeof a === 'object' && a !== null) return op === '==' ? a === b : op === '!=' ? a !== b : false;
  else [x, y] = [toNumber(a), toNumber(b)];
  switch (op) {
    case '==':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

class Parser {
  private at = 0;
  /** Whether the expression calls a status function (else `if:` means `success() && (…)`). */
  usesStatus = false;

  constructor(
    private readonly tokens: Token[],
    private readonly context: ExpressionContext,
  ) {}

  parse(): Value {
    const value = this.or();
    if (this.at < this.tokens.length) throw new Error(`expression: unexpected ${this.tokens[this.at].text}`);
    return value;
  }

  private peek = (text: string) => this.tokens[this.at]?.kind === 'op' && this.tokens[this.at].text === text;
  private take(text: string): boolean {
    if (!this.peek(text)) return false;
    this.at++;
    return true;
  }
  private expect(text: string) {
    if (!this.take(text)) throw new Error(`expression: expected ${text}`);
  }

  private or(): Value {
    let left = this.and();
    while (this.take('||')) {
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.take('&&')) {
      const right = this.comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private comparison(): Value {
    let left = this.unary();
    for (const op of ['==', '!=', '<=', '>=', '<', '>']) {
      if (this.take(op)) {
        left = compare(left, this.unary(), op);
        break;
      }
    }
    return left;
  }

  private unary(): Value {
    if (this.take('!')) return !truthy(this.unary());
    return this.primary();
  }

  private primary(): Value {
    const token = this.tokens[this.at++];
    if (!token) throw new Error('expression: unexpected end');
    if (token.kind === 'num' || token.kind === 'str') return token.value!;
    if (token.kind === 'op' && token.text === '(') {
      const value = this.or();
      this.expect(')');
      return value;
    }
    if (token.kind !== 'id') throw new Error(`expression: unexpected ${token.text}`);
    const word = token.text;
    if (word === 'true' || word === 'false') return word === 'true';
    if (word === 'null') return null;
    if (this.take('(')) return this.call(word);
    let value: Value = this.context.contexts[word] ?? null;
    for (;;) {
      if (this.take('.')) value = this.member(value, this.tokens[this.at++].text);
      else if (this.take('[')) {
        const key = this.or();
        this.expect(']');
        value = this.member(value, toText(key));
      } else return value;
    }
  }

  private member(value: Value, key: string): Value {
    if (value === null || typeof value !== 'object') return null;
    if (Array.isArray(value)) return value[Number(key)] ?? null;
    const found = Object.keys(value).find((k) => k.toLowerCase() === key.toLowerCase());
    return found === undefined ? null : value[found]!;
  }

  private call(name: string): Value {
    const args: Value[] = [];
    if (!this.take(')')) {
      do args.push(this.or());
      while (this.take(','));
      this.expect(')');
    }
    const text = (i: number) => toText(args[i] ?? null).toLowerCase();
    switch (name.toLowerCase()) {
      case 'success':
        this.usesStatus = true;
        return !this.context.failed && !this.context.cancelled;
      case 'failure':
        this.usesStatus = true;
        return this.context.failed;
      case 'always':
        this.usesStatus = true;
        return true;
      case 'cancelled':
        this.usesStatus = true;
        return Boolean(this.context.cancelled);
      case 'contains':
        return Array.isArray(args[0])
          ? args[0].some((v) => compare(v, args[1] ?? null, '=='))
          : text(0).includes(text(1));
      case 'startswith':
        return text(0).startsWith(text(1));
      case 'endswith':
        return text(0).endsWith(text(1));
      case 'format':
        return toText(args[0] ?? null).replace(/\{(\d+)\}/g, (_, i: string) => toText(args[Number(i) + 1] ?? null));
      default:
        throw new Error(`expression: function ${name}() is not supported by the test runner`);
    }
  }
}

/** Evaluate one expression (the text between `${{` and `}}`). */
export function evaluateExpression(source: string, context: ExpressionContext): Value {
  return new Parser(tokenize(source), context).parse();
}

/** A string with `${{ … }}` parts replaced by their values. */
export function interpolate(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, source: string) => toText(evaluateExpression(source, context)));
}

/** An `if:` condition: with or without `${{ }}`; without a status function it means `success() && (…)`. */
export function condition(source: string | boolean | undefined, context: ExpressionContext): boolean {
  if (source === undefined || source === '') return !context.failed && !context.cancelled;
  const text = String(source).trim();
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  const parser = new Parser(tokenize(whole ? whole[1] : text), context);
  const value = truthy(parser.parse());
  return parser.usesStatus ? value : value && !context.failed && !context.cancelled;
}
