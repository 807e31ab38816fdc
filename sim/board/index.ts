// The in-process simulated bench: BenchCapabilities over the circuit physics, device models and
// measurement chain.
export { SimBoard, SimulationError } from './sim-board.ts';
export type { SimBoardStatistics } from './sim-board.ts';
export { simBoardConfigSchema, simBoardLimitsSchema } from './config.ts';
export type { SimBoardConfig, SimBoardConfigInput } from './config.ts';
export { slowestTimeConstant, zeroBiasNodalMatrix } from './time-constant.ts';
