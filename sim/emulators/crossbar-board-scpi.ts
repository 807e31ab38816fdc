// The crossbar test board's SCPI command tree (docs/protocols/crossbar-board.md) over a
// CrossbarBoard: bulk data as REAL,64 blocks in FORMat:BORDer order or ASCII lists, pulse
// batches as fixed little-endian records.
import { decodeBinary, encodeBinary } from '../../drivers/scpi/block.ts';
import type { BinaryFormat } from '../../drivers/scpi/block.ts';
import { block, choice, numeric, optional, ScpiError, ScpiServer } from '../../drivers/scpi/server/index.ts';
import type { ParamSpec, ResponseData } from '../../drivers/scpi/server/index.ts';
import type { EmulatedBench } from './emulated-bench.ts';
import { CrossbarBoard } from './crossbar-board.ts';
import type { CrossbarLimits } from './crossbar-board.ts';

/** IEEE 488.2 status byte bit 3: the QUEStionable summary (SCPI-1999 vol.1 §9.1). */
const STB_QUESTIONABLE = 1 << 3;

export class CrossbarBoardEmulator {
  readonly server: ScpiServer;
  readonly board: CrossbarBoard;
  format: 'ASCii' | 'REAL' = 'ASCii';
  byteOrder: 'NORMal' | 'SWAPped' = 'NORMal';

  constructor(bench: EmulatedBench, serial = 'XB000001') {
    this.board = new CrossbarBoard(bench);
    this.server = new ScpiServer({
      identity: { vendor: 'NUDGED', model: 'XBAR-EMU', serial, firmware: '1.0' },
      onReset: async () => {
        this.format = 'ASCii';
        this.byteOrder = 'NORMal';
        await this.board.reset();
      },
    });
    this.#registerDescription();
    this.#registerSources();
    this.#registerProgramming();
    this.#registerMeasurement();
    this.#registerStatusAndLimits();
  }

