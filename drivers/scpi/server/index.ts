// The transport-free SCPI server core for instrument emulators.
export {
  ScpiServer,
  type CommandContext,
  type CommandSpec,
  type ScpiServerOptions,
  type ServerIdentity,
} from './server.ts';
export { ScpiError, STANDARD_ERRORS } from './errors.ts';
export { ProgramMessageFramer, splitProgramMessages } from './framer.ts';
export {
  block,
  boolean,
  channelList,
  choice,
  numeric,
  optional,
  string,
  type NumericOptions,
  type ParamSpec,
} from './params.ts';
export type { ResponseData } from './response.ts';
