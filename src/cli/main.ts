// The `nudge` command line (bin/nudge.js): every area registers its commands on one program.
import { Command } from 'commander';
import { registerSimServeCommand } from './sim-serve.ts';
import { registerClientCommands } from './commands.ts';
import { registerServeCommand } from './serve.ts';
import { registerCalibrateCommand } from './calibrate.ts';
import { registerTrainCommand } from './train.ts';

const program = new Command('nudge').description(
  'trains analog neural networks in hardware by Equilibrium Propagation',
);
registerSimServeCommand(program);
registerServeCommand(program);
registerClientCommands(program);
registerCalibrateCommand(program);
registerTrainCommand(program);
await program.parseAsync();
