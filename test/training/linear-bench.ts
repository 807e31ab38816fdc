// A fake bench whose physics is a linear resistive network solved exactly: every crossbar device
// is a resistor, every floating node has a leak conductance to ground, no diodes, no amplifiers.
// Nodal analysis (G V = b) by Gaussian elimination; the sampler returns the exact DC solution.
// Pulses change a conductance by a constant step (clipped to the range). Faults can be injected.
import type {
  BenchCapabilities,
  ConductanceReader,
  CurrentSource,
  IdealConductanceAccess,
  NodeSampler,
  Pulse,
  PulseProgrammer,
  Timebase,
  VoltageSource,
} from '../../src/capabilities/index.ts';
import type { NetworkLayout } from '../../src/network/description.ts';
import { referenceIdealStep } from './ideal-step.ts';

export type FaultMode = 'throw' | 'hang';

export class LinearBench implements BenchCapabilities {
  readonly g_S: Float64Array;
  /** The ideal step's momentum velocity, S (zeroed by write and by pulses). */
  readonly velocity_S: Float64Array;
  readonly inputs_V: Float64Array;
  readonly nudge_A: Float64Array;
  clock_s = 0;
  safeStateCalls = 0;
  /** Names of the capability calls in order. */
  readonly calls: string[] = [];
  /** Fails the n-th (1-based) call of the named operation. */
  fault: { op: string; call: number; mode: FaultMode } | null = null;
  readonly inputs: VoltageSource;
  readonly nudge: CurrentSource;
  readonly sampler: NodeSampler;
  readonly programmer: PulseProgrammer;
  readonly reader: ConductanceReader;
  readonly timebase: Timebase;
  readonly ideal: IdealConductanceAccess;

  constructor(
    readonly layout: NetworkLayout,
    g_S: Float64Array,
    readonly leak_S = 1e-5,
    readonly pulseStep_S = 1e-6,
  ) {
    this.g_S = Float64Array.from(g_S);
    this.velocity_S = new Float64Array(g_S.length);
    this.inputs_V = new Float64Array(layout.inputLines);
    this.nudge_A = new Float64Array(layout.outputNodes);
    this.inputs = {
      kind: 'voltage-source',
      channels: layout.inputLines,
      range: { min: -10, max: 10 },
      setVoltages: (v) => this.op('setVoltages', () => void this.inputs_V.set(v)),
      safeState: async () => void this.inputs_V.fill(0),
    };
    this.nudge = {
      kind: 'current-source',
      channels: layout.outputNodes,
      range: { min: -1, max: 1 },
      setCurrents: (i) => this.op('setCurrents', () => void this.nudge_A.set(i)),
      safeState: async () => void this.nudge_A.fill(0),
    };
    this.sampler = {
      kind: 'node-sampler',
      channels: layout.floatingNodes,
      sampleAndRead: () => this.op('sampleAndRead', () => this.solve()),
    };
    this.programmer = {
      kind: 'pulse-programmer',
      applyPulses: (batch) => this.op('applyPulses', () => this.applyPulses(batch)),
      safeState: async () => undefined,
    };
    this.reader = {
      kind: 'conductance-reader',
      arrays: layout.arrays.map((a) => ({ ...a })),
      readConductances: (array) =>
        this.op('readConductances', () => {
          const { rows, cols } = layout.arrays[array];
          const off = layout.deviceOffsets[array];
          return this.g_S.slice(off, off + rows * cols);
        }),
    };
    this.timebase = {
      kind: 'timebase',
      wait: (s) => this.op('wait', () => void (this.clock_s += s)),
      now: () => this.clock_s,
    };
    this.ideal = {
      kind: 'ideal-conductance-access',
      read: () => Float64Array.from(this.g_S),
      write: (g) => {
        this.g_S.set(g.map((v) => this.clip(v)));
        this.velocity_S.fill(0);
      },
      step: (gradient, eta, range, momentum) =>
        referenceIdealStep(
          this.g_S,
          layout,
          gradient,
          eta,
          range,
          (v) => this.clip(v),
          momentum,
          this.velocity_S,
        ),
    };
  }

  async safeState(): Promise<void> {
    this.safeStateCalls++;
    this.calls.push('safeState');
    this.inputs_V.fill(0);
    this.nudge_A.fill(0);
  }

  /** Exact floating-node voltages for the present sources and conductances. */
  solve(g_S: Float64Array = this.g_S): Float64Array {
    const { layout } = this;
    const n = layout.floatingNodes;
    const a = new Float64Array(n * n);
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i * n + i] = this.leak_S;
    for (let k = 0; k < layout.outputNodes; k++) b[layout.outputOffset + k] += this.nudge_A[k];
    layout.arrays.forEach(({ rows, cols }, l) => {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const g = g_S[layout.deviceOffsets[l] + r * cols + c];
          const j = layout.layerOffsets[l] + c;
          a[j * n + j] += g;
          if (l === 0) {
            b[j] += g * this.inputs_V[r];
          } else {
            const h = layout.layerOffsets[l - 1] + r;
            a[h * n + h] += g;
            a[j * n + h] -= g;
            a[h * n + j] -= g;
          }
        }
      }
    });
    return gaussianSolve(a, b, n);
  }

  private clip(g: number): number {
    const { min_S, max_S } = this.layout.desc.conductance;
    return Math.min(max_S, Math.max(min_S, g));
  }

  private applyPulses(batch: readonly Pulse[]): { applied: number } {
    let applied = 0;
    for (const p of batch) {
      const d = this.layout.deviceOffsets[p.array] + p.row * this.layout.arrays[p.array].cols + p.col;
      const count = p.count ?? 1;
      const step = (p.polarity === 'set' ? 1 : -1) * this.pulseStep_S * count;
      this.g_S[d] = this.clip(this.g_S[d] + step);
      applied += count;
    }
    if (batch.length > 0) this.velocity_S.fill(0);
    return { applied };
  }

  private op<T>(name: string, run: () => T): Promise<T> {
    this.calls.push(name);
    const f = this.fault;
    if (f !== null && f.op === name && this.calls.filter((c) => c === name).length === f.call) {
      return f.mode === 'hang'
        ? new Promise<T>(() => undefined)
        : Promise.reject(new Error(`injected ${name} fault`));
    }
    return Promise.resolve(run());
  }
}

function gaussianSolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]) > Math.abs(a[p * n + k])) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) [a[k * n + j], a[p * n + j]] = [a[p * n + j], a[k * n + j]];
      [b[k], b[p]] = [b[p], b[k]];
    }
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k] / a[k * n + k];
      for (let j = k; j < n; j++) a[i * n + j] -= f * a[k * n + j];
      b[i] -= f * b[k];
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let j = i + 1; j < n; j++) s -= a[i * n + j] * x[j];
    x[i] = s / a[i * n + i];
  }
  return x;
}
