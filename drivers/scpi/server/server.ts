// A transport-free SCPI instrument core for emulators: a declarative command tree, the IEEE 488.2
// common commands, the SCPI error queue and the status registers. Bytes in, response bytes out.
import { eventStatusBitFor, EVENT_STATUS_BITS, STATUS_BYTE_BITS } from '../status.ts';
import { Mutex } from '../mutex.ts';
import { ErrorQueue, formatErrorEntry, ScpiError, STANDARD_ERRORS } from './errors.ts';
import { splitProgramMessages } from './framer.ts';
import { ProgramMessageLexer, type Header, type MessageUnit } from './lexer.ts';
import { numeric, type ParamSpec, type ParamValues } from './params.ts';
import { compilePattern, matchCommon, matchPattern, type HeaderPattern } from './pattern.ts';
import { encodeResponse, type ResponseData } from './response.ts';

export interface ServerIdentity {
  vendor: string;
  model: string;
  serial: string;
  firmware: string;
}

export interface ScpiServerOptions {
  /** The *IDN? fields (IEEE 488.2 §10.14). */
  identity: ServerIdentity;
  /** Error/event queue length; when full the newest entry becomes -350. Default 20. */
  errorQueueCapacity?: number;
  /** *OPT? answer (IEEE 488.2 §10.20); empty = `0`. */
  options?: readonly string[];
  /** Run by *RST after the server's own reset. */
  onReset?: () => void | Promise<void>;
  /** *TST? result: 0 = passed (IEEE 488.2 §10.38). Default always 0. */
  selfTest?: () => number | Promise<number>;
}

export interface CommandContext {
  readonly server: ScpiServer;
  /** The header as received, e.g. `outp2:stat`. */
  readonly header: string;
  /** Numeric suffixes of the pattern's suffixed nodes in order (1 when omitted). */
  readonly suffixes: readonly number[];
  /** Suffixes of nodes declared `<name>`. */
  readonly suffix: Readonly<Record<string, number>>;
}

type HandlerResult = ResponseData | void;

export interface CommandSpec<P extends readonly ParamSpec<unknown>[]> {
  params?: P;
  /** A query returns its response data; a command's return value is ignored. May be async. */
  run(values: ParamValues<P>, context: CommandContext): HandlerResult | Promise<HandlerResult>;
}

interface Entry {
  pattern: HeaderPattern;
  params: readonly ParamSpec<unknown>[];
  run(values: unknown[], context: CommandContext): HandlerResult | Promise<HandlerResult>;
}

const isCommandError = (code: number) => code <= -100 && code > -200;
const NL = Uint8Array.of(0x0a);
const SEMICOLON = Uint8Array.of(0x3b);

export class ScpiServer {
  readonly #identity: ServerIdentity;
  readonly #options: ScpiServerOptions;
  readonly #entries: Entry[] = [];
  readonly #builtins: Entry[] = [];
  readonly #errors: ErrorQueue;
  readonly #mutex = new Mutex();
  /** Response messages not yet read (buffered mode) plus the one being built. */
  #output: Uint8Array[] = [];
  #building = 0;
  #esr: number = EVENT_STATUS_BITS.PON;
  #ese = 0;
  #sre = 0;

  constructor(options: ScpiServerOptions) {
    this.#options = options;
    this.#identity = options.identity;
    this.#errors = new ErrorQueue(options.errorQueueCapacity ?? 20);
    this.#registerBuiltins();
  }

  /**
   * Registers a header pattern (see pattern.ts: `SOURce[1]:VOLTage[:LEVel]`, `OUTPut<n>`,
   * `MEASure:CURRent?`) with its parameter types and handler. Patterns registered here are
   * searched in order, before the built-in common and SYSTem:ERRor commands.
   */
  register<const P extends readonly ParamSpec<unknown>[] = []>(pattern: string, spec: CommandSpec<P>): this {
    this.#add(this.#entries, pattern, spec);
    return this;
  }