  get #binary(): BinaryFormat {
    return { element: 'float64', endian: this.byteOrder === 'NORMal' ? 'big' : 'little' };
  }

  /** Bulk response data in the present FORMat. */
  #bulk(values: Float64Array): ResponseData {
    return this.format === 'REAL' ? encodeBinary(values, this.#binary) : Array.from(values);
  }

  /** A levels parameter list: one REAL,64 block, or exactly `count` numbers. */
  #levels(count: number, unit: string): ParamSpec<unknown>[] {
    const number = numeric({ name: 'level', unit });
    const first: ParamSpec<Uint8Array | number> = {
      name: 'levels',
      optional: false,
      parse: (token) => (token.kind === 'block' ? token.bytes : number.parse(token)),
    };
    return [first, ...Array.from({ length: count - 1 }, () => optional(number))];
  }

  #decodeLevels(values: unknown[], count: number, header: string): Float64Array {
    const [first, ...rest] = values;
    if (first instanceof Uint8Array) {
      if (rest.some((v) => v !== undefined))
        throw new ScpiError(-108, `${header}: a block must be the only parameter`);
      if (first.length !== 8 * count) {
        throw new ScpiError(
          -224,
          `${header}: block of ${first.length} bytes, expected ${count} REAL,64 values`,
        );
      }
      return decodeBinary(first, this.#binary);
    }
    const numbers = values.filter((v): v is number => v !== undefined);
    if (numbers.length !== count)
      throw new ScpiError(-109, `${header}: ${numbers.length} levels for ${count} channels`);
    return Float64Array.from(numbers);
  }

  #registerDescription(): void {
    const s = this.server;
    const layout = this.board.layout;
    s.register('LINE:COUNt?', { run: () => layout.inputLines });
    s.register('NODE:COUNt?', { run: () => layout.floatingNodes });
    s.register('NODE:OUTPut:COUNt?', { run: () => layout.outputNodes });
    s.register('NODE:OUTPut:OFFSet?', { run: () => layout.outputOffset });
    s.register('ARRay:COUNt?', { run: () => layout.arrays.length });
    const array = numeric({ name: 'array', min: 0, max: layout.arrays.length - 1, integer: true });
    s.register('ARRay:SIZE?', {
      params: [array],
      run: ([a]) => [layout.arrays[a].rows, layout.arrays[a].cols],
    });
    s.register('ARRay:CONDuctance:RANGe?', {
      params: [array],
      run: () => [layout.desc.conductance.min_S, layout.desc.conductance.max_S],
    });
    s.register('FORMat[:DATA]', {
      params: [
        choice(['ASCii', 'REAL'] as const, { name: 'format' }),
        optional(numeric({ name: 'length', integer: true })),
      ],
      run: ([format, length]) => {
        if (length !== undefined && !(format === 'REAL' && length === 64)) {
          throw new ScpiError(-224, `FORMat ${format},${length}: only ASCii and REAL,64 are supported`);
        }
        this.format = format;
      },
    });
    s.register('FORMat[:DATA]?', { run: () => (this.format === 'REAL' ? 'REAL,64' : 'ASC') });
    s.register('FORMat:BORDer', {
      params: [choice(['NORMal', 'SWAPped'] as const, { name: 'byte order' })],
      run: ([order]) => void (this.byteOrder = order),
    });
    s.register('FORMat:BORDer?', { run: () => (this.byteOrder === 'NORMal' ? 'NORM' : 'SWAP') });
  }

  #registerSources(): void {
    const s = this.server;
    const { inputLines, outputNodes } = this.board.layout;
    s.register('SOURce:VOLTage[:LEVel][:IMMediate]', {
      params: this.#levels(inputLines, 'V'),
      run: (values) => this.board.setLineVoltages(this.#decodeLevels(values, inputLines, 'SOURce:VOLTage')),
    });
    s.register('SOURce:VOLTage[:LEVel][:IMMediate]?', { run: () => this.#bulk(this.board.lineVoltages()) });
    s.register('SOURce:CURRent[:LEVel][:IMMediate]', {
      params: this.#levels(outputNodes, 'A'),
      run: (values) => this.board.setNudgeCurrents(this.#decodeLevels(values, outputNodes, 'SOURce:CURRent')),
    });
    s.register('SOURce:CURRent[:LEVel][:IMMediate]?', { run: () => this.#bulk(this.board.nudgeCurrents()) });
  }

  #registerProgramming(): void {
    const s = this.server;
    s.register('PROGram:BIAS', {
      params: [choice(['VHALf', 'VTHird', 'GROund', 'FLOat'] as const, { name: 'bias scheme' })],
      run: ([scheme]) => void (this.board.bias = scheme),
    });
    s.register('PROGram:BIAS?', { run: () => this.board.bias.replace(/[a-z]/g, '') });
    s.register('PROGram:PULSe:BATCh', {
      params: [block({ name: 'pulse block' })],
      run: async ([payload]) => void (await this.board.applyPulseBlock(payload)),
    });
    s.register('PROGram:PULSe:BATCh:COUNt?', { run: () => this.board.lastBatchApplied });
  }

  #registerMeasurement(): void {
    const s = this.server;
    const layout = this.board.layout;
    s.register('MEASure:CONDuctance?', {
      params: [
        numeric({ name: 'array', min: 0, max: layout.arrays.length - 1, integer: true }),
        numeric({ name: 'read voltage', unit: 'V', min: -10, max: 10 }),
      ],
      run: async ([array, v]) => this.#bulk(await this.board.readConductances(array, v)),
    });
    s.register('SAMPle:READ?', {
      params: [
        optional(numeric({ name: 'delay', unit: 'S', min: 0, max: 10, default: 0 })),
        optional(numeric({ name: 'averages', min: 1, max: 1024, integer: true, default: 1 })),
      ],
      run: async ([delay, averages]) => this.#bulk(await this.board.sampleAndRead(delay ?? 0, averages ?? 1)),
    });
  }

  #registerStatusAndLimits(): void {
    const s = this.server;
    const b = this.board;
    s.register('STATus:QUEStionable[:EVENt]?', { run: () => b.takeQuestionableEvent() });
    s.register('STATus:QUEStionable:CONDition?', { run: () => b.questionableCondition });
    s.register('STATus:QUEStionable:ENABle', {
      params: [numeric({ name: 'enable mask', min: 0, max: 32767, integer: true })],
      run: ([mask]) => void (b.questionableEnable = mask),
    });
    s.register('STATus:QUEStionable:ENABle?', { run: () => b.questionableEnable });
    s.register('STATus:PRESet', { run: () => void (b.questionableEnable = 0) });
    s.register('*STB?', {
      run: (_, context) =>
        context.server.statusByte |
        ((b.questionableEvent & b.questionableEnable) !== 0 ? STB_QUESTIONABLE : 0),
    });
    const pair = (name: keyof CrossbarLimits, header: string, unit?: string) => {
      s.register(`LIMit:${header}`, {
        params: [numeric({ name: 'minimum', unit }), numeric({ name: 'maximum', unit })],
        run: ([min, max]) => b.setLimit(name, { min, max }),
      });
      s.register(`LIMit:${header}?`, { run: () => [b.limits[name].min, b.limits[name].max] });
    };
    const ceiling = (name: keyof CrossbarLimits, header: string, unit?: string) => {
      s.register(`LIMit:${header}`, {
        params: [numeric({ name: 'maximum', unit })],
        run: ([max]) => b.setLimit(name, { min: b.limits[name].min, max }),
      });
      s.register(`LIMit:${header}?`, { run: () => b.limits[name].max });
    };
    pair('voltage_V', 'VOLTage', 'V');
    pair('current_A', 'CURRent', 'A');
    ceiling('pulseAmplitude_V', 'PULSe:AMPLitude', 'V');
    pair('pulseWidth_s', 'PULSe:WIDTh', 'S');
    ceiling('pulseCount', 'PULSe:COUNt');
    ceiling('readVoltage_V', 'READ:VOLTage', 'V');
  }
}
