// XDR, the External Data Representation (RFC 4506): big-endian 4-byte units, items padded with
// zero bytes to a multiple of four. Only the types ONC RPC, the portmapper and VXI-11 use.

/** Malformed or truncated XDR data (a server answers it with GARBAGE_ARGS). */
export class XdrError extends Error {
  override readonly name = 'XdrError';
}

const UINT32_MAX = 0xffff_ffff;

function paddingOf(length: number): number {
  return (4 - (length % 4)) % 4;
}

export class XdrWriter {
  #chunks: Uint8Array[] = [];
  #length = 0;

  /** RFC 4506 §4.1: signed 32-bit two's complement. */
  int(value: number): this {
    if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff)
      throw new XdrError(`int ${value} is outside the signed 32-bit range`);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setInt32(0, value);
    return this.#push(bytes);
  }

  /** RFC 4506 §4.2: unsigned 32-bit. */
  uint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX)
      throw new XdrError(`unsigned int ${value} is outside 0..2^32-1`);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value);
    return this.#push(bytes);
  }

  /** RFC 4506 §4.4: an enum-valued int, 0 for FALSE and 1 for TRUE. */
  bool(value: boolean): this {
    return this.int(value ? 1 : 0);
  }

  /** RFC 4506 §4.9: fixed-length opaque, the length known to both sides, padded. */
  fixedOpaque(data: Uint8Array): this {
    this.#push(data);
    return this.#push(new Uint8Array(paddingOf(data.length)));
  }

  /** RFC 4506 §4.10: variable-length opaque, a uint length then the padded bytes. */
  opaque(data: Uint8Array, maxLength = UINT32_MAX): this {
    if (data.length > maxLength)
      throw new XdrError(`opaque of ${data.length} bytes exceeds its maximum ${maxLength}`);
    return this.uint(data.length).fixedOpaque(data);
  }

  /** RFC 4506 §4.11: string, encoded as variable-length opaque of its bytes (latin1 here:
   * VXI-11 device names and the like are ASCII, and latin1 round-trips every byte). */
  string(text: string, maxLength = UINT32_MAX): this {
    return this.opaque(Buffer.from(text, 'latin1'), maxLength);
  }

  /** Appends already-encoded XDR bytes (e.g. procedure arguments). */
  raw(encoded: Uint8Array): this {
    return this.#push(encoded);
  }

  get length(): number {
    return this.#length;
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.#chunks, this.#length));
  }

  #push(bytes: Uint8Array): this {
    if (bytes.length > 0) this.#chunks.push(bytes);
    this.#length += bytes.length;
    return this;
  }
}

export class XdrReader {
  #view: DataView;
  #offset = 0;

  constructor(readonly data: Uint8Array) {
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.#offset;
  }

  int(): number {
    return this.#view.getInt32(this.#take(4, 'int'));
  }

  uint(): number {
    return this.#view.getUint32(this.#take(4, 'unsigned int'));
  }

  bool(): boolean {
    const value = this.int();
    if (value !== 0 && value !== 1) throw new XdrError(`bool has value ${value}, not 0 or 1`);
    return value === 1;
  }

  fixedOpaque(length: number): Uint8Array {
    const start = this.#take(length + paddingOf(length), `opaque[${length}]`);
    return this.data.slice(start, start + length);
  }

  opaque(maxLength = UINT32_MAX): Uint8Array {
    const length = this.uint();
    if (length > maxLength) throw new XdrError(`opaque length ${length} exceeds its maximum ${maxLength}`);
    return this.fixedOpaque(length);
  }

  string(maxLength = UINT32_MAX): string {
    return Buffer.from(this.opaque(maxLength)).toString('latin1');
  }

  /** Everything not yet read (e.g. a procedure's arguments after the call header). */
  rest(): Uint8Array {
    const start = this.#offset;
    this.#offset = this.data.length;
    return this.data.slice(start);
  }

  /** Throws unless every byte has been consumed: trailing bytes mean a malformed message. */
  end(): void {
    if (this.remaining !== 0) throw new XdrError(`${this.remaining} unexpected trailing bytes`);
  }

  #take(size: number, what: string): number {
    if (this.remaining < size)
      throw new XdrError(
        `${what} needs ${size} bytes at offset ${this.#offset}, only ${this.remaining} left`,
      );
    const start = this.#offset;
    this.#offset += size;
    return start;
  }
}