  /**
   * Executes program messages (several if `input` holds several NL-terminated ones) and returns
   * the response message(s), or null when nothing was queried. For raw-socket and serial
   * emulators, where responses are sent at once.
   */
  execute(input: Uint8Array | string): Promise<Uint8Array | null> {
    return this.#mutex.run(async () => {
      this.#output = [];
      await this.#processInput(input);
      return this.#takeOutput();
    });
  }

  /**
   * Buffered mode for message-based links (VXI-11 device_write, USBTMC): executes the input and
   * keeps the response for readResponse(). Unread output is discarded with -410 Query
   * INTERRUPTED (IEEE 488.2 §6.3.2.3).
   */
  receive(input: Uint8Array | string): Promise<void> {
    return this.#mutex.run(async () => {
      if (this.#output.length > 0) {
        this.#output = [];
        this.#queue(new ScpiError(-410, 'new program message before the response was read'));
      }
      await this.#processInput(input);
    });
  }

  /** Takes the buffered response; none pending → -420 Query UNTERMINATED (§6.3.2.2) and null. */
  readResponse(): Promise<Uint8Array | null> {
    return this.#mutex.run(async () => {
      const output = this.#takeOutput();
      if (output === null) this.#queue(new ScpiError(-420, 'read with no response pending'));
      return output;
    });
  }

  /** Device clear (IEEE 488.2 §5.8): discards pending output; status is unchanged. */
  deviceClear(): void {
    this.#output = [];
  }

  /** Queues an error as if a command had raised it (handlers may also throw ScpiError). */
  pushError(error: ScpiError): void {
    this.#queue(error);
  }

  /** The Standard Event Status Register, without clearing it (*ESR? clears). */
  get eventStatus(): number {
    return this.#esr;
  }

  /** The status byte as *STB? reports it (IEEE 488.2 §11.2.2.2). */
  get statusByte(): number {
    let stb = 0;
    if (this.#errors.count > 0) stb |= STATUS_BYTE_BITS.EAV;
    if (this.#output.length > 0 || this.#building > 0) stb |= STATUS_BYTE_BITS.MAV;
    if ((this.#esr & this.#ese) !== 0) stb |= STATUS_BYTE_BITS.ESB;
    if ((stb & this.#sre) !== 0) stb |= STATUS_BYTE_BITS.MSS;
    return stb;
  }

  #add<P extends readonly ParamSpec<unknown>[]>(list: Entry[], pattern: string, spec: CommandSpec<P>): void {
    list.push({
      pattern: compilePattern(pattern),
      params: spec.params ?? [],
      run: spec.run as Entry['run'],
    });
  }

  #queue(error: ScpiError): void {
    this.#errors.push({ code: error.code, message: error.message });
    this.#esr |= eventStatusBitFor(error.code);
  }

  #takeOutput(): Uint8Array | null {
    if (this.#output.length === 0) return null;
    const output = Buffer.concat(this.#output);
    this.#output = [];
    return new Uint8Array(output.buffer, output.byteOffset, output.byteLength);
  }

  async #processInput(input: Uint8Array | string): Promise<void> {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
    for (const message of splitProgramMessages(bytes)) await this.#processMessage(message);
  }

  /** One program message: units in order, the header path reset at its start (SCPI vol.1 §6.2.4). */
  async #processMessage(message: Uint8Array): Promise<void> {
    const lexer = new ProgramMessageLexer(message);
    const responses: Uint8Array[][] = [];
    const path: string[] = [];
    while (true) {
      try {
        const unit = lexer.nextUnit();
        if (unit === null) break;
        const response = await this.#executeUnit(unit, path);
        if (response !== undefined) {
          responses.push(response);
          this.#building = responses.length;
        }
      } catch (thrown) {
        const error =
          thrown instanceof ScpiError
            ? thrown
            : new ScpiError(-300, (thrown as Error)?.message ?? String(thrown));
        this.#queue(error);
        // After a command error the rest of the message cannot be trusted (IEEE 488.2 §6.1.6.1.1).
        if (isCommandError(error.code)) break;
      }
    }
    this.#building = 0;
    if (responses.length === 0) return;
    responses.forEach((parts, index) => {
      if (index > 0) this.#output.push(SEMICOLON);
      this.#output.push(...parts);
    });
    this.#output.push(NL);
  }

  async #executeUnit(unit: MessageUnit, path: string[]): Promise<Uint8Array[] | undefined> {
    const { header } = unit;
    const absolute = header.common || header.absolute ? header.mnemonics : [...path, ...header.mnemonics];
    const found = this.#resolve(header, absolute);
    if (!header.common) path.splice(0, path.length, ...absolute.slice(0, -1));
    const values = this.#parseParams(header, found.entry.params, unit);
    const result = await found.entry.run(values, {
      server: this,
      header: header.text,
      suffixes: found.suffixes,
      suffix: found.named,
    });
    if (!header.query) return undefined;
    if (result === undefined)
      throw new ScpiError(-300, `query handler for ${found.entry.pattern.source} returned no data`);
    return encodeResponse(result);
  }

  #resolve(
    header: Header,
    absolute: string[],
  ): { entry: Entry; suffixes: number[]; named: Record<string, number> } {
    let suffixError: string | undefined;
    let otherForm: Entry | undefined;
    for (const entry of [...this.#entries, ...this.#builtins]) {
      if (entry.pattern.common !== header.common) continue;
      if (header.common) {
        if (!matchCommon(entry.pattern, header.mnemonics[0])) continue;
        if (entry.pattern.query === header.query) return { entry, suffixes: [], named: {} };
        otherForm = entry;
        continue;
      }
      const match = matchPattern(entry.pattern, absolute);
      if (match === undefined) continue;
      if (!match.ok) suffixError ??= match.suffixError;
      else if (entry.pattern.query !== header.query) otherForm ??= entry;
      else return { entry, suffixes: match.suffixes, named: match.named };
    }
    const name = header.common ? header.text : absolute.join(':');
    if (otherForm)
      throw new ScpiError(-100, `${name} is ${otherForm.pattern.query ? 'query only' : 'not a query'}`);
    if (suffixError !== undefined) throw new ScpiError(-114, suffixError);
    throw new ScpiError(-113, name);
  }

  #parseParams(header: Header, specs: readonly ParamSpec<unknown>[], unit: MessageUnit): unknown[] {
    if (unit.data.length > specs.length) {
      throw new ScpiError(-108, `${header.text} takes ${specs.length} parameter(s), got ${unit.data.length}`);
    }
    return specs.map((spec, index) => {
      const token = unit.data[index];
      if (token === undefined) {
        if (spec.optional) return undefined;
        throw new ScpiError(-109, `${header.text}: ${spec.name}`);
      }
      try {
        return spec.parse(token);
      } catch (error) {
        if (error instanceof ScpiError && STANDARD_ERRORS[error.code] !== undefined) {
          throw new ScpiError(error.code, `${header.text} ${error.info ?? ''}`.trim());
        }
        throw error;
      }
    });
  }

  #registerBuiltins(): void {
    const add = <const P extends readonly ParamSpec<unknown>[] = []>(pattern: string, spec: CommandSpec<P>) =>
      this.#add(this.#builtins, pattern, spec);
    const register8 = (name: string) => numeric({ name, min: 0, max: 255, integer: true });
    const { vendor, model, serial, firmware } = this.#identity;
    add('*IDN?', { run: () => `${vendor},${model},${serial},${firmware}` });
    add('*RST', { run: async () => this.#options.onReset?.() });
    add('*CLS', {
      run: () => {
        this.#esr = 0;
        this.#errors.drain();
      },
    });
    add('*ESE', { params: [register8('event status enable')], run: ([mask]) => void (this.#ese = mask) });
    add('*ESE?', { run: () => this.#ese });
    add('*ESR?', {
      run: () => {
        const esr = this.#esr;
        this.#esr = 0;
        return esr;
      },
    });
    // Bit 6 of the service request enable is ignored (IEEE 488.2 §11.3.2.3).
    add('*SRE', {
      params: [register8('service request enable')],
      run: ([mask]) => void (this.#sre = mask & ~STATUS_BYTE_BITS.MSS),
    });
    add('*SRE?', { run: () => this.#sre });
    add('*STB?', { run: () => this.statusByte });
    // Handlers run to completion in order, so every operation is complete once *OPC is parsed.
    add('*OPC', { run: () => void (this.#esr |= EVENT_STATUS_BITS.OPC) });
    add('*OPC?', { run: () => 1 });
    add('*WAI', { run: () => undefined });
    add('*TST?', { run: async () => (await this.#options.selfTest?.()) ?? 0 });
    add('*OPT?', { run: () => (this.#options.options?.length ? this.#options.options.join(',') : '0') });
    add('SYSTem:ERRor[:NEXT]?', { run: () => formatErrorEntry(this.#errors.next()) });
    add('SYSTem:ERRor:COUNt?', { run: () => this.#errors.count });
    add('SYSTem:ERRor:ALL?', {
      run: () => {
        const entries = this.#errors.drain();
        return entries.length === 0
          ? formatErrorEntry(this.#errors.next())
          : entries.map(formatErrorEntry).join(',');
      },
    });
    add('SYSTem:VERSion?', { run: () => '1999.0' });
  }
}
