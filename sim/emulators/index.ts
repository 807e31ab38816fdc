// Protocol-level emulators of the simulated bench: SCPI instruments on raw sockets and serial
// ptys, a Modbus TCP DAC module, all acting on one shared SimBoard (docs/emulators.md).
export { startEmulatedBench, startEmulatedBenchFile, parseEmulatedBenchConfig } from './start.ts';
export type { EmulatorInstance, EmulatorResource, RunningEmulatedBench } from './start.ts';
export { emulatedBenchConfigSchema, instrumentSchema, attachmentSchema, checkWiring } from './config.ts';
export type { EmulatedBenchConfig, EmulatedBenchConfigInput, InstrumentConfig } from './config.ts';
export { EmulatedBench } from './emulated-bench.ts';
export { CrossbarBoard, QUESTIONABLE } from './crossbar-board.ts';
export type { BiasScheme, CrossbarLimits } from './crossbar-board.ts';
export { CrossbarBoardEmulator } from './crossbar-board-scpi.ts';
export { decodePulseRecords, PULSE_RECORD_BYTES } from './pulse-records.ts';
export { Keithley2400Emulator } from './keithley-2400.ts';
export { Keithley2450Emulator } from './keithley-2450.ts';
export { Keithley2600BEmulator } from './keithley-2600b.ts';
export { parseChunk, runChunk, formatTspValue, TspRuntimeError, TspSyntaxError } from './tsp-interpreter.ts';
export type { TspEnvironment, TspValue } from './tsp-interpreter.ts';
export { KeysightB2900Emulator } from './keysight-b2900.ts';
export { SmuChannel } from './smu-channel.ts';
export type { SmuAttachment } from './smu-channel.ts';
export { codeToVolts, ModbusDacModule, serveModbusDac, DAC_MAX_CODE, OUTPUT_RANGES } from './modbus-dac.ts';
export { FaultInjector, faultsSchema } from './faults.ts';
export type { FaultsConfig, FaultsConfigInput } from './faults.ts';
export { ScpiStreamSession, serveScpiSocket } from './scpi-stream.ts';
export type { MessageServer } from './scpi-stream.ts';
export { serveScpiSerial } from './serial-pty.ts';
