// Test doubles for code that speaks SCPI over a MessageTransport.
export {
  expectedProtocol,
  ProtocolDeviation,
  ScriptedTransport,
  TIMEOUT,
  type Exchange,
  type ExpectedProtocolOptions,
  type ScriptedReply,
} from './expected-protocol.ts';
export { LoopbackTransport, type LoopbackDevice, type LoopbackOptions } from './loopback.ts';
