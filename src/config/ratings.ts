// What each SMU model can source at all (DC, the widest model of the family), so that a limit no
// instrument of the kind could honour is refused when the file is loaded rather than when the
// bench is assembled. Figures from the manufacturers' datasheets:
// - Keithley 2450 SourceMeter: ±210 V, ±1.05 A.
// - Keithley 2400 SourceMeter: ±210 V, ±1.05 A.
// - Keithley 2600B System SourceMeter: 2601B/2602B/2604B ±40.4 V, ±3.03 A (DC);
//   2611B/2612B/2614B/2634B/2635B/2636B ±202 V, ±1.515 A (DC) — the envelope of the family.
// - Keysight B2900A/B2900B Precision SMU: ±210 V, ±3.03 A (DC).
import type { FieldPath } from './source.ts';
import type { Finding } from './zod-issues.ts';
import type { InstrumentBenchConfig, InstrumentConfig, LevelRange, SmuKind } from './schema.ts';

export const SMU_RATINGS: Readonly<Record<SmuKind, { voltage_V: number; current_A: number }>> = {
  'keithley-2450': { voltage_V: 210, current_A: 1.05 },
  'keithley-2400': { voltage_V: 210, current_A: 1.05 },
  'keithley-2600b': { voltage_V: 202, current_A: 3.03 },
  'keysight-b2900': { voltage_V: 210, current_A: 3.03 },
};

type SmuConfig = Extract<InstrumentConfig, { kind: SmuKind }>;

/** Limits of the lines and nodes an SMU drives, and the compliance limit, within its rating. */
export function checkSmuRatings(config: InstrumentBenchConfig): Finding[] {
  const findings: Finding[] = [];
  const { limits, wiring } = config;
  const smus = new Map(
    config.instruments.flatMap((i) => (i.kind in SMU_RATINGS ? [[i.name, i as SmuConfig] as const] : [])),
  );
  const within = (
    path: FieldPath,
    range: LevelRange | readonly LevelRange[],
    targets: readonly number[],
    rating: number,
    what: string,
  ) => {
    targets.forEach((target) => {
      const r = Array.isArray(range) ? range[target] : (range as LevelRange);
      if (r !== undefined && (r.min < -rating || r.max > rating)) {
        findings.push({
          path: Array.isArray(range) ? [...path, target] : path,
          message: `[${r.min}, ${r.max}] exceeds ±${rating} ${what}`,
        });
      }
    });
  };
  wiring.inputs.forEach((group) => {
    const smu = smus.get(group.instrument);
    if (smu === undefined) return;
    const { voltage_V } = SMU_RATINGS[smu.kind];
    within(
      ['limits', 'inputVoltage_V'],
      limits.inputVoltage_V,
      group.lines,
      voltage_V,
      `V, what a ${smu.kind} ('${smu.name}') can source`,
    );
  });
  wiring.nudge.forEach((group) => {
    const smu = smus.get(group.instrument);
    if (smu === undefined) return;
    const { current_A } = SMU_RATINGS[smu.kind];
    within(
      ['limits', 'nudgeCurrent_A'],
      limits.nudgeCurrent_A,
      group.nodes,
      current_A,
      `A, what a ${smu.kind} ('${smu.name}') can source`,
    );
  });
  if (limits.compliance !== undefined && smus.size > 0) {
    const voltage_V = Math.min(...[...smus.values()].map((s) => SMU_RATINGS[s.kind].voltage_V));
    const current_A = Math.min(...[...smus.values()].map((s) => SMU_RATINGS[s.kind].current_A));
    if (limits.compliance.voltage_V > voltage_V) {
      findings.push({
        path: ['limits', 'compliance', 'voltage_V'],
        message: `${limits.compliance.voltage_V} V exceeds ${voltage_V} V, the most the bench's SMUs can be set to`,
      });
    }
    if (limits.compliance.current_A > current_A) {
      findings.push({
        path: ['limits', 'compliance', 'current_A'],
        message: `${limits.compliance.current_A} A exceeds ${current_A} A, the most the bench's SMUs can be set to`,
      });
    }
  }
  return findings;
}
