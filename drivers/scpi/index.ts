// The SCPI client codec for drivers. The server command tree for emulators is
// drivers/scpi/server/index.ts; test helpers are in drivers/scpi/testing/.
export { ScpiClient, ScpiSession, type ScpiClientOptions } from './client.ts';
export { ScpiInstrumentError, ScpiResponseError, type ScpiErrorEntry } from './errors.ts';
export {
  decodeBinary,
  encodeBinary,
  encodeDefiniteBlock,
  type BinaryElement,
  type BinaryFormat,
} from './block.ts';
export {
  formatBoolean,
  formatChannelList,
  formatNumber,
  formatResponseNumber,
  quoteString,
  SCPI_INFINITY,
  SCPI_NAN,
} from './format.ts';
export {
  parseBoolean,
  parseErrorEntry,
  parseIdentity,
  parseNumber,
  parseNumbers,
  parseQuotedString,
  type ScpiIdentity,
} from './response.ts';
export {
  decodeEventStatus,
  decodeStatusByte,
  EVENT_STATUS_BITS,
  STATUS_BYTE_BITS,
  type DecodedRegister,
  type EventStatusBit,
  type StatusByteBit,
} from './status.ts';
